/*
 * test_facts.c - fact files: YAML typing, JSON, merge order, dotted and
 * indexed lookup, and errors that name the file and line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "runner.h"
#include "targeting/facts.h"

#define DATA MST_TEST_DATA "/facts/"
#define CONF MST_TEST_DATA "/../../conf/"

static struct mst_facts *load(const char *const *files, size_t n) {
    struct mst_facts *f = NULL;
    struct mst_err err = {0, ""};
    int rc = mst_facts_load(files, n, &f, &err);
    ck_assert_msg(rc == MST_OK, "%s", err.msg);
    return f;
}

static struct mst_facts *load_base(void) {
    static const char *const files[] = {DATA "base.yaml"};
    return load(files, 1);
}

/* The fact as text; "<none>" when absent, "<container>" for one. */
static void assert_text(const struct mst_facts *f, const char *name,
                        const char *want) {
    const json_t *v = mst_facts_get(f, name);
    char *text = v ? mst_facts_value_text(v) : NULL;
    const char *got = v == NULL ? "<none>" : text ? text : "<container>";
    ck_assert_msg(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", name,
                  got, want);
    free(text);
}

static void assert_type(const struct mst_facts *f, const char *name,
                        json_type want) {
    const json_t *v = mst_facts_get(f, name);
    ck_assert_msg(v != NULL, "%s: missing", name);
    ck_assert_msg(json_typeof(v) == want, "%s: type %d, want %d", name,
                  json_typeof(v), want);
}

START_TEST(yaml_scalars_are_typed) {
    struct mst_facts *f = load_base();
    assert_type(f, "count", JSON_INTEGER);
    assert_text(f, "count", "4");
    assert_type(f, "negative", JSON_INTEGER);
    assert_text(f, "negative", "-3");
    assert_type(f, "ratio", JSON_REAL);
    assert_text(f, "ratio", "15.5");
    assert_type(f, "exp", JSON_REAL);
    assert_text(f, "exp", "1000");
    assert_type(f, "version", JSON_STRING);
    assert_text(f, "version", "1.2.3");
    assert_text(f, "ip", "192.0.2.10");
    assert_type(f, "mode", JSON_STRING); /* leading zero: kept as written */
    assert_text(f, "mode", "0755");
    assert_type(f, "quoted_int", JSON_STRING);
    assert_type(f, "single", JSON_STRING);
    assert_text(f, "single", "yes");
    assert_type(f, "yes_plain", JSON_TRUE);
    assert_text(f, "yes_plain", "true");
    assert_type(f, "no_plain", JSON_FALSE);
    assert_type(f, "t", JSON_TRUE);
    assert_type(f, "f", JSON_FALSE);
    assert_text(f, "f", "false");
    assert_type(f, "nothing", JSON_NULL);
    assert_text(f, "nothing", "");
    assert_type(f, "tilde", JSON_NULL);
    assert_type(f, "empty", JSON_NULL);
    assert_text(f, "block", "two\nlines\n");
    assert_type(f, "huge", JSON_STRING); /* beyond int64: text */
    mst_facts_free(&f);
    ck_assert_ptr_null(f);
}
END_TEST

START_TEST(dotted_and_indexed_lookup) {
    struct mst_facts *f = load_base();
    assert_text(f, "os.family", "Debian");
    assert_text(f, "os.release.major", "12");
    assert_text(f, "os.release.full", "12.5");
    assert_text(f, "os", "<container>");
    assert_text(f, "disks.0.name", "vda");
    assert_text(f, "disks.1.size", "200");
    assert_text(f, "disks.2.name", "<none>");
    assert_text(f, "disks.01.name", "<none>");
    assert_text(f, "disks.-1", "<none>");
    assert_text(f, "disks.x", "<none>");
    assert_text(f, "networking.interfaces.eth0.ip", "10.0.0.1");
    /* A key with a dot in it is found before splitting at the dot. */
    assert_text(f, "dotted.key", "literal");
    assert_text(f, "networking.interfaces.eth0.100.ip", "10.0.100.1");
    assert_text(f, "os.family.x", "<none>");
    assert_text(f, "nope", "<none>");
    assert_text(f, "", "<none>");
    assert_text(f, "os.", "<none>");
    mst_facts_free(&f);
}
END_TEST

START_TEST(later_files_win_at_top_level) {
    static const char *const files[] = {DATA "base.yaml", DATA "override.json"};
    struct mst_facts *f = load(files, 2);
    assert_text(f, "role", "web");
    /* The whole "os" object was replaced, not merged into. */
    assert_text(f, "os.family", "RedHat");
    assert_text(f, "os.release.major", "<none>");
    assert_text(f, "count", "4");
    assert_type(f, "json_only.1", JSON_REAL);
    assert_text(f, "json_only.1", "2.5");
    assert_text(f, "json_only.2", "true");
    assert_text(f, "json_only.3", "");
    assert_text(f, "json_only.4", "x");
    mst_facts_free(&f);

    static const char *const reversed[] = {DATA "override.json",
                                           DATA "base.yaml"};
    f = load(reversed, 2);
    assert_text(f, "role", "base");
    assert_text(f, "os.family", "Debian");
    assert_text(f, "json_only.0", "1");
    mst_facts_free(&f);
}
END_TEST

START_TEST(no_files_and_empty_file) {
    struct mst_facts *f = load(NULL, 0);
    ck_assert(json_is_object(mst_facts_root(f)));
    ck_assert_uint_eq(json_object_size(mst_facts_root(f)), 0);
    mst_facts_free(&f);
    static const char *const files[] = {DATA "empty.yaml"};
    f = load(files, 1);
    ck_assert_uint_eq(json_object_size(mst_facts_root(f)), 0);
    mst_facts_free(&f);
    mst_facts_free(&f);
    mst_facts_free(NULL);
}
END_TEST

START_TEST(sample_facts_yaml) {
    static const char *const files[] = {CONF "facts.yaml"};
    struct mst_facts *f = load(files, 1);
    assert_text(f, "os.family", "Debian");
    assert_type(f, "processorcount", JSON_INTEGER);
    assert_text(f, "networking.interfaces.eth0.ip", "192.0.2.10");
    assert_text(f, "disks.1.size_gb", "200");
    mst_facts_free(&f);
}
END_TEST

struct bad_case {
    const char *file;
    int code;
    const char *where; /* start of the message, after the data directory */
    const char *what;
};

static const struct bad_case bad_cases[] = {
    {"broken.yaml", MST_EDECODE, "broken.yaml:4: ", ""},
    {"broken.json", MST_EDECODE, "broken.json:4: ", ""},
    {"alias.yaml", MST_EDECODE, "alias.yaml:1: ", "anchor &b"},
    {"alias-only.yaml", MST_EDECODE, "alias-only.yaml:3: ", "alias *nothing"},
    {"dupkey.yaml", MST_EDECODE, "dupkey.yaml:2: a", "duplicate key"},
    {"dupkey.json", MST_EDECODE, "dupkey.json:1: ", "duplicate"},
    {"twodocs.yaml", MST_EDECODE, "twodocs.yaml:3: ", "more than one"},
    {"tag.yaml", MST_EDECODE, "tag.yaml:1: ", "tag !ruby/object:Foo"},
    {"list.yaml", MST_EDECODE, "list.yaml: ", "must be a mapping"},
    {"deep.yaml", MST_EDECODE, "deep.yaml:1: ", "deeper than 64"},
    {"deep.json", MST_EDECODE, "deep.json: ", "deeper than 64"},
    {"missing.yaml", MST_ENOTFOUND, "missing.yaml: cannot open",
     "No such file"},
};

START_TEST(bad_file_names_file_and_line) {
    const struct bad_case *bc = &bad_cases[_i];
    char path[512], where[512];
    snprintf(path, sizeof path, "%s%s", DATA, bc->file);
    snprintf(where, sizeof where, "%s%s", DATA, bc->where);
    const char *files[] = {DATA "base.yaml", path};
    struct mst_facts *f = NULL;
    struct mst_err err = {0, ""};
    int rc = mst_facts_load(files, 2, &f, &err);
    ck_assert_msg(rc == bc->code, "%s: rc %d (%s)", bc->file, rc, err.msg);
    ck_assert_ptr_null(f);
    ck_assert_msg(strncmp(err.msg, where, strlen(where)) == 0,
                  "%s: \"%s\" does not start with \"%s\"", bc->file, err.msg,
                  where);
    ck_assert_msg(strstr(err.msg, bc->what) != NULL, "%s: \"%s\" lacks \"%s\"",
                  bc->file, err.msg, bc->what);
}
END_TEST

START_TEST(from_json_takes_objects_only) {
    struct mst_facts *f = NULL;
    json_t *obj = json_pack("{s:{s:i}}", "a", "b", 7);
    ck_assert_int_eq(mst_facts_from_json(obj, &f, NULL), MST_OK);
    assert_text(f, "a.b", "7");
    ck_assert_ptr_eq(mst_facts_root(f), obj);
    mst_facts_free(&f);
    /* The reference is stolen even on failure: no leak here. */
    ck_assert_int_eq(mst_facts_from_json(json_array(), &f, NULL), MST_EINVAL);
    ck_assert_ptr_null(f);
}
END_TEST

START_TEST(value_text_formats) {
    json_t *v = json_real(0.1);
    char *t = mst_facts_value_text(v);
    ck_assert_str_eq(t, "0.1");
    free(t);
    json_decref(v);
    /* whole numbers below 1e17 in full, not as %g's exponent */
    static const struct {
        double real;
        const char *text;
    } wholes[] = {
        {1.0, "1"},           {-2500.0, "-2500"},          {123456.0, "123456"},
        {999999.0, "999999"}, {1e16, "10000000000000000"}, {1e17, "1e+17"},
        {12345.5, "12345.5"}};
    for (size_t i = 0; i < sizeof wholes / sizeof wholes[0]; i++) {
        v = json_real(wholes[i].real);
        t = mst_facts_value_text(v);
        ck_assert_str_eq(t, wholes[i].text);
        free(t);
        json_decref(v);
    }
    v = json_integer(-9007199254740993LL);
    t = mst_facts_value_text(v);
    ck_assert_str_eq(t, "-9007199254740993");
    free(t);
    json_decref(v);
    v = json_object();
    ck_assert_ptr_null(mst_facts_value_text(v));
    json_decref(v);
    ck_assert_ptr_null(mst_facts_value_text(NULL));
}
END_TEST

/* ---- facts.dir and classes ---- */

static char dir[] = "/tmp/test_facts_dir.XXXXXX";

static void write_file(const char *name, const char *text, mode_t mode) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void make_dir(void) {
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int load_dir(struct mst_facts **f, struct mst_err *err) {
    static const char *const files[] = {DATA "base.yaml"};
    struct mst_facts_sources src = {
        .files = files, .n_files = 1, .dir = dir, .exec_timeout_ms = 2000};
    return mst_facts_load_sources(&src, f, err);
}

START_TEST(dir_runs_executables_and_reads_files) {
    write_file("10-exec", "#!/bin/sh\necho '{\"from_exec\": {\"n\": 3}}'\n",
               0755);
    write_file("20-kv", "# comment\nrack = r12\nzone=eu-1\n", 0644);
    write_file("30-yaml.yaml", "tier: gold\nlist: [a, b]\n", 0644);
    write_file("40-kv-exec", "#!/bin/sh\necho owner=ops\n", 0700);
    write_file(".hidden", "secret=1\n", 0644);
    write_file("50-old~", "backup=1\n", 0644);
    struct mst_facts *f = NULL;
    struct mst_err err = {0};
    ck_assert_msg(load_dir(&f, &err) == MST_OK, "%s", err.msg);
    assert_text(f, "from_exec.n", "3");
    assert_text(f, "rack", "r12");
    assert_text(f, "zone", "eu-1");
    assert_text(f, "tier", "gold");
    assert_text(f, "list.1", "b");
    assert_text(f, "owner", "ops");
    assert_text(f, "secret", "<none>");
    assert_text(f, "backup", "<none>");
    mst_facts_free(&f);
}
END_TEST

START_TEST(broken_dir_sources_fail_naming_the_source) {
    static const struct {
        const char *name, *text;
        mode_t mode;
        const char *why;
    } bad[] = {
        {"exit1", "#!/bin/sh\nexit 1\n", 0755, "exited with status 1"},
        {"hang", "#!/bin/sh\nexec sleep 30\n", 0755, "time limit"},
        {"open", "#!/bin/sh\necho ok\n", 0757, "group or others can write"},
        {"bad.json", "{\"a\": ", 0644, "bad.json:"},
        {"list.yaml", "- a\n- b\n", 0644, "mapping of facts"},
        {"kv.txt", "=x\n", 0644, "empty key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        remove_dir();
        strcpy(dir, "/tmp/test_facts_dir.XXXXXX");
        make_dir();
        write_file(bad[i].name, bad[i].text, bad[i].mode);
        struct mst_facts *f = NULL;
        struct mst_err err = {0};
        ck_assert_int_lt(load_dir(&f, &err), 0);
        ck_assert_ptr_null(f);
        ck_assert_msg(strstr(err.msg, bad[i].why) != NULL &&
                          strstr(err.msg, bad[i].name) != NULL,
                      "%s: %s", bad[i].name, err.msg);
    }
}
END_TEST

START_TEST(classes_file_one_per_line) {
    write_file("classes.txt", "settings\n  apache \n\nrole::web\r\n", 0644);
    char path[512];
    snprintf(path, sizeof path, "%s/classes.txt", dir);
    struct mst_strv classes = {0};
    struct mst_err err = {0};
    ck_assert_int_eq(mst_facts_load_classes(path, &classes, &err), MST_OK);
    ck_assert_int_eq(classes.n, 3);
    ck_assert_str_eq(classes.v[0], "settings");
    ck_assert_str_eq(classes.v[1], "apache");
    ck_assert_str_eq(classes.v[2], "role::web");
    mst_strv_free(&classes);
    snprintf(path, sizeof path, "%s/none.txt", dir);
    ck_assert_int_eq(mst_facts_load_classes(path, &classes, &err),
                     MST_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "none.txt"));
}
END_TEST

int main(void) {
    Suite *s = suite_create("facts");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, yaml_scalars_are_typed);
    tcase_add_test(tc, dotted_and_indexed_lookup);
    tcase_add_test(tc, later_files_win_at_top_level);
    tcase_add_test(tc, no_files_and_empty_file);
    tcase_add_test(tc, sample_facts_yaml);
    tcase_add_test(tc, from_json_takes_objects_only);
    tcase_add_test(tc, value_text_formats);
    suite_add_tcase(s, tc);
    TCase *d = tcase_create("dir");
    tcase_add_checked_fixture(d, make_dir, remove_dir);
    tcase_add_test(d, dir_runs_executables_and_reads_files);
    tcase_add_test(d, broken_dir_sources_fail_naming_the_source);
    tcase_add_test(d, classes_file_one_per_line);
    suite_add_tcase(s, d);
    TCase *bad = tcase_create("errors");
    tcase_add_loop_test(bad, bad_file_names_file_and_line, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    suite_add_tcase(s, bad);
    return mst_test_run(s);
}
