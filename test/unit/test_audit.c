#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "policy/audit.h"
#include "runner.h"

static char dir[] = "/tmp/test_audit.XXXXXX";
static char path[256];

static void setup(void) {
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/audit.log", dir);
}

static void teardown(void) {
    char moved[300];
    snprintf(moved, sizeof moved, "%s.1", path);
    unlink(path);
    unlink(moved);
    rmdir(dir);
}

static struct mst_audit_record record(const char *id) {
    return (struct mst_audit_record){.time_ms = 1700000000123LL,
                                     .id = id,
                                     .caller = "cert=alice",
                                     .sender = "admin1",
                                     .collective = "muster",
                                     .agent = "service",
                                     .action = "restart",
                                     .decision = "accepted",
                                     .status = 0,
                                     .duration_ms = 12};
}

/* Every line of `file` parsed as JSON, in an array. */
static json_t *read_lines(const char *file) {
    FILE *f = fopen(file, "r");
    ck_assert_ptr_nonnull(f);
    json_t *lines = json_array();
    char buf[4096];
    while (fgets(buf, sizeof buf, f) != NULL) {
        json_error_t e;
        json_t *v = json_loads(buf, 0, &e);
        ck_assert_msg(v != NULL, "not JSON: %s (%s)", buf, e.text);
        json_array_append_new(lines, v);
    }
    fclose(f);
    return lines;
}

START_TEST(one_json_line_per_record) {
    struct mst_audit *a = NULL;
    ck_assert_int_eq(mst_audit_open(path, &a, NULL), MST_OK);
    ck_assert_int_eq(mst_audit_healthy(a), 1);
    struct mst_audit_record r = record("0123456789abcdef0123456789abcdef");
    json_t *data =
        json_pack("{s:s, s:s}", "service", "nginx", "password", "***");
    r.data = data;
    ck_assert_int_eq(mst_audit_write(a, &r, NULL), MST_OK);
    struct mst_audit_record refused = {.time_ms = 1,
                                       .decision = "refused",
                                       .reason = "malformed message",
                                       .status = -1};
    ck_assert_int_eq(mst_audit_write(a, &refused, NULL), MST_OK);
    mst_audit_free(&a);
    json_decref(data);
    json_t *lines = read_lines(path);
    ck_assert_int_eq(json_array_size(lines), 2);
    json_t *l0 = json_array_get(lines, 0);
    ck_assert_str_eq(json_string_value(json_object_get(l0, "time")),
                     "2023-11-14T22:13:20.123Z");
    ck_assert_str_eq(json_string_value(json_object_get(l0, "caller")),
                     "cert=alice");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(l0, "data"), "password")),
                     "***");
    ck_assert_int_eq(json_integer_value(json_object_get(l0, "status")), 0);
    json_t *l1 = json_array_get(lines, 1);
    ck_assert(json_is_null(json_object_get(l1, "id")));
    ck_assert(json_is_null(json_object_get(l1, "status")));
    ck_assert_str_eq(json_string_value(json_object_get(l1, "reason")),
                     "malformed message");
    json_decref(lines);
}
END_TEST

/* Reals in a line as people write them: 0.081, not 0.081000000000000003. */
START_TEST(reals_are_written_short) {
    struct mst_audit *a = NULL;
    ck_assert_int_eq(mst_audit_open(path, &a, NULL), MST_OK);
    struct mst_audit_record r = record("0123456789abcdef0123456789abcdef");
    json_t *data = json_pack("{s:f}", "ratio", 0.081);
    r.data = data;
    ck_assert_int_eq(mst_audit_write(a, &r, NULL), MST_OK);
    mst_audit_free(&a);
    json_decref(data);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_msg(strstr(line, "\"data\":{\"ratio\":0.081}") != NULL, "%s",
                  line);
}
END_TEST

START_TEST(rename_and_reopen_loses_nothing) {
    struct mst_audit *a = NULL;
    mst_audit_open(path, &a, NULL);
    struct mst_audit_record r = record("00000000000000000000000000000001");
    ck_assert_int_eq(mst_audit_write(a, &r, NULL), MST_OK);
    char moved[300];
    snprintf(moved, sizeof moved, "%s.1", path);
    ck_assert_int_eq(rename(path, moved), 0);
    /* written after the rename, before the reopen: lands in the old file */
    ck_assert_int_eq(mst_audit_write(a, &r, NULL), MST_OK);
    ck_assert_int_eq(mst_audit_reopen(a, NULL), MST_OK);
    ck_assert_int_eq(mst_audit_write(a, &r, NULL), MST_OK);
    mst_audit_free(&a);
    json_t *old = read_lines(moved), *cur = read_lines(path);
    ck_assert_int_eq(json_array_size(old) + json_array_size(cur), 3);
    ck_assert_int_eq(json_array_size(cur), 1);
    json_decref(old);
    json_decref(cur);
}
END_TEST

START_TEST(unwritable_file_is_reported_and_counted) {
    struct mst_audit *a = NULL;
    struct mst_err err = {0};
    char bad[300];
    snprintf(bad, sizeof bad, "%s/missing-dir/audit.log", dir);
    ck_assert_int_eq(mst_audit_open(bad, &a, &err), MST_OK);
    ck_assert_int_eq(mst_audit_healthy(a), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "missing-dir/audit.log"));
    struct mst_audit_record r = record(NULL);
    ck_assert_int_eq(mst_audit_write(a, &r, &err), MST_EIO);
    ck_assert_uint_eq(mst_audit_failures(a), 1);
    mst_audit_free(&a);
}
END_TEST

START_TEST(full_disk_is_an_error) {
    struct mst_audit *a = NULL;
    struct mst_err err = {0};
    mst_audit_open("/dev/full", &a, &err);
    ck_assert_int_eq(mst_audit_healthy(a), 1);
    struct mst_audit_record r = record(NULL);
    ck_assert_int_eq(mst_audit_write(a, &r, &err), MST_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "No space left"));
    ck_assert_int_eq(mst_audit_healthy(a), 0);
    mst_audit_free(&a);
}
END_TEST

int main(void) {
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, one_json_line_per_record);
    tcase_add_test(tc, reals_are_written_short);
    tcase_add_test(tc, rename_and_reopen_loses_nothing);
    tcase_add_test(tc, unwritable_file_is_reported_and_counted);
    tcase_add_test(tc, full_disk_is_an_error);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
