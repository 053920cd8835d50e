/*
 * registry.c - the agents musterd serves, in load order.
 */
#include "registry.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/status.h"
#include "ddl/load.h"
#include "musterd.h"
#include "rpcutil/rpcutil.h"

const struct musterd_agent_entry *musterd_find_agent(const struct musterd *d,
                                                     const char *name) {
    for (size_t i = 0; i < d->n_agents; i++)
        if (strcmp(d->agents[i].agent->name, name) == 0)
            return &d->agents[i];
    return NULL;
}

int musterd_register_agent(struct musterd *d, struct musterd_agent_entry *e,
                           struct mst_err *err) {
    const struct musterd_agent_entry *old =
        musterd_find_agent(d, e->agent->name);
    if (old != NULL)
        return mst_err_set(err, MST_EINVAL,
                           "agent %s is already loaded from %s", e->agent->name,
                           old->origin);
    struct musterd_agent_entry *v =
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

void musterd_agent_entry_clear(struct musterd_agent_entry *e) {
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
    struct musterd_agent_entry e = {
        .agent = &mst_rpcutil_agent,
        .origin = "builtin",
        .ddl = ddl,
        .kind = MUSTERD_AGENT_BUILTIN,
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
