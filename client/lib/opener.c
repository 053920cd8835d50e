/*
 * opener.c - open registrations in parallel: workers take the next index
 * from one atomic counter, so a slow message (a cold certificate) does not
 * hold up the others, and each result lands in its own slot.
 */
#include "opener.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "base/status.h"

#define MAX_THREADS 8
#define MIN_PER_THREAD 16 /* below this a thread costs more than it saves */

struct job {
    struct mst_security *sec;
    const struct mst_bytes *in;
    struct mst_opened *out;
    size_t n;
    atomic_size_t next;
};

unsigned mst_opener_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void open_one(struct mst_security *sec, struct mst_bytes in,
                     struct mst_opened *o) {
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    o->rc = mst_registration_open(sec, in, &o->reg, signer, &err);
    if (o->rc != MST_OK)
        snprintf(o->why, sizeof o->why, "%s", err.msg);
}

static void *work(void *arg) {
    struct job *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n)
            return NULL;
        open_one(j->sec, j->in[i], &j->out[i]);
    }
}

void mst_opener_run(struct mst_security *sec, const struct mst_bytes *in,
                    size_t n, unsigned threads, struct mst_opened *out) {
    struct job j = {.sec = sec, .in = in, .out = out, .n = n};
    atomic_init(&j.next, 0);
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads > n / MIN_PER_THREAD)
        threads = (unsigned)(n / MIN_PER_THREAD);
    pthread_t t[MAX_THREADS];
    unsigned started = 0;
    /* This thread is one of the workers. */
    while (started + 1 < threads &&
           pthread_create(&t[started], NULL, work, &j) == 0)
        started++;
    work(&j);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
}
