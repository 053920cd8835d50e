/*
 * path.c - agents' DDL files on ddl_path: in each directory DIR/AGENT.json,
 * DIR/AGENT/AGENT.json or Choria's DIR/mcollective/agent/AGENT.json; the
 * first that loads wins, a refused one is skipped with a warning.  An agent
 * is known by its DDL's metadata.name, so a DDL whose file is named
 * otherwise (go-choria's go_agent.json holds agent echo) is found by a scan
 * of the directories when no file has the agent's name.
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

#define MAX_SCAN 4096 /* directory entries read per directory */

/* Where DDLs live below each directory of ddl_path. */
static const char *const layouts[] = {"", "/mcollective/agent"};
#define N_LAYOUTS (sizeof layouts / sizeof layouts[0])

/* Agent names become file names: no leading dot, so no "..". */
static int agent_name_ok(const char *agent) {
    return mst_is_name(agent, MST_DDL_MAX_NAME) && agent[0] != '.';
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* True when snprintf's `len` fitted a buffer of `size`: a path cut short
 * could name another file or directory, so it is not used. */
static int fits(int len, size_t size) {
    return len >= 0 && (size_t)len < size;
}

/* Directory `dir` of ddl_path in layout `l` into `d`, if it fits. */
static int layout_dir(char *d, size_t size, const char *dir, size_t l) {
    return fits(snprintf(d, size, "%s%s", dir, layouts[l]), size);
}

/* D/AGENT.json or D/AGENT/AGENT.json into `path`, if either exists. */
static int ddl_file(const char *d, const char *agent, char *path, size_t size) {
    if (fits(snprintf(path, size, "%s/%s.json", d, agent), size) &&
        is_file(path))
        return 1;
    return fits(snprintf(path, size, "%s/%s/%s.json", d, agent, agent), size) &&
           is_file(path);
}

/* A search for one agent: what was found, what was refused on the way. */
struct search {
    const char *agent;
    struct mst_ddl *found;
    struct mst_err first;     /* the first refusal, returned if none loads */
    int refused;              /* how many were refused */
    struct mst_strv warnings; /* one line per refused file */
};

/*
 * Load `path` and keep it if it is the agent's.  A refusal is remembered
 * when `named` (the file has the agent's name); a file of another agent
 * is skipped, with a warning when it bears this agent's name.
 */
static int try_file(struct search *s, const char *path, int named) {
    struct mst_err e = {0};
    struct mst_ddl *ddl = NULL;
    int rc = mst_ddl_load_file(path, &ddl, &e);
    char line[MST_ERR_LEN + 64];
    if (rc == MST_ENOMEM)
        return rc;
    if (rc != MST_OK && named) {
        if (s->refused++ == 0)
            s->first = e;
        snprintf(line, sizeof line, "skipped: %s", e.msg);
        return mst_strv_push(&s->warnings, line);
    }
    if (rc == MST_OK && strcmp(ddl->name, s->agent) == 0) {
        s->found = ddl;
        return MST_OK;
    }
    if (rc == MST_OK && named) {
        snprintf(line, sizeof line, "skipped %s: it holds agent \"%s\"", path,
                 ddl->name);
        rc = mst_strv_push(&s->warnings, line);
    }
    mst_ddl_free(&ddl);
    return rc == MST_ENOMEM ? rc : MST_OK;
}

/* Each *.json of directory `d` until the agent is found. */
static int scan_dir(struct search *s, const char *d) {
    DIR *dir = opendir(d);
    if (dir == NULL)
        return MST_OK;
    const struct dirent *e;
    char path[4096];
    int rc = MST_OK;
    for (int n = 0; rc == MST_OK && s->found == NULL && n < MAX_SCAN &&
                    (e = readdir(dir)) != NULL;
         n++) {
        if (e->d_name[0] == '.' || !mst_has_suffix(e->d_name, ".json"))
            continue;
        if (fits(snprintf(path, sizeof path, "%s/%s", d, e->d_name),
                 sizeof path) &&
            is_file(path))
            rc = try_file(s, path, 0);
    }
    closedir(dir);
    return rc;
}

/* The files named for the agent first, then any file that holds it. */
static int search(const struct mst_strv *dirs, struct search *s) {
    char path[4096], d[4096];
    int rc = MST_OK;
    for (int scan = 0; scan <= 1; scan++)
        for (size_t i = 0; dirs != NULL && i < dirs->n; i++)
            for (size_t l = 0; l < N_LAYOUTS; l++) {
                if (rc != MST_OK || s->found != NULL)
                    return rc;
                if (!layout_dir(d, sizeof d, dirs->v[i], l))
                    continue;
                if (scan)
                    rc = scan_dir(s, d);
                else if (ddl_file(d, s->agent, path, sizeof path))
                    rc = try_file(s, path, 1);
            }
    return rc;
}

/* The refusals skipped on the way become warnings of the DDL found. */
static int give_warnings(struct search *s) {
    for (size_t i = 0; i < s->warnings.n; i++)
        if (mst_strv_push(&s->found->warnings, s->warnings.v[i]) != MST_OK)
            return MST_ENOMEM;
    return MST_OK;
}

int mst_ddl_path_find(const struct mst_strv *dirs, const char *agent,
                      struct mst_ddl **ddl_r, struct mst_err *err) {
    if (!agent_name_ok(agent))
        return mst_err_set(err, MST_EINVAL, "\"%.64s\" is not an agent name",
                           agent);
    struct search s = {.agent = agent};
    int rc = search(dirs, &s);
    if (rc == MST_OK && s.found != NULL)
        rc = give_warnings(&s);
    if (rc == MST_OK && s.found != NULL) {
        *ddl_r = s.found;
        s.found = NULL;
    } else if (rc == MST_OK && s.refused > 0) {
        rc = mst_err_set(err, s.first.code, "%s", s.first.msg);
    } else if (rc == MST_OK) {
        rc = mst_err_set(err, MST_ENOTFOUND, "no DDL for agent %s", agent);
    } else {
        mst_err_set(err, rc, "out of memory");
    }
    mst_ddl_free(&s.found);
    mst_strv_free(&s.warnings);
    return rc;
}

/* ---- listing ---- */

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push_once(struct mst_strv *names, const char *name) {
    for (size_t i = 0; i < names->n; i++)
        if (strcmp(names->v[i], name) == 0)
            return MST_OK;
    return mst_strv_push(names, name);
}

/* The agent in DDL file `path`: its metadata.name, or, when the file is
 * refused, the name of the file, so `muster help NAME` can say why. */
static int list_file(const char *path, const char *file_name,
                     struct mst_strv *names) {
    struct mst_ddl *ddl = NULL;
    int rc = mst_ddl_load_file(path, &ddl, NULL);
    if (rc == MST_OK)
        rc = push_once(names, ddl->name);
    else if (rc != MST_ENOMEM)
        rc = agent_name_ok(file_name) ? push_once(names, file_name) : MST_OK;
    mst_ddl_free(&ddl);
    return rc;
}

static int list_dir(const char *d, struct mst_strv *names) {
    DIR *dir = opendir(d);
    if (dir == NULL)
        return MST_OK;
    const struct dirent *e;
    int rc = MST_OK;
    char path[4096];
    for (int n = 0; rc == MST_OK && n < MAX_SCAN && (e = readdir(dir)) != NULL;
         n++) {
        char name[MST_DDL_MAX_NAME + 6];
        if (e->d_name[0] == '.' ||
            mst_strlcpy(name, e->d_name, sizeof name) >= sizeof name)
            continue;
        if (mst_has_suffix(name, ".json"))
            name[strlen(name) - 5] = '\0';
        if (agent_name_ok(name) && ddl_file(d, name, path, sizeof path))
            rc = list_file(path, name, names);
    }
    closedir(dir);
    return rc;
}

int mst_ddl_path_list(const struct mst_strv *dirs, struct mst_strv *names_r) {
    char d[4096];
    for (size_t i = 0; dirs != NULL && i < dirs->n; i++)
        for (size_t l = 0; l < N_LAYOUTS; l++) {
            if (!layout_dir(d, sizeof d, dirs->v[i], l))
                continue;
            int rc = list_dir(d, names_r);
            if (rc != MST_OK)
                return rc;
        }
    if (names_r->n > 1)
        qsort(names_r->v, names_r->n, sizeof *names_r->v, by_name);
    return MST_OK;
}
