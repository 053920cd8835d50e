/*
 * test_ratelimit.c - musterd's per-caller token buckets, with time passed
 * in: the burst, the refill, callers apart, the bound on callers.
 */
#include <check.h>
#include <stdio.h>

#include "base/status.h"
#include "ratelimit.h"
#include "runner.h"

/* Requests `caller` may send at `now_ms` before one is refused (bounded). */
static int passes(struct musterd_ratelimit *rl, const char *caller,
                  int64_t now_ms) {
    int n = 0;
    while (n < 100000 && musterd_ratelimit_take(rl, caller, now_ms))
        n++;
    return n;
}

static struct musterd_ratelimit *limiter(int rate, size_t callers) {
    struct musterd_ratelimit *rl = NULL;
    struct mst_err err = {0};
    ck_assert_msg(musterd_ratelimit_new(rate, callers, &rl, &err) == MST_OK,
                  "%s", err.msg);
    return rl;
}

START_TEST(burst_is_twice_the_rate) {
    struct musterd_ratelimit *rl = limiter(10, 16);
    ck_assert_int_eq(musterd_ratelimit_rate(rl), 10);
    ck_assert_int_eq(passes(rl, "cert=alice", 1000), 20);
    ck_assert_int_eq(musterd_ratelimit_take(rl, "cert=alice", 1000), 0);
    musterd_ratelimit_free(&rl);
    ck_assert_ptr_null(rl);
}
END_TEST

START_TEST(tokens_come_back_at_the_rate) {
    struct musterd_ratelimit *rl = limiter(10, 16);
    ck_assert_int_eq(passes(rl, "cert=alice", 0), 20);
    /* 10/s: one token per 100 ms, nothing for less */
    ck_assert_int_eq(passes(rl, "cert=alice", 99), 0);
    ck_assert_int_eq(passes(rl, "cert=alice", 100), 1);
    ck_assert_int_eq(passes(rl, "cert=alice", 600), 5);
    /* a long pause fills the bucket, never past the burst */
    ck_assert_int_eq(passes(rl, "cert=alice", 3600 * 1000), 20);
    /* a clock that goes back gives nothing */
    ck_assert_int_eq(passes(rl, "cert=alice", 0), 0);
    musterd_ratelimit_free(&rl);
}
END_TEST

START_TEST(sustained_rate_is_the_rate) {
    struct musterd_ratelimit *rl = limiter(200, 16);
    int n = passes(rl, "cert=alice", 0);
    for (int64_t t = 1; t <= 10000; t++) /* 10 s, a try each ms */
        n += passes(rl, "cert=alice", t);
    ck_assert_int_eq(n, 400 + 200 * 10);
    musterd_ratelimit_free(&rl);
}
END_TEST

START_TEST(callers_are_apart) {
    struct musterd_ratelimit *rl = limiter(5, 16);
    ck_assert_int_eq(passes(rl, "cert=alice", 0), 10);
    ck_assert_int_eq(passes(rl, "cert=bob", 0), 10);
    ck_assert_int_eq(passes(rl, "cert=alice", 0), 0);
    ck_assert_uint_eq(musterd_ratelimit_callers(rl), 2);
    musterd_ratelimit_free(&rl);
}
END_TEST

START_TEST(table_keeps_the_recently_seen) {
    enum { CAP = 8 };
    struct musterd_ratelimit *rl = limiter(1, CAP);
    char name[32];
    ck_assert_int_eq(passes(rl, "cert=alice", 0), 2);
    for (int i = 0; i < 3 * CAP; i++) {
        snprintf(name, sizeof name, "cert=c%d", i);
        ck_assert_int_eq(musterd_ratelimit_take(rl, name, 0), 1);
        /* alice stays the most recently seen (and stays empty) */
        ck_assert_int_eq(musterd_ratelimit_take(rl, "cert=alice", 0), 0);
        ck_assert_uint_le(musterd_ratelimit_callers(rl), CAP);
    }
    ck_assert_uint_eq(musterd_ratelimit_callers(rl), CAP);
    /* c0 was evicted long ago: a fresh bucket; the last one kept its own */
    ck_assert_int_eq(passes(rl, "cert=c0", 0), 2);
    snprintf(name, sizeof name, "cert=c%d", 3 * CAP - 1);
    ck_assert_int_eq(passes(rl, name, 0), 1);
    musterd_ratelimit_free(&rl);
}
END_TEST

START_TEST(zero_is_no_limit) {
    struct musterd_ratelimit *rl = limiter(0, 1);
    ck_assert_int_eq(passes(rl, "cert=alice", 0), 100000);
    ck_assert_uint_eq(musterd_ratelimit_callers(rl), 0);
    musterd_ratelimit_free(&rl);
}
END_TEST

START_TEST(bad_arguments) {
    struct musterd_ratelimit *rl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(musterd_ratelimit_new(-1, 16, &rl, &err), MST_EINVAL);
    ck_assert_int_eq(musterd_ratelimit_new(10, 0, &rl, &err), MST_EINVAL);
    ck_assert_ptr_null(rl);
    musterd_ratelimit_free(&rl);
    musterd_ratelimit_free(NULL);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, burst_is_twice_the_rate);
    tcase_add_test(tc, tokens_come_back_at_the_rate);
    tcase_add_test(tc, sustained_rate_is_the_rate);
    tcase_add_test(tc, callers_are_apart);
    tcase_add_test(tc, table_keeps_the_recently_seen);
    tcase_add_test(tc, zero_is_no_limit);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
