/*
 * authz.h - musterd's use of policy files: which file governs an agent,
 * reloading it when it changes, and failing closed.
 *
 * For agent A the file is POLICY_DIR/A.policy, else POLICY_DIR/default.policy,
 * else authorization.default decides.  Files are checked for changes
 * (inode, size, mtime) on every request, which costs one or two stat(2)
 * calls, and re-read when changed.  A file that fails to parse keeps the
 * last good version of that same file in force; with no good version the
 * agent is denied to everyone until the file is fixed.  Without
 * authorization.policy_dir every request is allowed (logged at start-up).
 */
#ifndef MST_AUTHZ_H
#define MST_AUTHZ_H

#include <stddef.h>

#include "targeting/filter.h"

struct mst_authz;

/*
 * mst_authz_new - policies under `policy_dir` (NULL: authorisation off)
 * with `default_allow` when no file decides.  Returns NULL when out of
 * memory.  Free with mst_authz_free.
 */
struct mst_authz *mst_authz_new(const char *policy_dir, int default_allow);

/* mst_authz_free - release `*az` and set it to NULL. */
void mst_authz_free(struct mst_authz **az);

/* mst_authz_enabled - non-zero when a policy_dir is configured. */
int mst_authz_enabled(const struct mst_authz *az);

/*
 * mst_authz_check - may `caller` run `agent`/`action` on `node`?  Returns 1
 * or 0; on a deny `why` says which file and line (or default) decided, for
 * the daemon's log only - never for the reply.
 */
int mst_authz_check(struct mst_authz *az, const char *agent,
                    const char *action, const char *caller,
                    const struct mst_filter_target *node, char *why,
                    size_t why_len);

/* mst_authz_reload - forget what is cached (SIGHUP): files are read anew. */
void mst_authz_reload(struct mst_authz *az);

#endif
