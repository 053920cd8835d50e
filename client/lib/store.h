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
#include "base/strv.h"
#include "security/security.h"
#include "wire/registration.h"

struct mst_store;

enum mst_store_mode {
    MST_STORE_READ,  /* reports, discovery: the file must exist */
    MST_STORE_WRITE, /* the collector: created and migrated if needed */
};

/*
 * mst_store_open - open (and in MST_STORE_WRITE, create or migrate) the
 * store at `path`.  MST_ECONFIG when the file's schema is newer than this
 * program knows ("PATH: schema version N is newer than M: upgrade
 * muster"), MST_ENOTFOUND (READ and no file), MST_EIO (SQLite's message).
 * Ownership: the caller owns *st_r; mst_store_close().
 */
int mst_store_open(const char *path, enum mst_store_mode mode,
                   struct mst_store **st_r, struct mst_err *err);

/* mst_store_close - close *st and set it to NULL.  NULL is fine. */
void mst_store_close(struct mst_store **st);

/* mst_store_begin / mst_store_commit - one transaction around a batch of
 * puts (the collector commits every few hundred or every second); the
 * batch's counts of fact names (mst_store_fact_names) are written at the
 * commit, once per fact shape.  Closing without a commit drops both. */
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
int mst_store_missed(struct mst_store *st, const char *identity, int64_t now_ms,
                     struct mst_err *err);

/*
 * mst_store_expire - the writer's upkeep at `now_ms`, in the caller's batch:
 * a node registering every `interval` s that has not been heard from for
 * two intervals is marked stale (once in the history), history older
 * than `keep_ms` is deleted (0 = kept for ever), and so are the known
 * certificates (mst_store_known_put) expired by then.
 */
int mst_store_expire(struct mst_store *st, int64_t now_ms, int64_t keep_ms,
                     struct mst_err *err);

/*
 * mst_store_fact_names - every dotted fact name of the stored nodes, in
 * one read of a table kept by the writes (no node's facts are read): `fn`
 * gets each name at least once, in no order (a name that facts of
 * several shapes have comes once per shape).  MST_EIO on a damaged row.
 */
typedef int (*mst_store_name_fn)(const char *name, void *ud,
                                 struct mst_err *err);
int mst_store_fact_names(struct mst_store *st, mst_store_name_fn fn, void *ud,
                         struct mst_err *err);

/*
 * mst_store_known_get - the certificate `fpr` as a run verified it under
 * the CA `ca_fpr` (struct mst_known_cert), if it is in date at `now_s`
 * (seconds): MST_OK and *cert_r filled, MST_ENOTFOUND (unknown, another
 * CA, out of date), MST_EIO.
 */
int mst_store_known_get(struct mst_store *st, const uint8_t fpr[32],
                        const uint8_t ca_fpr[32], int64_t now_s,
                        struct mst_known_cert *cert_r, struct mst_err *err);

/*
 * mst_store_known_put - remember a certificate verified in full at
 * `now_ms`, in the caller's batch (replacing what was kept for it).
 * mst_store_expire drops the ones expired.
 */
int mst_store_known_put(struct mst_store *st, const struct mst_known_cert *c,
                        int64_t now_ms, struct mst_err *err);

/*
 * mst_store_has_body - MST_OK when the body stored for `identity` is the
 * one with `digest`, MST_ENOTFOUND when it is another or the node is not
 * stored, MST_EIO.
 */
int mst_store_has_body(struct mst_store *st, const char *identity,
                       const char *digest, struct mst_err *err);

/* mst_store_path - the file `st` was opened on.  Owned by `st`. */
const char *mst_store_path(const struct mst_store *st);

/* mst_store_schema_version - the schema version this program writes. */
int mst_store_schema_version(void);

/*
 * One node as stored, borrowed from the store until the callback returns:
 * the JSON columns as text (collectives, classes: arrays of strings;
 * agents: an array of {"name","version"}), and the facts asked for as an
 * object.
 */
struct mst_store_node {
    const char *identity;
    const char *collectives;
    int64_t first_seen_ms;
    int64_t last_seen_ms;
    const char *version;
    int64_t started_ms;
    int64_t interval_s;
    const char *digest;
    const json_t *facts; /* every fact, or the top-level ones asked */
    const char *classes;
    const char *agents;
    int64_t stale_since_ms; /* 0 = not stale */
    int64_t missed;         /* polls unanswered since last heard from */
};

/* One history entry; `old` and `new` are JSON texts or NULL. */
struct mst_store_change {
    int64_t time_ms;
    const char *identity;
    const char *kind; /* appeared, stale, back, fact_added, fact_removed,
                         fact_changed, class_added, class_removed,
                         agent_added, agent_removed, agent_changed */
    const char *name; /* the fact, class or agent; "" for the node */
    const char *old;
    const char *new;
};

/* A callback returns MST_OK to go on, anything else stops the walk and is
 * returned by it. */
typedef int (*mst_store_node_fn)(const struct mst_store_node *node, void *ud,
                                 struct mst_err *err);
typedef int (*mst_store_change_fn)(const struct mst_store_change *change,
                                   void *ud, struct mst_err *err);

/*
 * mst_store_nodes - every node, in identity order, in one read
 * transaction, with its facts: every one (fact_keys NULL) or only the
 * top-level facts named in `fact_keys` (empty: none), which reads only
 * those from the file.
 */
int mst_store_nodes(struct mst_store *st, const struct mst_strv *fact_keys,
                    mst_store_node_fn fn, void *ud, struct mst_err *err);

/* mst_store_get_node - the node `identity` with every fact to `fn`, or
 * MST_ENOTFOUND. */
int mst_store_get_node(struct mst_store *st, const char *identity,
                       mst_store_node_fn fn, void *ud, struct mst_err *err);

/* mst_store_changes - the history from `since_ms` on, oldest first. */
int mst_store_changes(struct mst_store *st, int64_t since_ms,
                      mst_store_change_fn fn, void *ud, struct mst_err *err);

#endif
