/*
 * test_replay.c - the replay cache: refuse a seen id inside its window,
 * forget it after, refuse (never evict) when full, survive churn.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "runner.h"
#include "security/replay.h"

static void id_of(unsigned n, char id[MST_ID_LEN]) {
    snprintf(id, MST_ID_LEN, "%032x", n);
}

START_TEST(seen_twice) {
    struct mst_replay *r = NULL;
    struct mst_err err = {0};
    char id[MST_ID_LEN];
    ck_assert_int_eq(mst_replay_new(16, &r, &err), MST_OK);
    id_of(1, id);
    ck_assert_int_eq(mst_replay_check(r, id, 2000, 1000, &err), MST_OK);
    ck_assert_int_eq(mst_replay_check(r, id, 2000, 1500, &err), MST_EREPLAY);
    ck_assert_ptr_nonnull(strstr(err.msg, "seen before"));
    /* the window is over: forgotten, and accepted again (the time check
     * refuses such a request before it gets here) */
    ck_assert_int_eq(mst_replay_check(r, id, 3000, 2000, &err), MST_OK);
    ck_assert_uint_eq(mst_replay_count(r), 1);
    mst_replay_free(&r);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(full_refuses) {
    struct mst_replay *r = NULL;
    struct mst_err err = {0};
    char id[MST_ID_LEN];
    ck_assert_int_eq(mst_replay_new(16, &r, NULL), MST_OK);
    for (unsigned i = 0; i < 16; i++) {
        id_of(i, id);
        ck_assert_int_eq(mst_replay_check(r, id, 5000 + i, 0, NULL), MST_OK);
    }
    id_of(100, id);
    ck_assert_int_eq(mst_replay_check(r, id, 9000, 10, &err), MST_EFULL);
    ck_assert_ptr_nonnull(strstr(err.msg, "full"));
    /* every id is still remembered: nothing was evicted */
    for (unsigned i = 0; i < 16; i++) {
        id_of(i, id);
        ck_assert_int_eq(mst_replay_check(r, id, 9000, 10, NULL), MST_EREPLAY);
    }
    /* once the earliest windows end, room comes back */
    id_of(100, id);
    ck_assert_int_eq(mst_replay_check(r, id, 9000, 5001, NULL), MST_OK);
    ck_assert_uint_eq(mst_replay_count(r), 15);
    mst_replay_free(&r);
}
END_TEST

/* Each id leaves at the end of its OWN window, not in arrival order: short
 * ttls that came after long ones make room at once. */
START_TEST(short_windows_leave_first) {
    struct mst_replay *r = NULL;
    char id[MST_ID_LEN];
    ck_assert_int_eq(mst_replay_new(16, &r, NULL), MST_OK);
    for (unsigned i = 0; i < 16; i++) {
        id_of(i, id);
        int64_t expires = i < 8 ? 3600 * 1000 : 10 * 1000; /* long, short */
        ck_assert_int_eq(mst_replay_check(r, id, expires, 0, NULL), MST_OK);
    }
    id_of(100, id);
    ck_assert_int_eq(mst_replay_check(r, id, 20000, 9999, NULL), MST_EFULL);
    /* the short windows are over: eight new ids fit in the full table */
    for (unsigned i = 100; i < 108; i++) {
        id_of(i, id);
        ck_assert_int_eq(mst_replay_check(r, id, 20000, 10000, NULL), MST_OK);
    }
    ck_assert_uint_eq(mst_replay_count(r), 16);
    /* and the long ones, older than all of them, are still refused */
    for (unsigned i = 0; i < 8; i++) {
        id_of(i, id);
        ck_assert_int_eq(mst_replay_check(r, id, 20000, 10000, NULL),
                         MST_EREPLAY);
    }
    mst_replay_free(&r);
}
END_TEST

START_TEST(bad_arguments) {
    struct mst_replay *r = NULL;
    ck_assert_int_eq(mst_replay_new(15, &r, NULL), MST_EINVAL);
    ck_assert_int_eq(mst_replay_new(MST_REPLAY_MAX + 1, &r, NULL), MST_EINVAL);
    ck_assert_int_eq(mst_replay_new(16, &r, NULL), MST_OK);
    ck_assert_int_eq(mst_replay_check(r, "abc", 10, 0, NULL), MST_EINVAL);
    char id[MST_ID_LEN];
    id_of(1, id);
    ck_assert_int_eq(mst_replay_check(r, id, 10, 10, NULL), MST_EINVAL);
    mst_replay_free(&r);
    mst_replay_free(&r);
    mst_replay_free(NULL);
}
END_TEST

/* Many ids with mixed windows: the table agrees with a brute-force model. */
START_TEST(churn_matches_model) {
    enum { CAP = 256, N = 4000 };
    struct mst_replay *r = NULL;
    ck_assert_int_eq(mst_replay_new(CAP, &r, NULL), MST_OK);
    static int64_t expires[N];
    srand(7);
    char id[MST_ID_LEN];
    for (unsigned t = 0; t < N; t++) {
        int64_t now = t;
        unsigned pick = (unsigned)rand() % (t + 1); /* often an old id */
        id_of(pick, id);
        size_t live = 0;
        for (unsigned j = 0; j < N; j++)
            live += expires[j] > now;
        int want = expires[pick] > now ? MST_EREPLAY
                   : live >= CAP       ? MST_EFULL
                                       : MST_OK;
        int64_t until = now + 1 + rand() % 300;
        ck_assert_int_eq(mst_replay_check(r, id, until, now, NULL), want);
        if (want == MST_OK)
            expires[pick] = until;
        if (t % 512 == 0)
            ck_assert_uint_le(mst_replay_count(r), CAP);
    }
    mst_replay_free(&r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, seen_twice);
    tcase_add_test(tc, full_refuses);
    tcase_add_test(tc, short_windows_leave_first);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, churn_matches_model);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
