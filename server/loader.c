/*
 * loader.c - find, check, activate and register agents from agents.dir.
 */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "base/log.h"
#include "base/status.h"
#include "base/util.h"
#include "ddl/load.h"
#include "external.h"
#include "musterd.h"
#include "registry.h"
#include "worker.h"

/* Why external agents cannot run here (agents.run_as), or "". */
static char user_problem[MST_ERR_LEN];

/* Activation checks are meant to be quick: Choria allows 2 s as well. */
#define ACTIVATE_MS 2000

/* Every refusal is one line naming the file: what an operator greps for. */
static int refuse(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int refuse(const char *path, const char *fmt, ...) {
    char why[MST_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    MST_LOG(MST_LOG_ERR, "%s: %s; agent not loaded", path, why);
    return MST_OK;
}

/*
 * The DDL at `ddl_path` for the agent at `path`, which must name agent
 * `name`.  Returns 1 with *ddl_r, or 0 after refusing the agent.
 */
static int load_ddl_file(const char *ddl_path, const char *name,
                         const char *path, struct mst_ddl **ddl_r) {
    struct mst_err err = {0};
    if (mst_ddl_load_file(ddl_path, ddl_r, &err) != MST_OK) {
        refuse(path, "DDL: %s", err.msg);
        return 0;
    }
    for (size_t i = 0; i < (*ddl_r)->warnings.n; i++)
        MST_LOG(MST_LOG_WARNING, "%s", (*ddl_r)->warnings.v[i]);
    if (strcmp((*ddl_r)->name, name) != 0) {
        refuse(path, "its DDL %s names agent \"%s\", expected \"%s\"", ddl_path,
               (*ddl_r)->name, name);
        mst_ddl_free(ddl_r);
        return 0;
    }
    return 1;
}

/* DIR/NAME.json loaded and named NAME. */
static int load_ddl(const char *dir, const char *name, const char *path,
                    struct mst_ddl **ddl_r) {
    char ddl_path[PATH_MAX];
    snprintf(ddl_path, sizeof ddl_path, "%s/%s.json", dir, name);
    if (access(ddl_path, F_OK) != 0) {
        refuse(path, "no DDL %s beside it", ddl_path);
        return 0;
    }
    return load_ddl_file(ddl_path, name, path, ddl_r);
}

static int keep(struct musterd *d, struct musterd_agent_entry *e) {
    struct mst_err err = {0};
    int rc = musterd_register_agent(d, e, &err);
    if (rc == MST_EINVAL)
        refuse(e->path, "%s", err.msg);
    /* a no-op after registration: *e was zeroed */
    musterd_agent_entry_clear(e);
    return rc == MST_ENOMEM ? rc : MST_OK;
}

/* Exit status 0: active, 1: not active on this node (in a child). */
struct activation {
    struct musterd *d;
    const struct musterd_agent_entry *e;
};

static int activate_plugin(void *arg) {
    const struct activation *a = arg;
    return a->e->agent->activate(&a->d->host) ? 0 : 1;
}

static int activate_external(void *arg) {
    const struct activation *a = arg;
    struct mst_err err = {0};
    int active = 0;
    struct musterd_ext_env env = musterd_action_ext_env(a->d);
    if (musterd_ext_activate(a->e->path, a->e->agent->name, &env, &active,
                             &err) != MST_OK) {
        MST_LOG(MST_LOG_ERR, "%s: activation check: %s", a->e->path, err.msg);
        return 2;
    }
    return !active;
}

/* Register `e` if its activation check says so; frees it otherwise. */
static int activate(struct musterd *d, struct musterd_agent_entry *e,
                    int (*check)(void *)) {
    struct mst_err err = {0};
    struct activation a = {d, e};
    int rc = musterd_worker_isolated(d, check, &a, ACTIVATE_MS, &err);
    if (rc == 0)
        return keep(d, e);
    if (rc == 1)
        MST_LOG(MST_LOG_INFO, "agent %s not active on this node (%s)",
                e->agent->name, e->path);
    else if (rc < 0)
        refuse(e->path, "activation check %s", err.msg);
    else
        refuse(e->path, "activation check failed (status %d)", rc);
    musterd_agent_entry_clear(e);
    return MST_OK;
}

/* Every action the DDL promises needs a handler. */
static const char *unhandled(const struct muster_agent *a,
                             const struct mst_ddl *ddl) {
    for (size_t i = 0; i < ddl->n_actions; i++)
        if (musterd_find_action(a, ddl->actions[i].name) == NULL)
            return ddl->actions[i].name;
    return NULL;
}

/* The descriptor checks, before anything in the plugin is called. */
static int plugin_ok(const char *path, const struct muster_agent *a,
                     const char *name) {
    if (a == NULL)
        return refuse(path, "no muster_agent symbol: not a muster agent, or "
                            "built without exporting it"),
               0;
    if (a->abi_version != MUSTER_AGENT_ABI_VERSION)
        return refuse(path,
                      "agent ABI version %u, musterd has %u: rebuild "
                      "it against this <muster/agent.h>",
                      a->abi_version, MUSTER_AGENT_ABI_VERSION),
               0;
    if (a->struct_size != sizeof *a)
        return refuse(path,
                      "descriptor size %u, musterd expects %zu: "
                      "rebuild it against this <muster/agent.h>",
                      a->struct_size, sizeof *a),
               0;
    if (a->name == NULL || strcmp(a->name, name) != 0)
        return refuse(path, "agent calls itself \"%s\", the file is %s.so",
                      a->name ? a->name : "(null)", name),
               0;
    return 1;
}

static int load_plugin(struct musterd *d, const char *dir, const char *file) {
    char path[PATH_MAX], name[NAME_MAX + 1];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 3), file);
    struct musterd_agent_entry e = {.kind = MUSTERD_AGENT_PLUGIN};
    e.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (e.handle == NULL)
        return refuse(path, "cannot load: %s (check its libraries with ldd)",
                      dlerror());
    e.agent = dlsym(e.handle, "muster_agent");
    e.path = strdup(path);
    e.origin = e.path;
    if (e.path == NULL) {
        musterd_agent_entry_clear(&e);
        return MST_ENOMEM;
    }
    if (!plugin_ok(path, e.agent, name) || !load_ddl(dir, name, path, &e.ddl)) {
        musterd_agent_entry_clear(&e);
        return MST_OK;
    }
    const char *missing = unhandled(e.agent, e.ddl);
    if (missing != NULL) {
        refuse(path, "no handler for action %s of its DDL", missing);
        musterd_agent_entry_clear(&e);
        return MST_OK;
    }
    if (e.agent->activate == NULL)
        return keep(d, &e);
    return activate(d, &e, activate_plugin);
}

/* The executable DIR/NAME, described by the DDL at `ddl_path`. */
static int load_external(struct musterd *d, const char *dir, const char *name,
                         const char *ddl_path) {
    struct musterd_agent_entry e = {.kind = MUSTERD_AGENT_EXTERNAL};
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (user_problem[0] != '\0')
        return refuse(path, "%s", user_problem);
    if (!load_ddl_file(ddl_path, name, path, &e.ddl))
        return MST_OK;
    e.path = strdup(path);
    e.made = calloc(1, sizeof *e.made);
    if (e.path == NULL || e.made == NULL) {
        musterd_agent_entry_clear(&e);
        return MST_ENOMEM;
    }
    e.origin = e.path;
    e.made->abi_version = MUSTER_AGENT_ABI_VERSION;
    e.made->struct_size = sizeof *e.made;
    e.made->name = e.ddl->name;
    e.made->version = e.ddl->version ? e.ddl->version : "0";
    e.agent = e.made;
    return activate(d, &e, activate_external);
}

/* An executable agent DIR/NAME: refused unless it may be run. */
static int load_executable(struct musterd *d, const char *dir, const char *name,
                           const char *ddl_path) {
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return refuse(path, "named by the DDL %s, but no such file", ddl_path);
    if (!mst_is_name(name, NAME_MAX) || (st.st_mode & 0111) == 0)
        return refuse(path,
                      "has a DDL but is not an executable agent "
                      "(mode %o)",
                      (unsigned)(st.st_mode & 07777));
    if (st.st_mode & 0022)
        return refuse(path, "writable by group or others: refusing to run "
                            "it");
    return load_external(d, dir, name, ddl_path);
}

/*
 * DIR/FILE.json whose metadata.name is not FILE (Choria's go_agent.json
 * holding agent "echo"): as Choria does, the agent is the executable
 * DIR/<metadata.name>, unless that has a DDL of its own name.  A DDL
 * named after its agent is handled with the agent's file.
 */
static int load_by_metadata(struct musterd *d, const char *dir,
                            const char *file) {
    char ddl_path[PATH_MAX], own[PATH_MAX];
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    snprintf(ddl_path, sizeof ddl_path, "%s/%s", dir, file);
    size_t base = strlen(file) - strlen(".json");
    if (mst_ddl_load_file(ddl_path, &ddl, &err) != MST_OK)
        return MST_OK; /* refused, if at all, with the agent it describes */
    int other = strlen(ddl->name) != base || strncmp(ddl->name, file, base);
    char name[NAME_MAX + 1];
    mst_strlcpy(name, ddl->name, sizeof name);
    mst_ddl_free(&ddl);
    snprintf(own, sizeof own, "%s/%s.json", dir, name);
    if (!other || access(own, F_OK) == 0)
        return MST_OK;
    return load_executable(d, dir, name, ddl_path);
}

/*
 * NAME.so, an executable NAME (no dot) with a NAME.json beside it, or a
 * DDL naming another executable (load_by_metadata).
 */
static int load_one(struct musterd *d, const char *dir, const char *file) {
    char path[PATH_MAX], ddl[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return MST_OK;
    if (mst_has_suffix(file, ".so"))
        return load_plugin(d, dir, file);
    if (mst_has_suffix(file, ".json"))
        return load_by_metadata(d, dir, file);
    snprintf(ddl, sizeof ddl, "%s/%s.json", dir, file);
    if (strchr(file, '.') != NULL || access(ddl, F_OK) != 0)
        return MST_OK;
    return load_executable(d, dir, file, ddl);
}

int musterd_loader_load(struct musterd *d, struct mst_err *err) {
    const char *dir = d->cfg->agents_dir;
    struct dirent **list = NULL;
    struct mst_err uerr = {0};
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) {
        MST_LOG(MST_LOG_WARNING, "agents.dir %s: %s; only built-in agents", dir,
                strerror(errno));
        return MST_OK;
    }
    user_problem[0] = '\0';
    if (musterd_ext_user_resolve(d->cfg->agents_run_as, &d->ext_user, &uerr) !=
        MST_OK)
        mst_strlcpy(user_problem, uerr.msg, sizeof user_problem);
    int rc = MST_OK;
    for (int i = 0; i < n; i++) {
        if (rc == MST_OK && list[i]->d_name[0] != '.')
            rc = load_one(d, dir, list[i]->d_name);
        free(list[i]);
    }
    free(list);
    if (rc != MST_OK)
        return mst_err_set(err, rc, "out of memory loading agents");
    return MST_OK;
}
