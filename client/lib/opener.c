/*
 * opener.c - open registrations in parallel: workers take the next index
 * from one atomic counter, so a slow message (a cold certificate) does not
 * hold up the others, and each result lands in its own slot.
 */
#include "opener.h"

#include <stdio.h>
#include <unistd.h>

#include "base/status.h"

#define MIN_PER_THREAD 16 /* below this a thread costs more than it saves */

unsigned mst_opener_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1                        ? 1
           : n > MST_OPENER_MAX_THREADS ? MST_OPENER_MAX_THREADS
                                        : (unsigned)n;
}

static void open_one(const struct mst_opener *op, struct mst_bytes in,
                     struct mst_opened *o) {
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    o->rc =
        mst_registration_open(op->sec, in, op->known, &o->reg, signer, &err);
    if (o->rc != MST_OK)
        snprintf(o->why, sizeof o->why, "%s", err.msg);
}

static void *work(void *arg) {
    struct mst_opener *op = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&op->next, 1);
        if (i >= op->n)
            return NULL;
        open_one(op, op->in[i], &op->out[i]);
    }
}

void mst_opener_start(struct mst_opener *op, struct mst_security *sec,
                      const struct mst_registration_known *known,
                      const struct mst_bytes *in, size_t n, unsigned threads,
                      struct mst_opened *out) {
    op->sec = sec;
    op->known = known;
    op->in = in;
    op->out = out;
    op->n = n;
    op->started = 0;
    atomic_init(&op->next, 0);
    if (threads > MST_OPENER_MAX_THREADS)
        threads = MST_OPENER_MAX_THREADS;
    if (threads > n / MIN_PER_THREAD)
        threads = (unsigned)(n / MIN_PER_THREAD);
    while (op->started < threads &&
           pthread_create(&op->threads[op->started], NULL, work, op) == 0)
        op->started++;
}

void mst_opener_wait(struct mst_opener *op) {
    work(op);
    for (unsigned i = 0; i < op->started; i++)
        pthread_join(op->threads[i], NULL);
    op->started = 0;
}
