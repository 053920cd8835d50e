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

#include <stddef.h>

#include "base/bytes.h"
#include "security/security.h"
#include "wire/registration.h"

/* What opening one message gave.  Owned by the caller; clear `reg`. */
struct mst_opened {
    int rc;                      /* MST_OK, or why it was refused */
    char why[MST_ERR_LEN];       /* when rc != MST_OK */
    struct mst_registration reg; /* when rc == MST_OK */
};

/*
 * mst_opener_threads - how many threads mst_opener_run uses: the CPUs
 * online, at most 8, at least 1.
 */
unsigned mst_opener_threads(void);

/*
 * mst_opener_run - mst_registration_open each of `in[0..n)` with `sec`
 * into `out[0..n)` (zeroed by the caller), in order of index, on up to
 * `threads` threads, this one among them (1: on this one alone; small
 * batches always are).  Never fails: a thread that cannot be started
 * leaves its share to the others.
 */
void mst_opener_run(struct mst_security *sec, const struct mst_bytes *in,
                    size_t n, unsigned threads, struct mst_opened *out);

#endif
