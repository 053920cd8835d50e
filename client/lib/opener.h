/*
 * opener.h - inside libmusterclient: decode and verify a batch of
 * registrations on several threads.  The collector's cost per message is
 * almost all here (a certificate chain and a signature per node, the
 * payload into JSON and its digest); the store's part stays on the
 * collector's thread.  The security provider is thread-safe for
 * verification.
 */
#ifndef MST_OPENER_H
#define MST_OPENER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "base/bytes.h"
#include "security/security.h"
#include "wire/registration.h"

/* Threads a batch is opened on, at most. */
#define MST_OPENER_MAX_THREADS 8

/* What opening one message gave.  Owned by the caller; clear `reg`. */
struct mst_opened {
    int rc;                      /* MST_OK, or why it was refused */
    char why[MST_ERR_LEN];       /* when rc != MST_OK */
    struct mst_registration reg; /* when rc == MST_OK */
};

/*
 * mst_opener_threads - how many threads to open a batch on: the CPUs
 * online, at most MST_OPENER_MAX_THREADS, at least 1.
 */
unsigned mst_opener_threads(void);

/*
 * A batch being opened in the background, so that the collector can
 * store the previous one meanwhile.  The fields are the opener's own.
 */
struct mst_opener {
    struct mst_security *sec;
    const struct mst_registration_known *known;
    const struct mst_bytes *in;
    struct mst_opened *out;
    size_t n;
    atomic_size_t next; /* the next index a worker takes */
    pthread_t threads[MST_OPENER_MAX_THREADS];
    unsigned started;
};

/*
 * mst_opener_start - begin to mst_registration_open each of `in[0..n)`
 * with `sec` and `known` (NULL: the receiver has no bodies) into
 * `out[0..n)` (zeroed by the caller) on up to `threads`
 * threads of its own (fewer for a small batch, none for a tiny one).
 * `in` and `out` must stay put until mst_opener_wait returns.  Never
 * fails: what no thread could be started for, mst_opener_wait does.
 */
void mst_opener_start(struct mst_opener *op, struct mst_security *sec,
                      const struct mst_registration_known *known,
                      const struct mst_bytes *in, size_t n, unsigned threads,
                      struct mst_opened *out);

/*
 * mst_opener_wait - join in: this thread opens what is left, then waits
 * for the others.  Every out[i] is filled when it returns.
 */
void mst_opener_wait(struct mst_opener *op);

#endif
