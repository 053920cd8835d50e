/*
 * authz.h - musterd's use of policy files: which file governs an agent,
 * reloading it when it changes, and failing closed.
 *
 * For agent A the file is POLICY_DIR/A.policy, else POLICY_DIR/default.policy,
 * else authorization.default decides.  Files are checked for changes
 * (inode, size, mtime) on every request, which costs one or two stat(2)
 * calls, and re-read when changed.  A file that fails to parse keeps the
 * last good version of that same file in force; with no good version the
 * agent is denied to everyone until the file is fixed.  POLICY_DIR/groups
 * (policy/groups.h) is reloaded the same way; a broken one keeps its last
 * good version, and with none every request is denied.  Without
 * authorization.policy_dir every request is allowed (logged at start-up).
 */
#ifndef MUSTERD_AUTHZ_H
#define MUSTERD_AUTHZ_H

#include <stddef.h>

#include "targeting/filter.h"

struct musterd_authz;

/*
 * musterd_authz_new - policies under `policy_dir` (NULL: authorisation off)
 * with `default_allow` when no file decides.  Returns NULL when out of
 * memory.  Free with musterd_authz_free.
 */
struct musterd_authz *musterd_authz_new(const char *policy_dir,
                                        int default_allow);

/* musterd_authz_free - release `*az` and set it to NULL. */
void musterd_authz_free(struct musterd_authz **az);

/* musterd_authz_enabled - non-zero when a policy_dir is configured. */
int musterd_authz_enabled(const struct musterd_authz *az);

/*
 * musterd_authz_check - may `caller` run `agent`/`action` on `node`?  Returns 1
 * or 0; on a deny `why` says which file and line (or default) decided, for
 * the daemon's log only - never for the reply.
 */
int musterd_authz_check(struct musterd_authz *az, const char *agent,
                        const char *action, const char *caller,
                        const struct mst_filter_target *node, char *why,
                        size_t why_len);

/* musterd_authz_reload - forget what is cached (SIGHUP): files are read anew.
 */
void musterd_authz_reload(struct musterd_authz *az);

#endif
