/*
 * test_backoff.c - the reconnect delay (mst_connector_backoff_ms): doubling
 * from 1 s, +-20 % jitter, and never above the configured cap.
 */
#include <check.h>
#include <stdint.h>

#include "connector.h"
#include "runner.h"

/* The extremes of the jitter: a draw of 0 and draws near UINT64_MAX. */
static const uint64_t draws[] = {
    0, 1, 12345, UINT64_MAX / 3, UINT64_MAX - 1, UINT64_MAX};

START_TEST(doubles_from_one_second) {
    /* Pass 3 of a 30 s cap: 4 s +- 800 ms. */
    for (size_t i = 0; i < sizeof draws / sizeof draws[0]; i++) {
        int64_t d = mst_connector_backoff_ms(3, 30000, draws[i]);
        ck_assert_int_ge(d, 3200);
        ck_assert_int_le(d, 4800);
    }
    ck_assert_int_eq(mst_connector_backoff_ms(1, 30000, 0), 800);
}
END_TEST

START_TEST(never_above_the_cap) {
    static const int64_t caps[] = {1000, 1500, 30000, 3600 * 1000};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
        for (unsigned pass = 1; pass < 200; pass++)
            for (size_t i = 0; i < sizeof draws / sizeof draws[0]; i++) {
                int64_t d = mst_connector_backoff_ms(pass, caps[c], draws[i]);
                ck_assert_int_le(d, caps[c]);
                ck_assert_int_ge(d, 1);
            }
}
END_TEST

START_TEST(jitters_below_the_cap_after_a_long_outage) {
    /* At the cap the delays still spread (80 % to 100 %), so a fleet does
     * not reconnect in step. */
    int64_t lowest = INT64_MAX, highest = 0;
    for (uint64_t r = 0; r <= 6000; r++) {
        int64_t d = mst_connector_backoff_ms(50, 30000, r);
        lowest = d < lowest ? d : lowest;
        highest = d > highest ? d : highest;
    }
    ck_assert_int_eq(lowest, 24000);
    ck_assert_int_eq(highest, 30000);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backoff");
    TCase *tc = tcase_create("backoff");
    tcase_add_test(tc, doubles_from_one_second);
    tcase_add_test(tc, never_above_the_cap);
    tcase_add_test(tc, jitters_below_the_cap_after_a_long_outage);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
