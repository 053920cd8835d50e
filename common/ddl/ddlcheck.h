/*
 * ddlcheck.h - the DDL check of `muster doctor` (the client's ddl_path) and
 * `musterd --check` (agents.dir): every agent with a DDL file in the
 * directories loads as the program will load it (ddl/path.h), each
 * refusal and each warning a finding naming the file.
 */
#ifndef MST_DDLCHECK_H
#define MST_DDLCHECK_H

#include "base/finding.h"
#include "base/strv.h"

/*
 * mst_ddlcheck_dirs - check the DDLs in `dirs` (the option that names
 * them in `what`, e.g. "ddl_path", for the messages): a directory that
 * does not exist is a warning, a DDL that does not load an error, what a
 * DDL loads with but muster does not fully understand a warning, and
 * none at all a warning; one MST_FINDING_OK says how many loaded.
 */
void mst_ddlcheck_dirs(const struct mst_strv *dirs, const char *what,
                       struct mst_findings *fs);

#endif
