/*
 * store.h - inside libmusterclient: the inventory store, one SQLite file
 * in WAL mode (docs/inventory.md has the schema and its versions).
 * Internal; the public API wraps it as muster_inventory_*.
 *
 * Contract between the collector (which writes what registrations and
 * polls say), the reports and `--dm inventory` (which read).  One writer
 * at a time (the collector holds the lock file); readers never block it.
 * A handle is not thread-safe.
 */
#ifndef MST_STORE_H
#define MST_STORE_H

#include <stdint.h>

#include "base/err.h"
#include "wire/registration.h"

struct mst_store;

enum mst_store_mode {
    MST_STORE_READ,  /* reports, discovery: the file must exist */
    MST_STORE_WRITE, /* the collector: created and migrated if needed */
};

/*
 * mst_store_open - open (and in MST_STORE_WRITE, create or migrate) the
 * store at `path`.  MST_ECONFIG when the file's schema is newer than this
 * program knows ("PATH: schema version N is newer than 2: upgrade
 * muster"), MST_ENOTFOUND (READ and no file), MST_EIO (SQLite's message).
 * Ownership: the caller owns *st_r; mst_store_close().
 */
int mst_store_open(const char *path, enum mst_store_mode mode,
                   struct mst_store **st_r, struct mst_err *err);

/* mst_store_close - close *st and set it to NULL.  NULL is fine. */
void mst_store_close(struct mst_store **st);

/* mst_store_begin / mst_store_commit - one transaction around a batch of
 * puts (the collector commits every few hundred or every second). */
int mst_store_begin(struct mst_store *st, struct mst_err *err);
int mst_store_commit(struct mst_store *st, struct mst_err *err);

/*
 * mst_store_put - record a verified registration (or a poll's inventory
 * reply turned into one) received at `now_ms`: the node's row, last seen,
 * and a history entry per fact/class/agent added, removed or changed, a
 * node that appeared or came back.  A "still here" registration updates
 * last seen; MST_ENOTFOUND when the store does not hold a full body with
 * that digest (the node is unknown or changed without telling): the
 * caller counts it and waits for the next full one.
 */
int mst_store_put(struct mst_store *st, const struct mst_registration *reg,
                  int64_t now_ms, struct mst_err *err);

/*
 * mst_store_missed - a poll asked `identity` and it did not answer at
 * `now_ms`: recorded in its row and (once) in the history.
 */
int mst_store_missed(struct mst_store *st, const char *identity,
                     int64_t now_ms, struct mst_err *err);

#endif
