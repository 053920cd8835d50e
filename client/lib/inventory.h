/*
 * inventory.h - inside libmusterclient: the reads of the inventory store
 * that reports and `--dm inventory` make.  A stored node is matched
 * against a filter by mst_filter_match, the code a node runs on itself,
 * with the facts, classes and agents the node last registered.  The public
 * API wraps it as muster_inventory_* (docs/client-api.md).
 */
#ifndef MST_INVENTORY_H
#define MST_INVENTORY_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "base/strv.h"
#include "store.h"

/* What to read: every field may be zero. */
struct mst_inventory_query {
    const json_t *filter;          /* filter.h; NULL = every node */
    int64_t unseen_since_ms;       /* non-zero: only nodes last heard from
                                      before this (ms since the epoch) */
    const struct mst_strv *fields; /* non-NULL: add "fields": {name: value}
                                      for these (node keys or dotted facts;
                                      missing: null) */
};

/*
 * The JSON a node is given as (docs/inventory.md "Reports"):
 *   {"identity", "collectives", "first_seen", "last_seen" (ms since the
 *    epoch), "version", "started" (ms), "uptime" (s at last_seen),
 *    "interval" (s), "digest", "facts", "classes", "agents", "stale"
 *    (bool), "stale_since" (ms or null), "missed"}
 * borrowed by the callback for its call only.
 */
typedef int (*mst_inventory_fn)(void *ud, const json_t *item,
                                struct mst_err *err);

/* mst_inventory_nodes - every node `q` selects, in identity order.
 * Returns MST_OK, MST_EINVAL (a malformed filter), MST_EIO, or what `fn`
 * returned to stop. */
int mst_inventory_nodes(struct mst_store *st,
                        const struct mst_inventory_query *q,
                        mst_inventory_fn fn, void *ud, struct mst_err *err);

/*
 * mst_inventory_changes - the history from `since_ms` on, oldest first, of
 * the nodes `q` selects now, each as {"time", "identity", "kind", "name",
 * "old", "new"} (old/new: JSON values or null).
 */
int mst_inventory_changes(struct mst_store *st,
                          const struct mst_inventory_query *q, int64_t since_ms,
                          mst_inventory_fn fn, void *ud, struct mst_err *err);

/* mst_inventory_select - append the identities `filter` selects, sorted. */
int mst_inventory_select(struct mst_store *st, const json_t *filter,
                         struct mst_strv *nodes_r, struct mst_err *err);

/*
 * mst_inventory_fact_names - append every distinct fact name of the stored
 * nodes, dotted down to the leaves as filters and reports name them
 * ("os.family"; arrays are leaves), sorted in byte order.  Reads the
 * store's names by fact shape (mst_store_fact_names), not the facts:
 * O(distinct shapes), whatever the number of nodes.
 */
int mst_inventory_fact_names(struct mst_store *st, struct mst_strv *names_r,
                             struct mst_err *err);

/* mst_inventory_node - the node `identity` as JSON (the caller's), or
 * MST_ENOTFOUND. */
int mst_inventory_node(struct mst_store *st, const char *identity,
                       json_t **node_r, struct mst_err *err);

#endif
