/*
 * host.c - the services musterd offers its agents (struct muster_host).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

#include "base/log.h"
#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "mst_build.h"
#include "musterd.h"
#include "registry.h"
#include "targeting/facts.h"

static void host_log(const struct muster_host *host, int level, const char *fmt,
                     ...) {
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
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "agent", ag->name,
                                           "version", ag->version, "origin",
                                           d->agents[i].origin));
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
    json_t *o = musterd_counters_json(&d->counters);
    int64_t now = mst_wall_ms();
    /* Requests the broker dropped before we could see them. */
    json_object_set_new(
        o, "dropped", json_integer((json_int_t)mst_connector_dropped(d->conn)));
    json_object_set_new(o, "pid", json_integer(getpid()));
    json_object_set_new(o, "uptime",
                        json_integer((now - d->started_ms) / 1000));
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
