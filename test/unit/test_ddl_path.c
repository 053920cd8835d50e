/*
 * test_ddl_path.c - finding DDL files on a list of directories
 * (ddl/path.h): DIR/AGENT.json, DIR/AGENT/AGENT.json and Choria's
 * DIR/mcollective/agent/AGENT.json, the first that loads wins, a refused
 * one is a warning, agents known by metadata.name, the list sorted and
 * unique.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "base/strv.h"
#include "ddl/ddl.h"
#include "ddl/path.h"
#include "ddl_fixture.h"
#include "runner.h"

START_TEST(finds_files) {
    struct mst_strv dirs = {0};
    mst_strv_push(&dirs, MST_TEST_DATA "/nonexistent");
    mst_strv_push(&dirs, DDL_DIR);
    mst_strv_push(&dirs, AGENTS_DIR);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "good", &ddl, &err), MST_OK);
    mst_ddl_free(&ddl);
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "rpcutil", &ddl, &err), MST_OK);
    ck_assert_str_eq(ddl->name, "rpcutil");
    mst_ddl_free(&ddl);
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "nope", &ddl, &err),
                     MST_ENOTFOUND);
    ck_assert_str_eq(err.msg, "no DDL for agent nope");
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "bad-type", &ddl, &err),
                     MST_ECONFIG);
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "..", &ddl, &err), MST_EINVAL);
    /* bad-top-key.json names itself "bad" */
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "bad-top-key", &ddl, &err),
                     MST_ECONFIG);
    struct mst_strv names = {0};
    ck_assert_int_eq(mst_ddl_path_list(&dirs, &names), MST_OK);
    int good = 0, rpcutil = 0;
    for (size_t i = 0; i < names.n; i++) {
        good += strcmp(names.v[i], "good") == 0;
        rpcutil += strcmp(names.v[i], "rpcutil") == 0;
        if (i > 0)
            ck_assert_int_lt(strcmp(names.v[i - 1], names.v[i]), 0);
    }
    ck_assert_int_eq(good, 1);
    ck_assert_int_eq(rpcutil, 1);
    mst_strv_free(&names);
    mst_strv_free(&dirs);
}
END_TEST

/* Choria's DIR/mcollective/agent/NAME.json, found behind a refused DDL of
 * the same name, whose refusal becomes a warning. */
START_TEST(skips_refused_to_choria_layout) {
    struct mst_strv dirs = {0};
    mst_strv_push(&dirs, DDL_DIR "/path/shadow");
    mst_strv_push(&dirs, DDL_DIR "/path/choria");
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "twin", &ddl, &err), MST_OK);
    ck_assert_str_eq(ddl->path, DDL_DIR "/path/choria/mcollective/agent/"
                                        "twin.json");
    ck_assert_uint_eq(ddl->warnings.n, 1);
    ck_assert_str_eq(ddl->warnings.v[0],
                     "skipped: " DDL_DIR "/path/shadow/twin.json: "
                     "actions[0].extra: unknown key");
    mst_ddl_free(&ddl);
    /* Alone, the refused one is the error. */
    struct mst_strv shadow = {0};
    mst_strv_push(&shadow, DDL_DIR "/path/shadow");
    ck_assert_int_eq(mst_ddl_path_find(&shadow, "twin", &ddl, &err),
                     MST_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown key"));
    struct mst_strv names = {0};
    ck_assert_int_eq(mst_ddl_path_list(&dirs, &names), MST_OK);
    ck_assert_uint_eq(names.n, 1);
    ck_assert_str_eq(names.v[0], "twin");
    mst_strv_free(&names);
    mst_strv_free(&shadow);
    mst_strv_free(&dirs);
}
END_TEST

/* An agent is known by metadata.name: go-choria's go_agent.json holds
 * agent echo, listed and found as echo. */
START_TEST(finds_by_metadata_name) {
    struct mst_strv dirs = {0};
    mst_strv_push(&dirs, DDL_DIR "/choria/go-choria");
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "echo", &ddl, &err), MST_OK);
    ck_assert_str_eq(ddl->name, "echo");
    ck_assert_ptr_nonnull(strstr(ddl->path, "go_agent.json"));
    mst_ddl_free(&ddl);
    /* by its file name it is not agent go_agent */
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "go_agent", &ddl, &err),
                     MST_ENOTFOUND);
    struct mst_strv names = {0};
    ck_assert_int_eq(mst_ddl_path_list(&dirs, &names), MST_OK);
    int echo = 0, go_agent = 0;
    for (size_t i = 0; i < names.n; i++) {
        echo += strcmp(names.v[i], "echo") == 0;
        go_agent += strcmp(names.v[i], "go_agent") == 0;
    }
    ck_assert_int_eq(echo, 1);
    ck_assert_int_eq(go_agent, 0);
    mst_strv_free(&names);
    mst_strv_free(&dirs);
}
END_TEST

/* Directories below `d` (a mkdtemp path, extended in place) until it is
 * `len` bytes long; each component at most 200 bytes. */
static void deepen(char *d, size_t len) {
    while (strlen(d) < len) {
        size_t at = strlen(d), n = len - at - 1;
        n = n > 200 ? 200 : n;
        d[at] = '/';
        memset(d + at + 1, 'd', n);
        d[at + 1 + n] = '\0';
        ck_assert_int_eq(mkdir(d, 0700), 0);
    }
}

static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* A directory so deep that DIR/good.json does not fit a path buffer (4096
 * bytes): cut short, it would read DIR/good.jso, another file, which holds
 * agent good.  It is passed over, when finding and when listing. */
START_TEST(paths_too_long_are_not_cut_short) {
    char d[4096] = "/tmp/muster-ddl-path.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(d));
    size_t top = strlen(d);
    deepen(d, sizeof d - strlen("/good.json"));
    char cut[4096];
    ck_assert_int_lt(snprintf(cut, sizeof cut, "%s/good.jso", d),
                     (int)sizeof cut);
    copy_file(DDL_DIR "/good.json", cut);
    struct mst_strv dirs = {0};
    mst_strv_push(&dirs, d);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "good", &ddl, &err),
                     MST_ENOTFOUND);
    ck_assert_ptr_null(ddl);
    struct mst_strv names = {0};
    ck_assert_int_eq(mst_ddl_path_list(&dirs, &names), MST_OK);
    ck_assert_uint_eq(names.n, 0);
    mst_strv_free(&names);
    mst_strv_free(&dirs);
    ck_assert_int_eq(unlink(cut), 0);
    for (char *slash; strlen(d) > top; *slash = '\0') {
        ck_assert_int_eq(rmdir(d), 0);
        slash = strrchr(d, '/');
    }
    ck_assert_int_eq(rmdir(d), 0);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddl_path");
    TCase *tc = tcase_create("path");
    tcase_add_test(tc, finds_files);
    tcase_add_test(tc, skips_refused_to_choria_layout);
    tcase_add_test(tc, finds_by_metadata_name);
    tcase_add_test(tc, paths_too_long_are_not_cut_short);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
