/*
 * verifier.c - verify replies on worker threads, results in arrival order.
 *
 * A ring of `depth` slots between three counters that only grow: `head`
 * (the oldest slot not popped), `next` (the next slot a worker takes) and
 * `tail` (the next slot submitted).  Workers take slots in order but finish
 * in any order; the caller only ever reads the head, so order is kept
 * without sorting.  One mutex guards the counters and the `done` flags; a
 * slot's contents belong to whoever holds it (the caller before `tail`
 * moves past it and after `done`, one worker in between).
 */
#include "verifier.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "base/util.h"

#define THREADS_MAX 64

struct slot {
    struct mst_verified out;
    uint8_t *body; /* a copy of the message body */
    size_t len, cap;
    bool done;
};

struct mst_verifier {
    mst_verify_fn fn;
    void *ud;
    struct slot *slots;
    size_t depth;
    size_t head, next, tail;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a slot to verify, or stop */
    pthread_cond_t done; /* the head may be done */
    bool stop;
    unsigned threads;
    pthread_t tid[THREADS_MAX];
};

static void verify_body(struct mst_verifier *v, struct slot *s,
                        struct mst_bytes body) {
    struct mst_verified *o = &s->out;
    o->signer[0] = o->why[0] = '\0';
    o->rc = v->fn(v->ud, body, &o->rep, o->signer, o->why);
}

static void verify_slot(struct mst_verifier *v, struct slot *s) {
    verify_body(v, s, MST_BYTES(s->body, s->len));
}

static void *worker(void *arg) {
    struct mst_verifier *v = arg;
    pthread_mutex_lock(&v->lock);
    for (;;) {
        while (!v->stop && v->next == v->tail)
            pthread_cond_wait(&v->work, &v->lock);
        if (v->stop)
            break;
        size_t i = v->next++;
        struct slot *s = &v->slots[i % v->depth];
        if (!s->done) {
            pthread_mutex_unlock(&v->lock);
            verify_slot(v, s);
            pthread_mutex_lock(&v->lock);
            s->done = true;
        }
        if (i == v->head)
            pthread_cond_signal(&v->done);
    }
    pthread_mutex_unlock(&v->lock);
    return NULL;
}

static void stop_workers(struct mst_verifier *v) {
    pthread_mutex_lock(&v->lock);
    v->stop = true;
    pthread_cond_broadcast(&v->work);
    pthread_mutex_unlock(&v->lock);
    for (unsigned i = 0; i < v->threads; i++)
        pthread_join(v->tid[i], NULL);
    v->threads = 0;
}

void mst_verifier_free(struct mst_verifier **vp) {
    if (vp == NULL || *vp == NULL)
        return;
    struct mst_verifier *v = *vp;
    stop_workers(v);
    for (size_t i = 0; v->slots != NULL && i < v->depth; i++) {
        mst_reply_clear(&v->slots[i].out.rep);
        free(v->slots[i].body);
    }
    free(v->slots);
    pthread_cond_destroy(&v->done);
    pthread_cond_destroy(&v->work);
    pthread_mutex_destroy(&v->lock);
    free(v);
    *vp = NULL;
}

int mst_verifier_new(unsigned threads, size_t depth, mst_verify_fn fn, void *ud,
                     struct mst_verifier **v_r, struct mst_err *err) {
    if (depth == 0)
        return mst_err_set(err, MST_EINVAL, "verifier: depth must be >= 1");
    struct mst_verifier *v = calloc(1, sizeof *v);
    if (v == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    v->fn = fn;
    v->ud = ud;
    v->depth = depth;
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->work, NULL);
    pthread_cond_init(&v->done, NULL);
    v->slots = calloc(depth, sizeof *v->slots);
    if (v->slots == NULL) {
        mst_verifier_free(&v);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    for (; v->threads < threads; v->threads++) {
        int e = pthread_create(&v->tid[v->threads], NULL, worker, v);
        if (e != 0) {
            mst_verifier_free(&v);
            return mst_err_set(err, MST_EIO,
                               "cannot start a verifier thread: %s",
                               strerror(e));
        }
    }
    *v_r = v;
    return MST_OK;
}

size_t mst_verifier_pending(const struct mst_verifier *v) {
    return v->tail - v->head; /* only the calling thread moves these */
}

size_t mst_verifier_room(const struct mst_verifier *v) {
    return v->depth - mst_verifier_pending(v);
}

/*
 * Copy what the result needs of `msg` into the free slot `s`; the body too
 * when `keep_body` (a worker reads it after the connector reused its
 * buffer), else the caller opens it in place at once.
 */
static int fill(struct slot *s, const struct mst_message *msg, int64_t recv_us,
                bool keep_body) {
    struct mst_verified *o = &s->out;
    o->kind = msg->kind;
    o->oversized = msg->oversized;
    o->recv_us = recv_us;
    o->rc = MST_OK;
    size_t n = msg->routing_key.len;
    o->routing_key_len = n;
    n = n < sizeof o->routing_key - 1 ? n : sizeof o->routing_key - 1;
    if (n > 0) /* an empty key may come as a NULL pointer */
        memcpy(o->routing_key, msg->routing_key.ptr, n);
    o->routing_key[n] = '\0';
    s->done = msg->kind != MST_MESSAGE_DELIVERY || msg->oversized;
    s->len = 0;
    if (s->done || !keep_body)
        return MST_OK;
    if (msg->body.len > s->cap) {
        uint8_t *p = realloc(s->body, msg->body.len);
        if (p == NULL)
            return MST_ENOMEM;
        s->body = p;
        s->cap = msg->body.len;
    }
    if (msg->body.len > 0)
        memcpy(s->body, msg->body.ptr, msg->body.len);
    s->len = msg->body.len;
    return MST_OK;
}

int mst_verifier_submit(struct mst_verifier *v, const struct mst_message *msg,
                        int64_t recv_us) {
    if (mst_verifier_room(v) == 0)
        return MST_EINVAL;
    struct slot *s = &v->slots[v->tail % v->depth];
    int rc = fill(s, msg, recv_us, v->threads > 0);
    if (rc != MST_OK)
        return rc;
    if (v->threads == 0 && !s->done) {
        verify_body(v, s, msg->body);
        s->done = true;
    }
    pthread_mutex_lock(&v->lock);
    v->tail++;
    if (v->threads == 0)
        v->next = v->tail;
    else
        pthread_cond_signal(&v->work);
    pthread_mutex_unlock(&v->lock);
    return MST_OK;
}

static struct timespec deadline(int wait_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

const struct mst_verified *mst_verifier_head(struct mst_verifier *v,
                                             int wait_ms) {
    if (mst_verifier_pending(v) == 0)
        return NULL;
    struct slot *s = &v->slots[v->head % v->depth];
    struct timespec until = deadline(wait_ms > 0 ? wait_ms : 0);
    pthread_mutex_lock(&v->lock);
    while (!s->done && wait_ms != 0) {
        int e = wait_ms < 0
                    ? pthread_cond_wait(&v->done, &v->lock)
                    : pthread_cond_timedwait(&v->done, &v->lock, &until);
        if (e == ETIMEDOUT)
            break;
    }
    bool done = s->done;
    pthread_mutex_unlock(&v->lock);
    return done ? &s->out : NULL;
}

void mst_verifier_pop(struct mst_verifier *v) {
    if (mst_verifier_pending(v) == 0)
        return;
    struct slot *s = &v->slots[v->head % v->depth];
    mst_reply_clear(&s->out.rep);
    pthread_mutex_lock(&v->lock);
    s->done = false;
    v->head++;
    pthread_mutex_unlock(&v->lock);
}

void mst_verifier_discard(struct mst_verifier *v) {
    while (mst_verifier_head(v, -1) != NULL)
        mst_verifier_pop(v);
}
