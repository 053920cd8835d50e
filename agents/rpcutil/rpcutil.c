/*
 * rpcutil.c - the agent every node has: liveness, inventory, facts and the
 * daemon's own statistics.  Built into musterd, with the plugin ABI.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "muster/agent.h"
#include "rpcutil/rpcutil.h"

static int ping(const struct muster_host *host, const struct muster_call *call,
                json_t *reply, char *msg, size_t msg_len) {
    (void)host, (void)call, (void)msg, (void)msg_len;
    json_object_set_new(reply, "pong", json_integer((json_int_t)time(NULL)));
    return MUSTER_OK;
}

/* Copy topics from the host into the reply under the same names. */
static void add_topics(const struct muster_host *host, json_t *reply,
                       const char *const *topics) {
    for (; *topics != NULL; topics++)
        json_object_set_new(reply, *topics, host->query(host, *topics));
}

static json_t *agent_names(const struct muster_host *host) {
    json_t *agents = host->query(host, "agents");
    json_t *names = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(agents, i, a) {
        json_array_append(names, json_object_get(a, "agent"));
    }
    json_decref(agents);
    return names;
}

static int inventory(const struct muster_host *host,
                     const struct muster_call *call, json_t *reply, char *msg,
                     size_t msg_len) {
    (void)call, (void)msg, (void)msg_len;
    static const char *const topics[] = {
        "identity", "version", "collectives", "main_collective",
        "facts",    "classes", NULL};
    add_topics(host, reply, topics);
    json_object_set_new(reply, "agents", agent_names(host));
    json_t *stats = host->query(host, "stats");
    json_object_set(reply, "uptime", json_object_get(stats, "uptime"));
    json_decref(stats);
    return MUSTER_OK;
}

static int get_fact(const struct muster_host *host,
                    const struct muster_call *call, json_t *reply, char *msg,
                    size_t msg_len) {
    const char *name = json_string_value(json_object_get(call->data, "fact"));
    if (name == NULL) {
        snprintf(msg, msg_len, "missing input 'fact'");
        return MUSTER_MISSING_DATA;
    }
    char topic[300];
    snprintf(topic, sizeof topic, "fact:%s", name);
    json_object_set_new(reply, "fact", json_string(name));
    json_object_set_new(reply, "value", host->query(host, topic));
    return MUSTER_OK;
}

/* "facts" is a comma-separated list of names, as Choria's rpcutil takes. */
static int get_facts(const struct muster_host *host,
                     const struct muster_call *call, json_t *reply, char *msg,
                     size_t msg_len) {
    const char *list = json_string_value(json_object_get(call->data, "facts"));
    if (list == NULL) {
        snprintf(msg, msg_len, "missing input 'facts'");
        return MUSTER_MISSING_DATA;
    }
    json_t *values = json_object();
    char topic[300];
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n > 0 && n < sizeof topic - 5) {
            snprintf(topic, sizeof topic, "fact:%.*s", (int)n, p);
            json_object_set_new(values, topic + 5, host->query(host, topic));
        }
        p += n + (p[n] == ',');
    }
    json_object_set_new(reply, "values", values);
    return MUSTER_OK;
}

static int daemon_stats(const struct muster_host *host,
                        const struct muster_call *call, json_t *reply,
                        char *msg, size_t msg_len) {
    (void)call, (void)msg, (void)msg_len;
    json_t *stats = host->query(host, "stats");
    json_object_update(reply, stats);
    json_decref(stats);
    json_object_set_new(reply, "agents", agent_names(host));
    return MUSTER_OK;
}

static int agent_inventory(const struct muster_host *host,
                           const struct muster_call *call, json_t *reply,
                           char *msg, size_t msg_len) {
    (void)call, (void)msg, (void)msg_len;
    json_object_set_new(reply, "agents", host->query(host, "agents"));
    return MUSTER_OK;
}

static int collective_info(const struct muster_host *host,
                           const struct muster_call *call, json_t *reply,
                           char *msg, size_t msg_len) {
    (void)call, (void)msg, (void)msg_len;
    static const char *const topics[] = {"collectives", "main_collective",
                                         NULL};
    add_topics(host, reply, topics);
    return MUSTER_OK;
}

static const struct muster_action actions[] = {
    {"ping", ping},
    {"inventory", inventory},
    {"get_fact", get_fact},
    {"get_facts", get_facts},
    {"daemon_stats", daemon_stats},
    {"agent_inventory", agent_inventory},
    {"collective_info", collective_info},
    {NULL, NULL},
};

const struct muster_agent mst_rpcutil_agent = {
    .abi_version = MUSTER_AGENT_ABI_VERSION,
    .struct_size = sizeof(struct muster_agent),
    .name = "rpcutil",
    .version = "1.0.0",
    .activate = NULL,
    .actions = actions,
};
