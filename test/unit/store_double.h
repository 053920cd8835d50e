/*
 * store_double.h - client/lib/store.h in memory, for unit tests of the
 * collector (test_collector.c) before and apart from SQLite.
 *
 * It keeps what a test asserts on: every put and missed call with the
 * transaction it came in, and at each commit the delivery tag the broker
 * had been acknowledged up to (mst_double_last_ack), so that a test can
 * check that nothing is acknowledged before it is committed.  A "still
 * here" put is MST_ENOTFOUND unless a full body with that digest was put
 * before, as the real store says.  Known certificates are put by the
 * writer inside a transaction and read by a MST_STORE_READ handle only.
 * Not thread-safe, but for the known certificates.  Test code only.
 */
#ifndef MST_STORE_DOUBLE_H
#define MST_STORE_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_DOUBLE_MAX 64
#define STORE_DOUBLE_KNOWN 8

struct store_double_put {
    char identity[256];
    char digest[MST_DIGEST_LEN];
    int full;
    int missed;   /* a mst_store_missed call, not a put */
    unsigned txn; /* the transaction it was in (from 1) */
};

/* Everything the store saw since store_double_reset. */
struct store_double {
    struct store_double_put puts[STORE_DOUBLE_MAX];
    size_t n_puts;
    unsigned begun, committed;
    uint64_t acked_at_commit[STORE_DOUBLE_MAX]; /* per commit */
    int fail_put;     /* the next put fails with MST_EIO */
    unsigned expired; /* mst_store_expire calls */
    int open;         /* a handle is open */
    int readers;      /* MST_STORE_READ handles open */
    struct mst_known_cert known[STORE_DOUBLE_KNOWN]; /* known_put, kept
                                                        at once */
    size_t n_known;
};

extern struct store_double store_double;

/* store_double_reset - forget everything. */
void store_double_reset(void);

/* store_double_stored - how many committed puts (not misses) of `who`. */
size_t store_double_stored(const char *who);

#endif
