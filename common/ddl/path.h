/*
 * path.h - find agents' DDL files on a list of directories (the client's
 * ddl_path), as DIR/AGENT.json, DIR/AGENT/AGENT.json or Choria's
 * DIR/mcollective/agent/AGENT.json.
 */
#ifndef MST_DDL_PATH_H
#define MST_DDL_PATH_H

#include "base/err.h"
#include "base/strv.h"
#include "ddl/ddl.h"

/*
 * mst_ddl_path_find - look for agent `agent`'s DDL in each directory of
 * `dirs` in order: the files named for the agent (three layouts, above),
 * then, if none loads, every *.json of those directories; the first that
 * loads (ddl/load.h) and names the agent in metadata.name wins.  A refused
 * file named for the agent is skipped and becomes a warning of the DDL
 * returned (its `warnings`).  Returns MST_OK and *ddl_r (free with
 * mst_ddl_free), MST_EINVAL (not an agent name), MST_ENOTFOUND (no file
 * anywhere), or the first refusal when nothing loads.
 */
int mst_ddl_path_find(const struct mst_strv *dirs, const char *agent,
                      struct mst_ddl **ddl_r, struct mst_err *err);

/*
 * mst_ddl_path_list - the names of the agents that have a DDL in `dirs`:
 * each file's metadata.name (the file's own name when it is refused, so
 * that mst_ddl_path_find can say why), sorted, each once, appended to
 * *names_r.  Unreadable directories are skipped.  Returns MST_OK or
 * MST_ENOMEM.
 */
int mst_ddl_path_list(const struct mst_strv *dirs, struct mst_strv *names_r);

#endif
