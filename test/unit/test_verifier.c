/*
 * test_verifier.c - the client's parallel reply verifier (verifier.h) with
 * a verify function of the test's own: later messages verify faster than
 * earlier ones, so workers finish out of order, and the results must still
 * come back in the order the messages were submitted.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "runner.h"
#include "verifier.h"

#define N 24

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int finished[N]; /* message numbers, in the order verified */
static size_t n_finished;
static pthread_t caller;
static int on_caller; /* verifications that ran on the calling thread */

/* Body "7" verifies in (N - 7) ms and names sender "n7"; "bad" fails. */
static int fake_verify(void *ud, struct mst_bytes body, struct mst_reply *rep,
                       char signer[MST_SIGNER_LEN], char why[MST_ERR_LEN]) {
    (void)ud;
    char text[16] = "";
    memcpy(text, body.ptr, body.len < 15 ? body.len : 15);
    if (strcmp(text, "bad") == 0) {
        snprintf(why, MST_ERR_LEN, "bad signature");
        return MST_ESECURITY;
    }
    int i = atoi(text);
    usleep((useconds_t)(N - i) * 1000);
    char name[16];
    snprintf(name, sizeof name, "n%d", i);
    rep->sender = strdup(name);
    snprintf(signer, MST_SIGNER_LEN, "%s", name);
    pthread_mutex_lock(&lock);
    finished[n_finished++] = i;
    on_caller += pthread_equal(pthread_self(), caller);
    pthread_mutex_unlock(&lock);
    return MST_OK;
}

static void setup(void) {
    n_finished = 0;
    on_caller = 0;
    caller = pthread_self();
}

static void submit_text(struct mst_verifier *v, const char *text) {
    struct mst_message m = {.kind = MST_MESSAGE_DELIVERY,
                            .body = MST_BYTES(text, strlen(text))};
    ck_assert_int_eq(mst_verifier_submit(v, &m, 0), MST_OK);
}

static struct mst_verifier *make(unsigned threads, size_t depth) {
    struct mst_verifier *v = NULL;
    struct mst_err err = {0};
    ck_assert_msg(
        mst_verifier_new(threads, depth, fake_verify, NULL, &v, &err) == MST_OK,
        "%s", err.msg);
    return v;
}

START_TEST(results_come_in_submission_order) {
    struct mst_verifier *v = make(4, N);
    char text[16];
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof text, "%d", i);
        submit_text(v, text);
    }
    ck_assert_uint_eq(mst_verifier_room(v), 0);
    for (int i = 0; i < N; i++) {
        const struct mst_verified *r = mst_verifier_head(v, -1);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->rc, MST_OK);
        snprintf(text, sizeof text, "n%d", i);
        ck_assert_str_eq(r->rep.sender, text);
        ck_assert_str_eq(r->signer, text);
        mst_verifier_pop(v);
    }
    ck_assert_ptr_null(mst_verifier_head(v, 0));
    /* the workers did finish out of order: the test tested something */
    int out_of_order = 0;
    for (size_t i = 1; i < n_finished; i++)
        out_of_order += finished[i] < finished[i - 1];
    ck_assert_int_gt(out_of_order, 0);
    ck_assert_int_eq(on_caller, 0);
    mst_verifier_free(&v);
    ck_assert_ptr_null(v);
}
END_TEST

/* Returned and oversized messages are not verified but keep their place;
 * a refused one carries its reason. */
START_TEST(every_kind_keeps_its_place) {
    struct mst_verifier *v = make(2, 8);
    submit_text(v, "20");
    struct mst_message ret = {.kind = MST_MESSAGE_RETURNED,
                              .routing_key = MST_BYTES("n9", 2)};
    ck_assert_int_eq(mst_verifier_submit(v, &ret, 5), MST_OK);
    struct mst_message big = {.kind = MST_MESSAGE_DELIVERY, .oversized = 1};
    ck_assert_int_eq(mst_verifier_submit(v, &big, 6), MST_OK);
    submit_text(v, "bad");
    submit_text(v, "23");
    const struct mst_verified *r = mst_verifier_head(v, -1);
    ck_assert_str_eq(r->rep.sender, "n20");
    mst_verifier_pop(v);
    r = mst_verifier_head(v, -1);
    ck_assert_int_eq(r->kind, MST_MESSAGE_RETURNED);
    ck_assert_str_eq(r->routing_key, "n9");
    ck_assert_uint_eq(r->routing_key_len, 2);
    ck_assert_int_eq(r->recv_us, 5);
    mst_verifier_pop(v);
    r = mst_verifier_head(v, -1);
    ck_assert_int_eq(r->oversized, 1);
    mst_verifier_pop(v);
    r = mst_verifier_head(v, -1);
    ck_assert_int_eq(r->rc, MST_ESECURITY);
    ck_assert_str_eq(r->why, "bad signature");
    mst_verifier_pop(v);
    r = mst_verifier_head(v, -1);
    ck_assert_str_eq(r->rep.sender, "n23");
    mst_verifier_pop(v);
    ck_assert_uint_eq(n_finished, 2); /* only the two good deliveries */
    mst_verifier_free(&v);
}
END_TEST

/* No workers: verified on the calling thread at submission. */
START_TEST(zero_threads_verify_inline) {
    struct mst_verifier *v = make(0, 4);
    submit_text(v, "22");
    ck_assert_uint_eq(n_finished, 1);
    ck_assert_int_eq(on_caller, 1);
    const struct mst_verified *r = mst_verifier_head(v, 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->rep.sender, "n22");
    mst_verifier_pop(v);
    mst_verifier_free(&v);
}
END_TEST

/* The ring is bounded; discarding waits for what is in flight. */
START_TEST(room_is_bounded_and_discard_empties) {
    struct mst_verifier *v = make(2, 3);
    submit_text(v, "1");
    submit_text(v, "2");
    submit_text(v, "3");
    ck_assert_uint_eq(mst_verifier_room(v), 0);
    ck_assert_uint_eq(mst_verifier_pending(v), 3);
    struct mst_message m = {.kind = MST_MESSAGE_DELIVERY,
                            .body = MST_BYTES("4", 1)};
    ck_assert_int_eq(mst_verifier_submit(v, &m, 0), MST_EINVAL);
    mst_verifier_discard(v);
    ck_assert_uint_eq(mst_verifier_pending(v), 0);
    ck_assert_uint_eq(mst_verifier_room(v), 3);
    ck_assert_uint_eq(n_finished, 3);
    /* and it is usable again */
    submit_text(v, "5");
    ck_assert_str_eq(mst_verifier_head(v, -1)->rep.sender, "n5");
    mst_verifier_pop(v);
    mst_verifier_free(&v);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("verifier");
    TCase *tc = mst_test_case(s, "verifier", setup, NULL, 30);
    tcase_add_test(tc, results_come_in_submission_order);
    tcase_add_test(tc, every_kind_keeps_its_place);
    tcase_add_test(tc, zero_threads_verify_inline);
    tcase_add_test(tc, room_is_bounded_and_discard_empties);
    return s;
}

int main(void) {
    return mst_test_run(suite());
}
