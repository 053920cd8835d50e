/*
 * pull.h - inside libmusterclient: fill the inventory store by asking
 * (rpcutil inventory), for sites that turn registration off; the
 * collector's other half (collect.h has the queue, the stats and the
 * callbacks both share).
 */
#ifndef MST_PULL_H
#define MST_PULL_H

#include <jansson.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "collect.h"
#include "store.h"
#include "wire/registration.h"

/*
 * mst_pull_run - ask `nodes` (addressed), or every node matching
 * `filter` (a broadcast; NULL = all), for rpcutil inventory; put every
 * verified answer in `st` and record each expected node that did not
 * answer with mst_store_missed: `nodes`, or without them the nodes the
 * store already knows that match `filter`.  One transaction, with the
 * store's upkeep.  Returns MST_OK when the request went out, or the
 * failure.
 */
int mst_pull_run(const struct mst_config *cfg, struct mst_store *st,
                 const json_t *filter, const struct mst_strv *nodes,
                 const struct mst_collect_handlers *h,
                 struct mst_collect_stats *stats, struct mst_err *err);

/*
 * mst_pull_registration - turn the data of an rpcutil inventory reply
 * of `sender` (verified), sent at `time_ms`, into a full registration in
 * `reg` (zeroed by the caller; clear it).  Agents come as names only: their
 * versions are "".  Returns MST_OK or MST_EINVAL (what a node would not
 * have sent).
 */
int mst_pull_registration(const char *sender, int64_t time_ms,
                          const json_t *data, struct mst_registration *reg,
                          struct mst_err *err);

#endif
