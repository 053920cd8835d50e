/*
 * collect.h - inside libmusterclient: fill the inventory store
 * (store.h) from registrations, the collector's durable queue on
 * C.registration (a poll is pull.h; both share the stats and callbacks
 * below).  Internal; the public API wraps both as muster_collect
 * (docs/inventory.md, "Registration and collection").
 *
 * Nothing is acknowledged to the broker before the transaction that holds
 * it is committed, so a collector killed at any point loses nothing: what
 * was not committed is delivered again and put again (puts are
 * idempotent).  A message that does not verify is never stored; it is
 * counted, reported and acknowledged with its batch.
 */
#ifndef MST_COLLECT_H
#define MST_COLLECT_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "store.h"
#include "wire/registration.h"

/* What a collection did.  Plain data, zeroed by the caller. */
struct mst_collect_stats {
    uint64_t received;       /* messages taken off the queue */
    uint64_t stored;         /* registrations (or poll answers) put */
    uint64_t refused;        /* did not decode or verify: never stored */
    uint64_t unknown;        /* "still here" for a body the store lacks */
    uint64_t batches;        /* transactions committed */
    uint64_t missed;         /* poll: expected nodes that did not answer */
    uint64_t failed;         /* poll: nodes that answered with an error */
    uint64_t certs_known;    /* queue: certificates the store knew */
    uint64_t certs_verified; /* queue: certificates checked in full */
};

/* Callbacks; any may be NULL. */
struct mst_collect_handlers {
    /* a message refused (why: one line naming the sender when known) */
    void (*refused)(void *ud, const char *why);
    /* a node stored (`full`: with its facts), or missed by a poll */
    void (*stored)(void *ud, const char *identity, int full);
    void (*missed)(void *ud, const char *identity);
    void *ud;
};

/*
 * mst_collect_lock - take the collector's lock, an flock(2) on
 * "`db`.lock" (created if absent), without waiting.  Returns MST_OK with
 * the descriptor in *fd_r (close it to unlock; it is close-on-exec),
 * MST_EBUSY when another process holds it ("PATH: another muster collect
 * is running"), or MST_EIO.
 */
int mst_collect_lock(const char *db, int *fd_r, struct mst_err *err);

/*
 * mst_collect_queue - consume the collector queue (cfg->inventory_queue,
 * declared durable and bounded, bound to C.registration of every
 * configured collective) into `st`, cfg->inventory_batch puts per
 * transaction (or fewer after a quiet moment).  `follow`: until *stop
 * (then the open batch is committed and acknowledged), reconnecting when
 * the broker goes; otherwise until what was queued when it started has
 * been taken (a one-shot run: cron).  The store's upkeep (stale nodes,
 * history older than inventory.history_days) runs at the end of a
 * one-shot run, and at quiet moments, once a minute at most, while
 * following.  Fills *stats.  Returns MST_OK,
 * MST_ECONNECT/MST_EPROTO/MST_ESECURITY (broker or set-up), or the store's
 * failure (MST_EIO...): nothing of an uncommitted batch is acknowledged.
 */
int mst_collect_queue(const struct mst_config *cfg, struct mst_store *st,
                      int follow, volatile sig_atomic_t *stop,
                      const struct mst_collect_handlers *h,
                      struct mst_collect_stats *stats, struct mst_err *err);

#endif
