/*
 * path.c - agents' DDL files on ddl_path: DIR/AGENT.json or
 * DIR/AGENT/AGENT.json, the first directory that has one wins.
 */
#include "ddl/path.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/status.h"
#include "base/util.h"
#include "ddl/load.h"

/* Agent names become file names: no leading dot, so no "..". */
static int agent_name_ok(const char *agent) {
    return mst_is_name(agent, MST_DDL_MAX_NAME) && agent[0] != '.';
}

/* DIR/AGENT.json or DIR/AGENT/AGENT.json into `path`, if either exists. */
static int ddl_file(const char *dir, const char *agent, char *path,
                    size_t size) {
    struct stat st;
    snprintf(path, size, "%s/%s.json", dir, agent);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return 1;
    snprintf(path, size, "%s/%s/%s.json", dir, agent, agent);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int mst_ddl_path_find(const struct mst_strv *dirs, const char *agent,
                      struct mst_ddl **ddl_r, struct mst_err *err) {
    if (!agent_name_ok(agent))
        return mst_err_set(err, MST_EINVAL, "\"%.64s\" is not an agent name",
                           agent);
    char path[4096];
    for (size_t i = 0; dirs != NULL && i < dirs->n; i++) {
        if (!ddl_file(dirs->v[i], agent, path, sizeof path))
            continue;
        struct mst_ddl *ddl = NULL;
        int rc = mst_ddl_load_file(path, &ddl, err);
        if (rc != MST_OK)
            return rc;
        if (strcmp(ddl->name, agent) != 0) {
            rc = mst_err_set(err, MST_ECONFIG,
                             "%s: metadata.name: \"%s\", but the file is for "
                             "agent \"%s\"",
                             path, ddl->name, agent);
            mst_ddl_free(&ddl);
            return rc;
        }
        *ddl_r = ddl;
        return MST_OK;
    }
    return mst_err_set(err, MST_ENOTFOUND, "no DDL for agent %s", agent);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, struct mst_strv *names) {
    DIR *d = opendir(dir);
    if (d == NULL)
        return MST_OK;
    const struct dirent *e;
    int rc = MST_OK;
    char path[4096];
    while (rc == MST_OK && (e = readdir(d)) != NULL) {
        char name[MST_DDL_MAX_NAME + 6];
        if (mst_strlcpy(name, e->d_name, sizeof name) >= sizeof name)
            continue;
        if (mst_has_suffix(name, ".json"))
            name[strlen(name) - 5] = '\0';
        int seen = 0;
        for (size_t i = 0; i < names->n && !seen; i++)
            seen = strcmp(names->v[i], name) == 0;
        if (!seen && agent_name_ok(name) &&
            ddl_file(dir, name, path, sizeof path))
            rc = mst_strv_push(names, name);
    }
    closedir(d);
    return rc;
}

int mst_ddl_path_list(const struct mst_strv *dirs, struct mst_strv *names_r) {
    for (size_t i = 0; dirs != NULL && i < dirs->n; i++) {
        int rc = list_dir(dirs->v[i], names_r);
        if (rc != MST_OK)
            return rc;
    }
    if (names_r->n > 1)
        qsort(names_r->v, names_r->n, sizeof *names_r->v, by_name);
    return MST_OK;
}
