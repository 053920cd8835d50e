/*
 * musterd.h - the daemon's state, shared by its files (main, daemon,
 * dispatch, host).  Like redis's struct redisServer: one instance, owned by
 * main(), only touched by the I/O thread.
 */
#ifndef MST_MUSTERD_H
#define MST_MUSTERD_H

#include <signal.h>
#include <stdint.h>

#include "base/config.h"
#include "connector.h"
#include "ddl/ddl.h"
#include "counters.h"
#include "external.h"
#include "targeting/facts.h"
#include "muster/agent.h"
#include "security/replay.h"
#include "security/security.h"

/* How an agent's actions run (docs/agents.md, "Isolation"). */
enum mst_agent_kind {
    MST_AGENT_BUILTIN,  /* compiled in, trusted, runs inline */
    MST_AGENT_PLUGIN,   /* a .so; each action in a forked worker */
    MST_AGENT_EXTERNAL, /* an executable; a worker runs it per action */
};

struct mst_agent_entry {
    const struct muster_agent *agent;
    const char *origin;   /* "builtin" or the path it was loaded from */
    struct mst_ddl *ddl;  /* owned; every request is validated with it */
    enum mst_agent_kind kind;
    char *path;           /* owned: the .so or executable; NULL if builtin */
    void *handle;         /* owned: dlopen handle of a plugin, else NULL */
    struct muster_agent *made; /* owned: an external agent's descriptor */
};

struct musterd_refresh; /* refresh.c */
struct musterd_pool;    /* worker.c */
struct mst_request;
struct mst_audit;
struct mst_authz;

struct musterd {
    struct mst_config *cfg;
    struct mst_security *sec;
    struct mst_replay *replay; /* request ids inside their window */
    struct mst_authz *authz;   /* policies (authz.c) */
    struct mst_audit *audit;   /* NULL without audit.file */
    struct mst_connector *conn;
    struct mst_facts *facts;     /* replaced by musterd_refresh_take() */
    struct mst_strv classes;     /* from classes_file; likewise */
    struct musterd_refresh *refresh;
    struct musterd_pool *pool;   /* actions running in worker processes */
    struct mst_counters counters;
    struct muster_host host;
    struct mst_agent_entry *agents;
    size_t n_agents;
    struct mst_strv agent_names; /* the same agents' names, for filters */
    struct musterd_ext_user ext_user; /* agents.run_as, resolved */
    int64_t started_ms;      /* wall clock, for uptime */
    int foreground;
    uint64_t ack_tag;         /* the last delivery taken, not yet acked */
    unsigned ack_generation;  /* its connection */
    unsigned ack_pending;     /* deliveries taken since the last ack */
    int64_t retry_at_ms;      /* broker away: next attempt (mst_now_ms);
                                 0 while connected */
    volatile sig_atomic_t stop; /* SIGTERM/SIGINT */
    volatile sig_atomic_t hup;  /* SIGHUP: reopen logs, reload facts */
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

/*
 * musterd_find_agent - the registered agent called `name` with its DDL, or
 * NULL.  Borrowed from `d`.
 */
const struct mst_agent_entry *musterd_find_agent(const struct musterd *d,
                                                 const char *name);

/* musterd_register_builtin - register the agents compiled into musterd. */
int musterd_register_builtin(struct musterd *d, struct mst_err *err);

/*
 * musterd_register_agent - add `e` to the registry, taking over what it
 * owns (ddl, path, handle, made) and zeroing *e; on failure (MST_ENOMEM,
 * MST_EINVAL for a name already registered) *e is left to the caller.
 */
int musterd_register_agent(struct musterd *d, struct mst_agent_entry *e,
                           struct mst_err *err);

/*
 * musterd_call_of - what an action handler is told of `req` (its caller is
 * the verified one by then); the strings are borrowed from `req`.
 */
struct muster_call musterd_call_of(const struct mst_request *req);

/*
 * musterd_agent_entry_clear - free what `e` owns (DDL, plugin handle,
 * external descriptor, path) and zero it.
 */
void musterd_agent_entry_clear(struct mst_agent_entry *e);

/* musterd_find_action - `a`'s handler for `name`, or NULL. */
const struct muster_action *musterd_find_action(const struct muster_agent *a,
                                                const char *name);

/*
 * musterd_dispatch_done - a request that ran in a worker finished: log,
 * reply and audit it.  `req` stays the caller's; `data` (may be NULL) is
 * taken over.
 */
void musterd_dispatch_done(struct musterd *d, const struct mst_request *req,
                           const struct mst_agent_entry *entry, int status,
                           const char *statusmsg, json_t *data,
                           int64_t arrived_us);

/*
 * musterd_load_knowledge - load facts (files, then facts.dir) and classes
 * as `cfg` says.  Returns MST_OK with new objects in *facts_r and
 * *classes_r (empty on entry), or an error naming the broken source.
 * Thread-safe.
 */
int musterd_load_knowledge(const struct mst_config *cfg,
                           struct mst_facts **facts_r,
                           struct mst_strv *classes_r, struct mst_err *err);

/*
 * musterd_refresh_start - start the thread that reloads facts and classes
 * every facts.refresh and on musterd_refresh_poke().  Returns MST_OK or
 * MST_ENOMEM.  Stop it with musterd_refresh_stop() before freeing d->cfg.
 */
int musterd_refresh_start(struct musterd *d, struct mst_err *err);

/* musterd_refresh_poke - reload now (SIGHUP).  Does not wait. */
void musterd_refresh_poke(struct musterd *d);

/*
 * musterd_refresh_take - I/O thread only: if a reload finished, put its
 * facts and classes in place and free the old ones.  Never blocks on a
 * load in progress.
 */
void musterd_refresh_take(struct musterd *d);

/* musterd_refresh_stop - stop and join the thread; drops a pending load. */
void musterd_refresh_stop(struct musterd *d);
/*
 * musterd_free_agents - release the registry (agents and their DDLs), in
 * reverse load order, closing plugins.
 */
void musterd_free_agents(struct musterd *d);

#endif
