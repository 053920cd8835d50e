/*
 * doctor.c - musterd --check (doctor.h).  The shared checks live below the
 * daemon (security/certcheck.h, ddl/ddlcheck.h, the connector's probe.h);
 * what only a node has (policies, the audit trail) is checked here.
 */
#include "doctor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/finding.h"
#include "base/status.h"
#include "base/strv.h"
#include "base/util.h"
#include "ddl/ddlcheck.h"
#include "policy/groups.h"
#include "policy/policy.h"
#include "probe.h"
#include "refresh.h"
#include "security/certcheck.h"

#define FIX_POLICY                                                             \
    "fix that line (docs/authorization.md); until then the agent is denied "   \
    "to everyone"

static void print_finding(void *ud, const struct mst_finding *f) {
    const int *verbose = ud;
    if (f->level == MST_FINDING_OK && !*verbose)
        return;
    char line[2048];
    mst_finding_format(f, line, sizeof line);
    puts(line);
}

static struct mst_config *load_config(const char *path,
                                      struct mst_findings *fs) {
    struct mst_config *cfg = NULL;
    struct mst_err err = {0};
    if (mst_config_load(path, MST_CONFIG_SERVER, &cfg, &err) != MST_OK) {
        char fix[PATH_MAX + 64];
        snprintf(fix, sizeof fix, "edit %s (man 5 muster.cfg lists every key)",
                 path);
        mst_findings_add(fs, MST_FINDING_ERROR, "config", fix, "%s", err.msg);
        return NULL;
    }
    mst_findings_add(fs, MST_FINDING_OK, "config", NULL,
                     "%s: every key known and valid", path);
    return cfg;
}

/* One policy file: parses, and names only groups the groups file has. */
static void check_policy(const char *path, const struct mst_groups *groups,
                         struct mst_findings *fs) {
    struct mst_policy *p = NULL;
    struct mst_err err = {0};
    if (mst_policy_load(path, &p, &err) != MST_OK) {
        mst_findings_add(fs, MST_FINDING_ERROR, "policy", FIX_POLICY, "%s",
                         err.msg);
        return;
    }
    int line = 0;
    const char *g = mst_policy_undefined_group(p, groups, &line);
    if (g != NULL)
        mst_findings_add(fs, MST_FINDING_WARNING, "policy",
                         "define it in the groups file, or take it out",
                         "%s:%d: group '%s' is not defined, so it matches "
                         "nobody",
                         path, line, g);
    else
        mst_findings_add(fs, MST_FINDING_OK, "policy", NULL, "%s parses", path);
    mst_policy_free(&p);
}

/* POLICY_DIR/groups, if there is one; NULL without (or broken: reported). */
static struct mst_groups *load_groups(const char *dir,
                                      struct mst_findings *fs) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/groups", dir);
    struct mst_groups *g = NULL;
    struct mst_err err = {0};
    int rc = mst_groups_load(path, &g, &err);
    if (rc != MST_OK && rc != MST_ENOTFOUND)
        mst_findings_add(fs, MST_FINDING_ERROR, "policy",
                         "fix that line; until then every request is denied",
                         "%s", err.msg);
    return g;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_policy(const char *name) {
    size_t n = strlen(name);
    return n > 7 && strcmp(name + n - 7, ".policy") == 0 && name[0] != '.';
}

static void check_policies(const struct mst_config *cfg,
                           struct mst_findings *fs) {
    const char *dir = cfg->authorization_policy_dir;
    if (dir == NULL) {
        mst_findings_add(fs, MST_FINDING_WARNING, "policy",
                         "set authorization.policy_dir (docs/"
                         "authorization.md)",
                         "authorization.policy_dir is not set: every "
                         "verified caller may run every action");
        return;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        mst_findings_add(fs, MST_FINDING_ERROR, "policy",
                         "create it, or point authorization.policy_dir at "
                         "the policies",
                         "%s: %s", dir, strerror(errno));
        return;
    }
    struct mst_groups *groups = load_groups(dir, fs);
    struct mst_strv names = {0};
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (is_policy(e->d_name) && mst_strv_push(&names, e->d_name) != MST_OK)
            break;
    closedir(d);
    if (names.n > 0)
        qsort(names.v, names.n, sizeof *names.v, cmp_names);
    for (size_t i = 0; i < names.n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names.v[i]);
        check_policy(path, groups, fs);
    }
    mst_strv_free(&names);
    mst_groups_free(&groups);
}

/*
 * `path` (the setting `key`) can be appended to: opened for writing
 * without O_CREAT when it exists (nothing is written), else its directory
 * is writable so the daemon can create it.
 */
static void check_writable(const char *path, const char *key,
                           struct mst_findings *fs) {
    char fix[PATH_MAX * 2 + 128];
    snprintf(fix, sizeof fix,
             "let the user musterd runs as write it: touch %s && chmod 640 "
             "%s (and check the disk is not full)",
             path, path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
        close(fd);
        mst_findings_add(fs, MST_FINDING_OK, "files", NULL, "%s %s is writable",
                         key, path);
        return;
    }
    if (errno == ENOENT) {
        char tmp[PATH_MAX];
        mst_strlcpy(tmp, path, sizeof tmp);
        const char *dir = dirname(tmp);
        if (access(dir, W_OK | X_OK) == 0) {
            mst_findings_add(fs, MST_FINDING_OK, "files", NULL,
                             "%s %s can be created", key, path);
            return;
        }
        mst_findings_add(fs, MST_FINDING_ERROR, "files", fix,
                         "%s %s does not exist and its directory %s is not "
                         "writable: %s",
                         key, path, dir, strerror(errno));
        return;
    }
    mst_findings_add(fs, MST_FINDING_ERROR, "files", fix,
                     "%s %s cannot be written: %s", key, path, strerror(errno));
}

/* Facts and classes load as at start-up, where a broken source is fatal
 * (facts.dir executables are run, as the daemon runs them). */
static void check_knowledge(const struct mst_config *cfg,
                            struct mst_findings *fs) {
    struct mst_facts *facts = NULL;
    struct mst_strv classes = {0};
    struct mst_err err = {0};
    if (musterd_load_knowledge(cfg, &facts, &classes, &err) != MST_OK)
        mst_findings_add(fs, MST_FINDING_ERROR, "facts",
                         "fix that source: musterd does not start with a "
                         "broken one",
                         "%s", err.msg);
    else
        mst_findings_add(fs, MST_FINDING_OK, "facts", NULL,
                         "facts and %zu classes load", classes.n);
    mst_facts_free(&facts);
    mst_strv_free(&classes);
}

int musterd_doctor_check(const char *cfg_path, int verbose) {
    struct mst_findings fs = {.fn = print_finding, .ud = &verbose};
    struct mst_config *cfg = load_config(cfg_path, &fs);
    if (cfg != NULL) {
        mst_certcheck_config(cfg, MST_CERT_SERVER, &fs);
        char name[300];
        snprintf(name, sizeof name, "musterd-check@%s", cfg->identity);
        mst_probe_brokers(cfg, name, &fs);
        char *dirs_v[] = {cfg->agents_dir};
        struct mst_strv dirs = {dirs_v, 1};
        mst_ddlcheck_dirs(&dirs, "agents.dir", &fs);
        check_knowledge(cfg, &fs);
        check_policies(cfg, &fs);
        if (cfg->audit_file != NULL)
            check_writable(cfg->audit_file, "audit.file", &fs);
        if (cfg->log_file != NULL)
            check_writable(cfg->log_file, "log.file", &fs);
        mst_config_free(&cfg);
    }
    printf("musterd --check: %u error%s, %u warning%s\n", fs.errors,
           fs.errors == 1 ? "" : "s", fs.warnings, fs.warnings == 1 ? "" : "s");
    fflush(stdout);
    return fs.errors > 0 ? 1 : 0;
}
