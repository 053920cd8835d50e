/*
 * test_ddlcheck.c - the doctor's DDL check: the standard agents' DDLs all
 * load; a directory of broken ones gives one error per agent naming the
 * file; a missing directory and an empty path are warnings.
 */
#include <check.h>

#include "ddl/ddlcheck.h"
#include "findings.h"
#include "runner.h"

static struct mst_strv lines;
static struct mst_findings fs;

static void setup(void) {
    lines = (struct mst_strv){0};
    fs = (struct mst_findings){.fn = findings_record, .ud = &lines};
}

static void teardown(void) {
    mst_strv_free(&lines);
}

static void run(const char *dir) {
    char *v[] = {(char *)dir};
    struct mst_strv dirs = {v, 1};
    mst_ddlcheck_dirs(&dirs, "ddl_path", &fs);
}

START_TEST(standard_agents_load) {
    run(MST_TEST_DATA "/../../agents");
    ck_assert_uint_eq(fs.errors, 0);
    ck_assert_finding(&lines, "ok: ddl: ", " agent DDLs in ddl_path load");
}
END_TEST

START_TEST(broken_ones_are_named) {
    run(MST_TEST_DATA "/ddl");
    ck_assert_uint_gt(fs.errors, 10);
    ck_assert_finding(&lines,
                      "error: ddl: agent bad-syntax: ", "bad-syntax.json",
                      "; fix: fix the file");
    ck_assert_finding(&lines, "error: ddl: agent bad-type: ", "bad-type.json");
}
END_TEST

START_TEST(missing_directory_warns) {
    run("/nonexistent/muster-ddl");
    ck_assert_uint_eq(fs.errors, 0);
    ck_assert_finding(&lines, "warning: ddl: ddl_path entry "
                              "/nonexistent/muster-ddl is not a directory");
    ck_assert_finding(&lines, "warning: ddl: no agent DDL in ddl_path");
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddlcheck");
    TCase *tc = mst_test_case(s, "ddlcheck", setup, teardown, 30);
    tcase_add_test(tc, standard_agents_load);
    tcase_add_test(tc, broken_ones_are_named);
    tcase_add_test(tc, missing_directory_warns);
    return mst_test_run(s);
}
