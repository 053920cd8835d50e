/*
 * discovery.h - which nodes a request goes to, and in what order: node
 * lists from files, discovery by broadcast, random limits, and rollouts in
 * batches that stop when too many nodes fail.  Inside libmusterclient
 * (not installed): <muster/client.h> offers it as muster_client_rollout,
 * _discover, muster_list_limit ..., so that site tools get the same
 * behaviour as the muster CLI.
 */
#ifndef MST_DISCOVERY_H
#define MST_DISCOVERY_H

#include <stdint.h>
#include <stdio.h>

#include "client.h"

/*
 * A count given as "N" or "P%" (--limit-nodes, --batch-fail).  n == 0 and
 * percent == 0 means none.
 */
struct mst_discovery_count {
    size_t n;
    int percent; /* n is a percentage of a total */
};

/*
 * mst_discovery_count_parse - "N" (1 ... 1000000) or "P%" (1 ... 100) into
 * *c_r. Returns MST_OK or MST_EINVAL with the reason in `err`.
 */
int mst_discovery_count_parse(const char *text, struct mst_discovery_count *c_r,
                              struct mst_err *err);

/* mst_discovery_count_of - the count for `total` (percentages round up); 0 =
 * none. */
size_t mst_discovery_count_of(const struct mst_discovery_count *c,
                              size_t total);

/* How to roll a request out over a known set of nodes. */
struct mst_discovery_rollout {
    size_t batch_size;               /* nodes per batch; 0 = all at once */
    int64_t batch_sleep_ms;          /* pause between batches */
    struct mst_discovery_count fail; /* stop once this many nodes failed (failed
                              status, no reply, or no such node);
                              zero = never stop */
};

/*
 * mst_discovery_rollout - send `spec` to spec->nodes (required) in batches:
 * each batch is one addressed mst_client_call; the next starts only when
 * the previous one completed (every node answered, was unknown, or timed
 * out), after `batch_sleep_ms`.  Once `fail` nodes have failed, the
 * remaining nodes go to stats->not_reached and nothing more is sent.
 * Handlers see every reply as it arrives and, when `batch_size` is set,
 * h->batch before each batch.
 * Statistics add up over the batches.  Returns MST_OK or the first
 * broker failure.
 */
int mst_discovery_rollout(struct mst_client *cl,
                          const struct mst_call_spec *spec,
                          const struct mst_discovery_rollout *ro,
                          const struct mst_call_handlers *h,
                          struct mst_call_stats *stats_r, struct mst_err *err);

/*
 * mst_discovery_run - the identities of the nodes that match
 * spec->filter (spec->agent/action/data/nodes are ignored): a broadcast
 * rpcutil ping collected like any broadcast.  Fills `nodes_r` (empty on
 * entry; sorted; free with mst_strv_free).  Returns MST_OK (possibly with
 * no nodes) or a broker failure.
 */
int mst_discovery_run(struct mst_client *cl, const struct mst_call_spec *spec,
                      struct mst_strv *nodes_r, struct mst_err *err);

/*
 * mst_discovery_read_nodes - identities from `f`, one per line; blank lines and
 * "#" comments skipped, duplicates dropped, order kept.  `name` is for
 * messages.  Returns MST_OK, or MST_EINVAL naming the line of an invalid
 * identity.
 */
int mst_discovery_read_nodes(FILE *f, const char *name,
                             struct mst_strv *nodes_r, struct mst_err *err);

/*
 * mst_discovery_limit - keep mst_discovery_count_of(limit, n) of `nodes`,
 * chosen at random with `seed` (the same seed and nodes give the same choice),
 * in their original order.  A count at or above n keeps everything.
 */
void mst_discovery_limit(struct mst_strv *nodes,
                         const struct mst_discovery_count *limit,
                         uint64_t seed);

#endif
