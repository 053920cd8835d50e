/*
 * musterd.h - the daemon's state, shared by its files (main, daemon,
 * dispatch, host).  Like redis's struct redisServer: one instance, owned by
 * main(), only touched by the I/O thread.
 */
#ifndef MST_MUSTERD_H
#define MST_MUSTERD_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "connector.h"
#include "counters.h"
#include "facts.h"
#include "muster_agent.h"
#include "replay.h"
#include "security.h"

struct mst_agent_entry {
    const struct muster_agent *agent;
    const char *origin; /* "builtin" or the path it was loaded from */
};

struct musterd {
    struct mst_config *cfg;
    struct mst_security *sec;
    struct mst_replay *replay; /* request ids inside their window */
    struct mst_connector *conn;
    struct mst_facts *facts;
    struct mst_counters counters;
    struct muster_host host;
    struct mst_agent_entry *agents;
    size_t n_agents;
    struct mst_strv agent_names; /* the same agents' names, for filters */
    int64_t started_ms;      /* wall clock, for uptime */
    int foreground;
    volatile sig_atomic_t stop; /* SIGTERM/SIGINT */
    volatile sig_atomic_t hup;  /* SIGHUP: reopen logs */
};

/*
 * musterd_run - connect, declare, and serve until d->stop.  Returns MST_OK
 * after a clean stop, or the status of a failure that cannot be retried.
 */
int musterd_run(struct musterd *d);

/*
 * musterd_dispatch - handle one delivery body: decode, verify, check time,
 * filter, run the agent and publish the reply.  Never fails: every outcome
 * is counted and logged.
 */
void musterd_dispatch(struct musterd *d, struct mst_bytes body);

/* musterd_host_init - fill d->host with the services agents may use. */
void musterd_host_init(struct musterd *d);

/* musterd_find_agent - the registered agent called `name`, or NULL. */
const struct muster_agent *musterd_find_agent(const struct musterd *d,
                                              const char *name);

/* musterd_register_builtin - register the agents compiled into musterd. */
int musterd_register_builtin(struct musterd *d, struct mst_err *err);

#endif
