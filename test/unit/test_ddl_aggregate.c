/*
 * test_ddl_aggregate.c - aggregates over replies (ddl/aggregate.h):
 * summary, average and sum with their formats, and the formats the loader
 * accepts.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "ddl/aggregate.h"
#include "ddl/ddl.h"
#include "ddl_fixture.h"
#include "runner.h"

START_TEST(aggregates) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *datas = json_loads("[{\"size\": 10, \"state\": \"up\"},"
                               " {\"size\": 20.5, \"state\": \"up\"},"
                               " {\"size\": \"x\", \"state\": \"down\"},"
                               " {\"state\": 3}, {}]",
                               0, NULL);
    json_t *r = mst_ddl_aggregate_compute(act, datas);
    ck_assert_uint_eq(json_array_size(r), 3);
    json_t *sum0 = json_array_get(r, 0);
    ck_assert_str_eq(json_string_value(json_object_get(sum0, "function")),
                     "summary");
    ck_assert_str_eq(json_string_value(json_object_get(sum0, "display_as")),
                     "State");
    char *counts = json_dumps(json_object_get(sum0, "value"),
                              JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(counts, "{\"3\":1,\"down\":1,\"up\":2}");
    free(counts);
    json_t *avg = json_array_get(r, 1);
    ck_assert_double_eq_tol(json_real_value(json_object_get(avg, "value")),
                            15.25, 1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(avg, "count")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(avg, "text")),
                     "15.2 bytes");
    json_t *sum = json_array_get(r, 2);
    ck_assert_double_eq_tol(json_real_value(json_object_get(sum, "value")),
                            30.5, 1e-9);
    ck_assert_str_eq(json_string_value(json_object_get(sum, "text")),
                     "31 in all");
    json_decref(r);
    json_decref(datas);

    json_t *empty = json_array();
    r = mst_ddl_aggregate_compute(act, empty);
    ck_assert(json_is_null(json_object_get(json_array_get(r, 1), "value")));
    json_decref(r);
    r = mst_ddl_aggregate_compute(mst_ddl_action(ddl, "none"), empty);
    ck_assert_uint_eq(json_array_size(r), 0);
    json_decref(r);
    json_decref(empty);
    mst_ddl_free(&ddl);
}
END_TEST

START_TEST(formats_hold_one_conversion) {
    static const char *const ok[] = {"%d", "%.1f bytes",    "%5.2g%%",
                                     "%s", "about %+08.3e", "%i in all"};
    static const char *const refused[] = {
        "",
        "no conversion",
        "%d and %d",
        "%n",
        "%ld",
        "%x",
        "%*d",
        "%",
        "%.f%",
        "%-#q",
        "%d                                                              "};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_msg(mst_ddl_aggregate_format_ok(MST_DDL_AVERAGE, ok[i]), "%s",
                      ok[i]);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        ck_assert_msg(!mst_ddl_aggregate_format_ok(MST_DDL_AVERAGE, refused[i]),
                      "%s", refused[i]);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddl_aggregate");
    TCase *tc = tcase_create("aggregate");
    tcase_add_test(tc, aggregates);
    tcase_add_test(tc, formats_hold_one_conversion);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
