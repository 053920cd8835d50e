/*
 * groups.h - the actionpolicy groups file: named lists of callers that
 * policy rules use in their CALLERS field.
 *
 *   # POLICY_DIR/groups
 *   sysadmin cert=sa1 cert=sa2 choria=ops.mcollective
 *   app_admin cert=aa1
 *
 * One group a line: a name (letters, digits, _ . -) and its members,
 * separated by spaces or tabs; lines starting with # and blank lines are
 * ignored.  Members are caller ids (policy/callers.h: cert=NAME,
 * choria=NAME), never other groups or regular expressions, as in the
 * actionpolicy plugin.  A name on its own is a group with no members.  A
 * file with any line that does not parse is refused as a whole.
 */
#ifndef MST_GROUPS_H
#define MST_GROUPS_H

#include "base/err.h"

struct mst_groups;

/*
 * mst_groups_parse - parse a groups file's text; errors read "NAME:LINE:
 * what is wrong".  Returns MST_OK and new groups in *groups_r (free with
 * mst_groups_free), or MST_EINVAL, MST_ENOMEM.
 */
int mst_groups_parse(const char *text, const char *name,
                     struct mst_groups **groups_r, struct mst_err *err);

/*
 * mst_groups_load - read and parse the file at `path` (at most 1 MiB).
 * MST_ENOTFOUND when it does not exist, MST_EIO, MST_ETOOBIG, else as
 * mst_groups_parse.
 */
int mst_groups_load(const char *path, struct mst_groups **groups_r,
                    struct mst_err *err);

/* mst_groups_free - release `*groups` and set it to NULL.  NULL is fine. */
void mst_groups_free(struct mst_groups **groups);

/*
 * mst_groups_is_name - true if `s` can name a group (^[A-Za-z0-9_.-]+$).
 */
int mst_groups_is_name(const char *s);

/* mst_groups_defines - true if `groups` (NULL: none) defines `group`. */
int mst_groups_defines(const struct mst_groups *groups, const char *group);

/*
 * mst_groups_has - 1 if group `group` of `groups` has a member that names
 * the verified `caller` ("cert=CN"); 0 otherwise, also when `groups` is
 * NULL or has no such group.  Thread-safe.
 */
int mst_groups_has(const struct mst_groups *groups, const char *group,
                   const char *caller);

#endif
