/*
 * test_util.c - small helpers of base/util.h that several parts share:
 * suffixes and sleeping through signals.
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
    tcase_add_test(tc, sleep_resumes_after_a_signal);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
