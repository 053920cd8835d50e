/*
 * known.h - inside libmusterclient: the inventory store as the x509
 * provider's trusted key source (struct mst_known_certs), so that a
 * one-shot `muster collect` neither parses nor chain-checks the
 * certificate of a node an earlier run verified (docs/security.md,
 * "Known certificates"); and as the record of the bodies stored
 * (struct mst_registration_known), so that a full registration whose body
 * the store already has is not turned into JSON for nothing.
 *
 * Threads: the provider looks certificates up and remembers them on the
 * opener's worker threads while the collector's thread writes batches
 * with its own store handle, and a store handle is not thread-safe.  So
 * lookups go to a read-only handle of their own, behind a mutex (a point
 * read of a few microseconds against the ~250 us of CPU a hit saves), and
 * what is remembered waits in memory until the collector writes it in
 * its next batch's transaction (mst_known_flush) on its own handle.
 */
#ifndef MST_KNOWN_H
#define MST_KNOWN_H

#include <stdint.h>

#include "base/err.h"
#include "security/security.h"
#include "store.h"
#include "wire/registration.h"

struct mst_known;

/*
 * mst_known_new - a trusted key source over the store `writer` is open on
 * (opened again read-only, so `writer` must have migrated it).  Returns
 * MST_OK and *k_r (the caller's; mst_known_free), or the store's error.
 */
int mst_known_new(const struct mst_store *writer, struct mst_known **k_r,
                  struct mst_err *err);

/* mst_known_free - close *k and set it to NULL; what was remembered and
 * not flushed is dropped (the next run verifies those again). */
void mst_known_free(struct mst_known **k);

/* mst_known_source - the callbacks for mst_security_options.known; valid
 * while `k` lives. */
const struct mst_known_certs *mst_known_source(struct mst_known *k);

/* mst_known_bodies - the bodies the store has, for mst_opener_start
 * (the store as of its last commit); valid while `k` lives. */
const struct mst_registration_known *mst_known_bodies(struct mst_known *k);

/*
 * mst_known_flush - write what was remembered since the last flush into
 * `writer`, inside the caller's transaction, as verified at `now_ms`.
 * On failure the records are dropped and the store's error returned.
 */
int mst_known_flush(struct mst_known *k, struct mst_store *writer,
                    int64_t now_ms, struct mst_err *err);

/* mst_known_counts - certificates found in the store, and remembered
 * after a full check, so far. */
void mst_known_counts(struct mst_known *k, uint64_t *known_r,
                      uint64_t *verified_r);

#endif
