/*
 * authz.c - policy files per agent, cached and reloaded on change.
 */
#include "authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/log.h"
#include "base/status.h"
#include "policy/groups.h"
#include "policy/policy.h"

/* What decides for one agent: the file last seen and what it held. */
struct entry {
    char *agent;
    char path[4096];           /* the file in force ("" when none) */
    struct stat seen;          /* of that file when last read */
    struct mst_policy *policy; /* last good version, or NULL */
    int broken;                /* the file in force does not parse */
};

/* POLICY_DIR/groups, shared by every agent's policy. */
struct groups_file {
    char path[4096];
    struct stat seen;          /* when last read; zero: not yet / gone */
    struct mst_groups *groups; /* last good version, or NULL */
    int broken;                /* does not parse and never did */
};

struct musterd_authz {
    char *dir;
    int default_allow;
    struct groups_file groups;
    struct entry *entries;
    size_t n;
};

struct musterd_authz *musterd_authz_new(const char *policy_dir,
                                        int default_allow) {
    struct musterd_authz *az = calloc(1, sizeof *az);
    if (az == NULL)
        return NULL;
    az->default_allow = default_allow;
    if (policy_dir != NULL && (az->dir = strdup(policy_dir)) == NULL) {
        free(az);
        return NULL;
    }
    if (policy_dir != NULL)
        snprintf(az->groups.path, sizeof az->groups.path, "%s/groups",
                 policy_dir);
    return az;
}

static void entry_clear(struct entry *e) {
    free(e->agent);
    mst_policy_free(&e->policy);
    memset(e, 0, sizeof *e);
}

void musterd_authz_free(struct musterd_authz **az) {
    if (az == NULL || *az == NULL)
        return;
    for (size_t i = 0; i < (*az)->n; i++)
        entry_clear(&(*az)->entries[i]);
    free((*az)->entries);
    mst_groups_free(&(*az)->groups.groups);
    free((*az)->dir);
    free(*az);
    *az = NULL;
}

int musterd_authz_enabled(const struct musterd_authz *az) {
    return az->dir != NULL;
}

void musterd_authz_reload(struct musterd_authz *az) {
    for (size_t i = 0; i < az->n; i++)
        memset(&az->entries[i].seen, 0, sizeof az->entries[i].seen);
    az->groups.broken = 0;
    memset(&az->groups.seen, 0, sizeof az->groups.seen);
}

static struct entry *find_entry(struct musterd_authz *az, const char *agent) {
    for (size_t i = 0; i < az->n; i++)
        if (strcmp(az->entries[i].agent, agent) == 0)
            return &az->entries[i];
    struct entry *v = realloc(az->entries, (az->n + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    az->entries = v;
    struct entry *e = &v[az->n];
    memset(e, 0, sizeof *e);
    if ((e->agent = strdup(agent)) == NULL)
        return NULL;
    az->n++;
    return e;
}

/* The file that governs `agent` now, with its stat; "" when none. */
static void governing_file(const struct musterd_authz *az, const char *agent,
                           char *path, size_t size, struct stat *st) {
    snprintf(path, size, "%s/%s.policy", az->dir, agent);
    if (stat(path, st) == 0)
        return;
    snprintf(path, size, "%s/default.policy", az->dir);
    if (stat(path, st) == 0)
        return;
    path[0] = '\0';
    memset(st, 0, sizeof *st);
}

/*
 * Read the file anew; keep the last good version of it on a parse error.
 * Returns 1 when a new version was loaded.
 */
static int refresh(struct entry *e, const char *path, const struct stat *st) {
    int same_path = strcmp(e->path, path) == 0;
    if (!same_path)
        mst_policy_free(&e->policy);
    snprintf(e->path, sizeof e->path, "%s", path);
    e->seen = *st;
    e->broken = 0;
    if (path[0] == '\0')
        return 0;
    struct mst_policy *p = NULL;
    struct mst_err err = {0};
    if (mst_policy_load(path, &p, &err) == MST_OK) {
        mst_policy_free(&e->policy);
        e->policy = p;
        MST_LOG(MST_LOG_INFO, "authorization: loaded %s for agent %s", path,
                e->agent);
        return 1;
    }
    e->broken = e->policy == NULL;
    MST_LOG(MST_LOG_ERR, "authorization: %s; %s", err.msg,
            e->broken ? "denying every request for this agent until it is "
                        "fixed"
                      : "keeping the version loaded before");
    return 0;
}

/*
 * Read the groups file again when it changed (inode, size, mtime).  Gone:
 * no groups.  Broken: the last good version stays; with none, the groups
 * file is broken and every request is denied until it is fixed.  Returns 1
 * when the groups in force changed.
 */
static int refresh_groups(struct groups_file *g) {
    struct stat st;
    if (stat(g->path, &st) != 0)
        memset(&st, 0, sizeof st);
    int gone = st.st_ino == 0;
    if (mst_file_same(&st, &g->seen) && !(gone && g->groups != NULL))
        return 0; /* unchanged; SIGHUP zeroes `seen`, so a gone file is too */
    g->seen = st;
    g->broken = 0;
    if (gone) {
        mst_groups_free(&g->groups);
        return 1;
    }
    struct mst_groups *fresh = NULL;
    struct mst_err err = {0};
    if (mst_groups_load(g->path, &fresh, &err) == MST_OK) {
        mst_groups_free(&g->groups);
        g->groups = fresh;
        MST_LOG(MST_LOG_INFO, "authorization: loaded %s", g->path);
        return 1;
    }
    g->broken = g->groups == NULL;
    MST_LOG(MST_LOG_ERR, "authorization: %s; %s", err.msg,
            g->broken ? "denying every request until it is fixed"
                      : "keeping the version loaded before");
    return 0;
}

/* A group name of e's policy that the groups file lacks matches nobody. */
static void warn_undefined_groups(const struct musterd_authz *az,
                                  const struct entry *e) {
    int line = 0;
    const char *name =
        e->policy != NULL
            ? mst_policy_undefined_group(e->policy, az->groups.groups, &line)
            : NULL;
    if (name != NULL)
        MST_LOG(MST_LOG_WARNING,
                "authorization: %s:%d: group '%s' is not defined in %s, so "
                "it matches nobody",
                e->path, line, name, az->groups.path);
}

int musterd_authz_check(struct musterd_authz *az, const char *agent,
                        const char *action, const char *caller,
                        const struct mst_filter_target *node, char *why,
                        size_t why_len) {
    if (az->dir == NULL)
        return 1;
    struct entry *e = find_entry(az, agent);
    if (e == NULL) {
        snprintf(why, why_len, "out of memory");
        return 0;
    }
    char path[sizeof e->path];
    struct stat st;
    governing_file(az, agent, path, sizeof path, &st);
    int loaded =
        (strcmp(path, e->path) != 0 || !mst_file_same(&st, &e->seen)) &&
        refresh(e, path, &st);
    if (refresh_groups(&az->groups))
        for (size_t i = 0; i < az->n; i++)
            warn_undefined_groups(az, &az->entries[i]);
    else if (loaded)
        warn_undefined_groups(az, e);
    if (az->groups.broken) {
        snprintf(why, why_len, "%s does not parse (fail closed)",
                 az->groups.path);
        return 0;
    }
    if (e->broken) {
        snprintf(why, why_len, "%s does not parse (fail closed)", e->path);
        return 0;
    }
    if (e->policy == NULL) {
        snprintf(why, why_len, "no policy file; authorization.default");
        return az->default_allow;
    }
    struct mst_policy_request req = {caller, action, node, az->groups.groups};
    struct mst_policy_decision d =
        mst_policy_check(e->policy, &req, az->default_allow);
    if (d.line > 0)
        snprintf(why, why_len, "%s:%d", e->path, d.line);
    else
        snprintf(why, why_len, "%s: policy default", e->path);
    return d.allow;
}
