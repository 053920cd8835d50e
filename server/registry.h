/*
 * registry.h - the agents musterd serves: built-in ones and those the
 * loader found, each with its DDL, looked up by name for every request.
 * I/O thread only (the registry is complete before the first request).
 */
#ifndef MUSTERD_REGISTRY_H
#define MUSTERD_REGISTRY_H

#include "base/err.h"
#include "ddl/ddl.h"
#include "muster/agent.h"

struct musterd;

/* How an agent's actions run (docs/agents.md, "Isolation"). */
enum musterd_agent_kind {
    MUSTERD_AGENT_BUILTIN,  /* compiled in, trusted, runs inline */
    MUSTERD_AGENT_PLUGIN,   /* a .so; each action in a forked worker */
    MUSTERD_AGENT_EXTERNAL, /* an executable; a worker runs it per action */
};

struct musterd_agent_entry {
    const struct muster_agent *agent;
    const char *origin;  /* "builtin" or the path it was loaded from */
    struct mst_ddl *ddl; /* owned; every request is validated with it */
    enum musterd_agent_kind kind;
    char *path;   /* owned: the .so or executable; NULL if builtin */
    void *handle; /* owned: dlopen handle of a plugin, else NULL */
    struct muster_agent *made; /* owned: an external agent's descriptor */
};

/*
 * musterd_find_agent - the registered agent called `name` with its DDL, or
 * NULL.  Borrowed from `d`.
 */
const struct musterd_agent_entry *musterd_find_agent(const struct musterd *d,
                                                     const char *name);

/* musterd_find_action - `a`'s handler for `name`, or NULL. */
const struct muster_action *musterd_find_action(const struct muster_agent *a,
                                                const char *name);

/* musterd_register_builtin - register the agents compiled into musterd. */
int musterd_register_builtin(struct musterd *d, struct mst_err *err);

/*
 * musterd_register_agent - add `e` to the registry, taking over what it
 * owns (ddl, path, handle, made) and zeroing *e; on failure (MST_ENOMEM,
 * MST_EINVAL for a name already registered) *e is left to the caller.
 */
int musterd_register_agent(struct musterd *d, struct musterd_agent_entry *e,
                           struct mst_err *err);

/*
 * musterd_agent_entry_clear - free what `e` owns (DDL, plugin handle,
 * external descriptor, path) and zero it.
 */
void musterd_agent_entry_clear(struct musterd_agent_entry *e);

/*
 * musterd_free_agents - release the registry (agents and their DDLs), in
 * reverse load order, closing plugins.
 */
void musterd_free_agents(struct musterd *d);

#endif
