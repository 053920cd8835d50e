/*
 * test_ddl_path.c - finding DDL files on a list of directories
 * (ddl/path.h): DIR/AGENT.json and DIR/AGENT/AGENT.json, the first
 * directory wins, names checked, the list sorted and unique.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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

int main(void) {
    Suite *s = suite_create("ddl_path");
    TCase *tc = tcase_create("path");
    tcase_add_test(tc, finds_files);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
