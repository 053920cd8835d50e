/*
 * load.h - read a DDL in Choria's JSON schema and check every field once,
 * so that the rest of muster can trust a loaded DDL (ddl/ddl.h).
 */
#ifndef MST_DDL_LOAD_H
#define MST_DDL_LOAD_H

#include <stddef.h>

#include "base/err.h"
#include "ddl/ddl.h"

#define MST_DDL_MAX_FILE (1024 * 1024) /* bytes of JSON */

/*
 * mst_ddl_load_file - read and check the DDL at `path` (at most
 * MST_DDL_MAX_FILE bytes).  Returns MST_OK and *ddl_r (free with
 * mst_ddl_free), or MST_ENOTFOUND / MST_EIO (cannot read) / MST_ETOOBIG
 * (too big) / MST_ECONFIG with one line naming the file and the bad field,
 * e.g. `rpcutil.json: actions[2].input.fact.type: unknown type "str"`.
 */
int mst_ddl_load_file(const char *path, struct mst_ddl **ddl_r,
                      struct mst_err *err);

/*
 * mst_ddl_load_text - the same from `len` bytes of JSON in memory (borrowed);
 * `label` names it in errors.  For DDLs compiled into a program and for
 * fuzzing.
 */
int mst_ddl_load_text(const char *text, size_t len, const char *label,
                      struct mst_ddl **ddl_r, struct mst_err *err);

#endif
