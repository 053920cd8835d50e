/*
 * path.h - find agents' DDL files on a list of directories (the client's
 * ddl_path), as DIR/AGENT.json or DIR/AGENT/AGENT.json.
 */
#ifndef MST_DDL_PATH_H
#define MST_DDL_PATH_H

#include "base/err.h"
#include "base/strv.h"
#include "ddl/ddl.h"

/*
 * mst_ddl_path_find - look for agent `agent`'s DDL in each directory of
 * `dirs` in order; the first file found is loaded (ddl/load.h) and must
 * name the agent in metadata.name.  Returns MST_OK and *ddl_r (free with
 * mst_ddl_free), MST_EINVAL (not an agent name), MST_ENOTFOUND (no file
 * anywhere), or the load error.
 */
int mst_ddl_path_find(const struct mst_strv *dirs, const char *agent,
                      struct mst_ddl **ddl_r, struct mst_err *err);

/*
 * mst_ddl_path_list - the names of the agents that have a DDL in `dirs`
 * (the files mst_ddl_path_find would load), sorted, each once, appended to
 * *names_r.  Unreadable directories are skipped.  Returns MST_OK or
 * MST_ENOMEM.
 */
int mst_ddl_path_list(const struct mst_strv *dirs, struct mst_strv *names_r);

#endif
