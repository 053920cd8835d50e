/*
 * changes.h - inside libmusterclient: what changed between the body a node
 * registered before and the one it registers now, as the inventory
 * store's history records it (docs/inventory.md "The store").
 */
#ifndef MST_CHANGES_H
#define MST_CHANGES_H

#include <jansson.h>

#include "base/err.h"

/* What a node says about itself (borrowed; NULL members are empty). */
struct mst_changes_body {
    const json_t *facts;   /* object */
    const json_t *classes; /* array of strings */
    const json_t *agents;  /* array of {"name", "version"} */
};

/* Called once per change; `old` and `new` are NULL where a kind has no
 * value (added, removed, classes).  Returns MST_OK to go on. */
typedef int (*mst_changes_fn)(void *ud, const char *kind, const char *name,
                              const json_t *old, const json_t *new);

/*
 * mst_changes_flatten - the leaves of the fact object `facts` by dotted
 * name ({"os.family": "Debian", ...}; arrays and empty objects are
 * leaves), as the history and `muster complete facts` name them.  A new
 * object (the caller's), NULL when out of memory; not an object: empty.
 */
json_t *mst_changes_flatten(const json_t *facts);

/*
 * mst_changes_diff - one call of `fn` per fact leaf (by dotted name;
 * arrays are values) added, removed or changed ("fact_added",
 * "fact_removed", "fact_changed"), per class added or removed, and per
 * agent added, removed or of another version ("agent_changed"): added and
 * changed in the order of `new`, then removed.  Returns MST_OK, MST_ENOMEM,
 * or what `fn` returned to stop.
 */
int mst_changes_diff(const struct mst_changes_body *old,
                     const struct mst_changes_body *new, mst_changes_fn fn,
                     void *ud, struct mst_err *err);

#endif
