/*
 * host.c - the services musterd offers its agents (struct muster_host) and
 * the registry of agents.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "mst_build.h"
#include "musterd.h"
#include "wire/request.h"
#include "base/status.h"
#include "base/util.h"
#include "ddl/load.h"

extern const struct muster_agent mst_rpcutil_agent;
extern const char mst_rpcutil_ddl[]; /* agents/embed_ddl.py */
extern const size_t mst_rpcutil_ddl_len;

static void host_log(const struct muster_host *host, int level,
                     const char *fmt, ...) {
    (void)host;
    if (level > mst_log_threshold)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mst_log_write(level, "agent: %s", line);
}

static json_t *agents_json(const struct musterd *d) {
    json_t *a = json_array();
    for (size_t i = 0; i < d->n_agents; i++) {
        const struct muster_agent *ag = d->agents[i].agent;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "agent",
                                           ag->name, "version", ag->version,
                                           "origin", d->agents[i].origin));
    }
    return a;
}

/* Resident set size in kB from /proc/self/statm (pages * page size). */
static long rss_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static json_t *stats_json(const struct musterd *d) {
    json_t *o = mst_counters_json(&d->counters);
    int64_t now = mst_wall_ms();
    json_object_set_new(o, "pid", json_integer(getpid()));
    json_object_set_new(o, "uptime", json_integer((now - d->started_ms) / 1000));
    json_object_set_new(o, "starttime", json_integer(d->started_ms / 1000));
    json_object_set_new(o, "rss_kb", json_integer(rss_kb()));
    json_object_set_new(o, "version", json_string(MST_VERSION));
    return o;
}

static json_t *host_query(const struct muster_host *host, const char *topic) {
    const struct musterd *d = host->daemon;
    if (strcmp(topic, "identity") == 0)
        return json_string(d->cfg->identity);
    if (strcmp(topic, "version") == 0)
        return json_string(MST_VERSION);
    if (strcmp(topic, "collectives") == 0)
        return mst_strv_to_json(&d->cfg->collectives);
    if (strcmp(topic, "agents") == 0)
        return agents_json(d);
    if (strcmp(topic, "facts") == 0)
        return json_deep_copy(mst_facts_root(d->facts));
    if (strcmp(topic, "classes") == 0)
        return mst_strv_to_json(&d->classes);
    if (strcmp(topic, "stats") == 0)
        return stats_json(d);
    if (strncmp(topic, "fact:", 5) == 0) {
        const json_t *v = mst_facts_get(d->facts, topic + 5);
        return v ? json_deep_copy(v) : json_null();
    }
    if (strcmp(topic, "main_collective") == 0)
        return json_string(d->cfg->collectives.v[0]);
    return NULL;
}

void musterd_host_init(struct musterd *d) {
    d->host.abi_version = MUSTER_AGENT_ABI_VERSION;
    d->host.struct_size = sizeof d->host;
    d->host.log = host_log;
    d->host.query = host_query;
    d->host.daemon = d;
}

const struct mst_agent_entry *musterd_find_agent(const struct musterd *d,
                                                 const char *name) {
    for (size_t i = 0; i < d->n_agents; i++)
        if (strcmp(d->agents[i].agent->name, name) == 0)
            return &d->agents[i];
    return NULL;
}

int musterd_register_agent(struct musterd *d, struct mst_agent_entry *e,
                           struct mst_err *err) {
    const struct mst_agent_entry *old = musterd_find_agent(d, e->agent->name);
    if (old != NULL)
        return mst_err_set(err, MST_EINVAL, "agent %s is already loaded from %s",
                           e->agent->name, old->origin);
    struct mst_agent_entry *v =
        realloc(d->agents, (d->n_agents + 1) * sizeof *v);
    if (v == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    d->agents = v;
    if (mst_strv_push(&d->agent_names, e->agent->name) != MST_OK)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    d->agents[d->n_agents++] = *e;
    MST_LOG(MST_LOG_INFO, "agent %s %s loaded (%s)", e->agent->name,
            e->agent->version ? e->agent->version : "", e->origin);
    memset(e, 0, sizeof *e);
    return MST_OK;
}

struct muster_call musterd_call_of(const struct mst_request *req) {
    return (struct muster_call){
        .id = req->id,
        .agent = req->agent,
        .action = req->action,
        .caller = req->caller,
        .sender = req->sender,
        .collective = req->collective,
        .ttl = req->ttl_s,
        .data = req->data,
    };
}

void musterd_agent_entry_clear(struct mst_agent_entry *e) {
    mst_ddl_free(&e->ddl);
    if (e->handle != NULL)
        dlclose(e->handle);
    free(e->made);
    free(e->path);
    memset(e, 0, sizeof *e);
}

const struct muster_action *musterd_find_action(const struct muster_agent *a,
                                                const char *name) {
    for (const struct muster_action *x = a->actions; x && x->name; x++)
        if (strcmp(x->name, name) == 0)
            return x;
    return NULL;
}

int musterd_register_builtin(struct musterd *d, struct mst_err *err) {
    struct mst_ddl *ddl = NULL;
    int rc = mst_ddl_load_text(mst_rpcutil_ddl, mst_rpcutil_ddl_len,
                               "rpcutil.json (built in)", &ddl, err);
    struct mst_agent_entry e = {
        .agent = &mst_rpcutil_agent,
        .origin = "builtin",
        .ddl = ddl,
        .kind = MST_AGENT_BUILTIN,
    };
    if (rc == MST_OK)
        rc = musterd_register_agent(d, &e, err);
    mst_ddl_free(&e.ddl);
    return rc;
}

void musterd_free_agents(struct musterd *d) {
    for (size_t i = d->n_agents; i-- > 0;)
        musterd_agent_entry_clear(&d->agents[i]);
    free(d->agents);
    d->agents = NULL;
    d->n_agents = 0;
    mst_strv_free(&d->agent_names);
}
