/*
 * ddlcheck.c - the doctor's DDL check (ddl/ddlcheck.h).
 */
#include "ddl/ddlcheck.h"

#include <sys/stat.h>

#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/path.h"

#define CHECK_DDL "ddl"

static void check_dirs_exist(const struct mst_strv *dirs, const char *what,
                             struct mst_findings *fs) {
    for (size_t i = 0; i < dirs->n; i++) {
        struct stat st;
        if (stat(dirs->v[i], &st) != 0 || !S_ISDIR(st.st_mode))
            mst_findings_add(fs, MST_FINDING_WARNING, CHECK_DDL,
                             "create it, or take it out of the setting",
                             "%s entry %s is not a directory", what,
                             dirs->v[i]);
    }
}

/* One agent: an error if it does not load, a warning per warning. */
static int check_agent(const struct mst_strv *dirs, const char *agent,
                       struct mst_findings *fs) {
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    if (mst_ddl_path_find(dirs, agent, &ddl, &err) != MST_OK) {
        mst_findings_add(fs, MST_FINDING_ERROR, CHECK_DDL,
                         "fix the file, or remove it (muster ddl convert "
                         "turns a Ruby DDL into JSON)",
                         "agent %s: %s", agent, err.msg);
        return 0;
    }
    for (size_t i = 0; i < ddl->warnings.n; i++)
        mst_findings_add(fs, MST_FINDING_WARNING, CHECK_DDL, NULL, "%s",
                         ddl->warnings.v[i]);
    mst_ddl_free(&ddl);
    return 1;
}

void mst_ddlcheck_dirs(const struct mst_strv *dirs, const char *what,
                       struct mst_findings *fs) {
    check_dirs_exist(dirs, what, fs);
    struct mst_strv names = {0};
    if (mst_ddl_path_list(dirs, &names) != MST_OK) {
        mst_findings_add(fs, MST_FINDING_ERROR, CHECK_DDL, NULL,
                         "%s: out of memory listing the DDLs", what);
        return;
    }
    size_t loaded = 0;
    for (size_t i = 0; i < names.n; i++)
        loaded += (size_t)check_agent(dirs, names.v[i], fs);
    if (names.n == 0)
        mst_findings_add(fs, MST_FINDING_WARNING, CHECK_DDL,
                         "install the agents' DDLs there, or point the "
                         "setting at them",
                         "no agent DDL in %s", what);
    else
        mst_findings_add(fs, MST_FINDING_OK, CHECK_DDL, NULL,
                         "%zu of %zu agent DDLs in %s load", loaded, names.n,
                         what);
    mst_strv_free(&names);
}
