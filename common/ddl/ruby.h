/*
 * ruby.h - read an MCollective Ruby DDL (agent/NAME.ddl) without running
 * Ruby and turn it into a DDL in Choria's JSON schema, the one ddl/load.h
 * reads.  Only the declarative subset DDLs are written in is understood
 * (docs/agents.md "Converting Ruby DDLs"); anything else is refused with
 * `FILE:LINE: what is not understood`, never guessed.
 */
#ifndef MST_DDL_RUBY_H
#define MST_DDL_RUBY_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

#define MST_DDL_RUBY_MAX_FILE (1024 * 1024) /* bytes of Ruby */

/*
 * mst_ddl_ruby_convert - convert the `len` bytes of Ruby at `text`
 * (borrowed; need not be NUL-terminated).  `label` (borrowed) names the
 * file in errors.  Returns MST_OK and *ddl_r, a new object the caller owns
 * (json_decref): {"$schema", "metadata", "actions": [...]} with the actions
 * in the order of the file.  Or MST_ETOOBIG (more than
 * MST_DDL_RUBY_MAX_FILE bytes), MST_ETOODEEP (nested too deeply),
 * MST_ECONFIG ("LABEL:LINE: why"), MST_ENOMEM; *ddl_r is then untouched.
 */
int mst_ddl_ruby_convert(const char *text, size_t len, const char *label,
                         json_t **ddl_r, struct mst_err *err);

#endif
