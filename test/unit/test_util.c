/*
 * test_util.c - small helpers of base/util.h that several parts share:
 * suffixes, rounding milliseconds and sleeping through signals.
 */
#include <check.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "base/status.h"
#include "base/util.h"
#include "runner.h"

START_TEST(suffixes) {
    ck_assert(mst_has_suffix("ping.so", ".so"));
    ck_assert(mst_has_suffix("facts.json", ".json"));
    ck_assert(!mst_has_suffix(".so", ".so")); /* nothing before it */
    ck_assert(!mst_has_suffix("so", ".so"));
    ck_assert(!mst_has_suffix("ping.SO", ".so")); /* case matters */
    ck_assert(!mst_has_suffix("ping.so.1", ".so"));
    ck_assert(!mst_has_suffix("", ".so"));
    ck_assert(mst_has_suffix("x", ""));
}
END_TEST

/* Halves up, as llround(), also where adding 0.5 first would round. */
START_TEST(rounds_milliseconds) {
    ck_assert_int_eq(mst_round_ms(0.0), 0);
    ck_assert_int_eq(mst_round_ms(0x1.fffffffffffffp-2), 0); /* 0.5 - ulp */
    ck_assert_int_eq(mst_round_ms(0.5), 1);
    ck_assert_int_eq(mst_round_ms(1.4999999999999998), 1);
    ck_assert_int_eq(mst_round_ms(2.5), 3);
    ck_assert_int_eq(mst_round_ms(1499.9999999999998), 1500);
    ck_assert_int_eq(mst_round_ms(4503599627370497.0), 4503599627370497LL);
    int64_t ms = 0;
    ck_assert_int_eq(mst_parse_seconds("1.5", 10000, &ms), MST_OK);
    ck_assert_int_eq(ms, 1500);
    ck_assert_int_eq(mst_parse_seconds("0.0004", 10000, &ms), MST_OK);
    ck_assert_int_eq(ms, 0);
    ck_assert_int_eq(mst_parse_seconds("86400", 86400000, &ms), MST_OK);
    ck_assert_int_eq(ms, 86400000);
}
END_TEST

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

/*
 * A signal in the middle does not cut the sleep short.  The bound checked
 * is a lower one, which nanosleep(2) guarantees whatever the load: this
 * cannot fail on a slow machine, only on a sleep that returned early.
 */
START_TEST(sleep_resumes_after_a_signal) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 20000}};
    ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
    int64_t start = mst_now_ms();
    mst_sleep_ms(200);
    ck_assert_int_ge(mst_now_ms() - start, 200);
    ck_assert_int_eq(alarms, 1);
    mst_sleep_ms(0);
    mst_sleep_ms(-5);
}
END_TEST

int main(void) {
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("util");
    tcase_add_test(tc, suffixes);
    tcase_add_test(tc, rounds_milliseconds);
    tcase_add_test(tc, sleep_resumes_after_a_signal);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
