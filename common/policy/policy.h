/*
 * policy.h - per-agent authorisation in the format of MCollective's
 * actionpolicy plugin.
 *
 *   policy default deny
 *   allow   cert=alice            *              *                *
 *   allow   cert=bob cert=carol   status         role=web         apache
 *   deny    *                     restart        (env=prod and not role=db)
 *
 * One rule per line, fields separated by tabs (runs of tabs count as one):
 * allow|deny, CALLERS, ACTIONS, FACTS, CLASSES.  Each field is `*` or
 * space-separated values.  CALLERS are caller ids, "/regex/" and group
 * names (policy/callers.h, policy/groups.h; uid=N is refused).  FACTS and
 * CLASSES may each be one compound expression (the -S grammar, its
 * functions included), and CLASSES may be left out.  The first rule that
 * matches decides; when none does, the file's `policy default` line (one,
 * anywhere), else the caller-supplied default.  Lines starting with # and
 * blank lines are ignored.  A file with any line that does not parse is
 * refused as a whole: the caller denies everything for that agent (fail
 * closed).
 */
#ifndef MST_POLICY_H
#define MST_POLICY_H

#include "base/err.h"
#include "policy/groups.h"
#include "targeting/filter.h"

struct mst_policy;

/* What is being asked, by whom, of which node. */
struct mst_policy_request {
    const char *caller; /* verified, e.g. "cert=alice" */
    const char *action;
    const struct mst_filter_target *node; /* this node's facts, classes */
    const struct mst_groups *groups;      /* the groups file, or NULL */
};

/* The decision, and which line made it (0: no rule, the default). */
struct mst_policy_decision {
    int allow;
    int line;
};

/*
 * mst_policy_parse - parse a policy file's text.  `name` is used in errors,
 * which read "NAME:LINE: what is wrong".  Returns MST_OK and a new policy
 * in *policy_r (free with mst_policy_free), or MST_EINVAL, MST_ENOMEM.
 */
int mst_policy_parse(const char *text, const char *name,
                     struct mst_policy **policy_r, struct mst_err *err);

/*
 * mst_policy_load - read and parse the file at `path` (at most 1 MiB, see
 * base/file.h).  MST_ENOTFOUND when it does not exist; MST_EIO when it
 * cannot be read; MST_ETOOBIG when it is larger; else as mst_policy_parse.
 */
int mst_policy_load(const char *path, struct mst_policy **policy_r,
                    struct mst_err *err);

/* mst_policy_free - release `*policy` and set it to NULL.  NULL is fine. */
void mst_policy_free(struct mst_policy **policy);

/*
 * mst_policy_check - decide `req` against `policy`.  `fallback_allow` is
 * used when no rule matches and the file has no `policy default` line.
 * A rule whose facts or classes cannot be evaluated on this node does not
 * match.  Thread-safe for a policy that is not being freed.
 */
struct mst_policy_decision
mst_policy_check(const struct mst_policy *policy,
                 const struct mst_policy_request *req, int fallback_allow);

/*
 * mst_policy_undefined_group - the first group name in the CALLERS of
 * `policy` that `groups` (NULL: no groups file) does not define, with its
 * rule's line in *line_r; NULL when there is none.  Such a name matches
 * nobody; the daemon warns about it.  The name is borrowed from `policy`.
 */
const char *mst_policy_undefined_group(const struct mst_policy *policy,
                                       const struct mst_groups *groups,
                                       int *line_r);

#endif
