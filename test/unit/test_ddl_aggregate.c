/*
 * test_ddl_aggregate.c - aggregates over replies (ddl/aggregate.h):
 * summary, average and sum with their formats, and the formats the loader
 * accepts (ddl/format.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "ddl/aggregate.h"
#include "ddl/ddl.h"
#include "ddl/format.h"
#include "ddl_fixture.h"
#include "runner.h"

START_TEST(aggregates) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *datas = json_loads("[{\"size\": 10, \"state\": \"up\"},"
                               " {\"size\": 20.5, \"state\": \"up\"},"
                               " {\"size\": \"x\", \"state\": \"down\"},"
                               " {\"state\": 3}, {\"state\": 0.081}, {}]",
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
    /* a real summarised as people write it, not 0.081000000000000003 */
    ck_assert_str_eq(counts, "{\"0.081\":1,\"3\":1,\"down\":1,\"up\":2}");
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

static const char *text_of(const json_t *r, size_t i) {
    return json_string_value(json_object_get(json_array_get(r, i), "text"));
}

static void value_is(const json_t *r, size_t i, const char *want) {
    char *got = json_dumps(json_object_get(json_array_get(r, i), "value"),
                           JSON_COMPACT | JSON_ENCODE_ANY);
    ck_assert_str_eq(got, want);
    free(got);
}

/* The choria-plugins aggregates as their Ruby code computes them, and
 * go-choria's summary format of (value, count). */
START_TEST(plugin_aggregates) {
    struct mst_ddl *ddl = load("choria-forms");
    const struct mst_ddl_action *act = mst_ddl_action(ddl, "check");
    json_t *datas = json_loads(
        "[{\"tests\": 3, \"enabled\": true, \"exitcode\": 0,"
        "  \"pslist\": [{\"rss\": 1024, \"vsize\": 2048}], \"rtt\": 1.5},"
        " {\"tests\": 3, \"enabled\": true, \"exitcode\": 2, \"pslist\": [],"
        "  \"rtt\": 3},"
        " {\"tests\": 5, \"enabled\": false, \"rtt\": \"0.5\","
        "  \"pslist\": [{\"rss\": 1, \"vsize\": 1}, {\"rss\": 1, \"vsize\": "
        "1}]},"
        " {\"enabled\": [true], \"exitcode\": 7}]",
        0, NULL);
    json_t *r = mst_ddl_aggregate_compute(act, datas);
    ck_assert_uint_eq(json_array_size(r), 6);
    value_is(r, 0, "{\"3\":2,\"5\":1}");
    char *lines = json_dumps(json_object_get(json_array_get(r, 0), "lines"),
                             JSON_COMPACT);
    ck_assert_str_eq(lines,
                     "[\"3 Tests on 2 node(s)\",\"5 Tests on 1 node(s)\"]");
    free(lines);
    value_is(r, 1, "{\"on\":3,\"off\":1}");
    value_is(r, 2, "{\"OK\":1,\"WARNING\":0,\"CRITICAL\":1,\"UNKNOWN\":2}");
    ck_assert_str_eq(text_of(r, 3), "        Matched hosts: 2\n"
                                    "    Matched Processes: 3\n"
                                    "        Resident Size: 1.002 MB\n"
                                    "         Virtual Size: 2.002 KB");
    ck_assert_str_eq(text_of(r, 4),
                     "Min: 0.500ms  Max: 3.000ms  Average: 1.667ms");
    const char *chart = text_of(r, 5);
    size_t rows = 1;
    for (const char *p = chart; *p; p++)
        rows += *p == '\n';
    ck_assert_uint_eq(rows, 16); /* asciigraph: Height(15) */
    /* stretched to 60 columns, the peak at 29.5 is drawn between two */
    ck_assert_ptr_nonnull(strstr(chart, " 2.97   ┤"));
    ck_assert_ptr_nonnull(strstr(chart, " 1.49   ┼─╯"));
    ck_assert_ptr_nonnull(strstr(chart, " 0.50   ┤"));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_array_get(r, 5), "count")), 3);
    json_decref(r);
    json_decref(datas);
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
        ck_assert_msg(mst_ddl_format_ok(MST_DDL_AVERAGE, ok[i]), "%s", ok[i]);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        ck_assert_msg(!mst_ddl_format_ok(MST_DDL_AVERAGE, refused[i]), "%s",
                      refused[i]);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddl_aggregate");
    TCase *tc = tcase_create("aggregate");
    tcase_add_test(tc, aggregates);
    tcase_add_test(tc, plugin_aggregates);
    tcase_add_test(tc, formats_hold_one_conversion);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
