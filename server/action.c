/*
 * action.c - one action of one agent, run here and now.
 */
#include "action.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "external.h"
#include "musterd.h"
#include "targeting/facts.h"
#include "wire/reply.h"

void musterd_outcome_set(struct musterd_outcome *out, int status,
                         const char *msg, json_t *data) {
    if (status < MUSTER_OK || status > MUSTER_UNKNOWN_ERROR)
        status = MUSTER_UNKNOWN_ERROR;
    out->status = status;
    if (msg == NULL || msg[0] == '\0')
        msg = mst_rpc_status_text(status);
    mst_strlcpy(out->msg, msg, sizeof out->msg);
    json_decref(out->data);
    out->data = data;
}

void musterd_outcome_clear(struct musterd_outcome *out) {
    json_decref(out->data);
    memset(out, 0, sizeof *out);
}

/*
 * What a handler is told of `req` (its caller is the verified one by
 * then); the strings are borrowed from `req`.  The ABI's ttl is in whole
 * seconds: the edge where the request's milliseconds are converted.
 */
static struct muster_call call_of(const struct mst_request *req) {
    return (struct muster_call){
        .id = req->id,
        .agent = req->agent,
        .action = req->action,
        .caller = req->caller,
        .sender = req->sender,
        .collective = req->collective,
        .ttl = (int)(req->ttl_ms / 1000),
        .data = req->data,
    };
}

/* A built-in or plugin handler through <muster/agent.h>. */
static void run_handler(struct musterd *d, const struct muster_agent *agent,
                        const struct mst_request *req,
                        struct musterd_outcome *out) {
    char msg[sizeof out->msg] = "";
    const struct muster_action *act = musterd_find_action(agent, req->action);
    if (act == NULL) {
        snprintf(msg, sizeof msg, "unknown action %s/%s", req->agent,
                 req->action);
        musterd_outcome_set(out, MUSTER_UNKNOWN_ACTION, msg, NULL);
        return;
    }
    struct muster_call call = call_of(req);
    json_t *data = json_object();
    int status = act->run(&d->host, &call, data, msg, sizeof msg);
    musterd_outcome_set(out, status, msg, data);
}

struct musterd_ext_env musterd_action_ext_env(const struct musterd *d) {
    return (struct musterd_ext_env){
        .user = &d->ext_user,
        .config_file = d->cfg->path,
        .facts = d->facts ? mst_facts_root(d->facts) : NULL,
    };
}

/* An external agent, per Choria's protocol (external.c). */
static void run_external(struct musterd *d,
                         const struct musterd_agent_entry *entry,
                         const struct mst_request *req, const char *dir,
                         struct musterd_outcome *out) {
    struct mst_err err = {0};
    char msg[sizeof out->msg] = "";
    int status = MUSTER_OK;
    json_t *data = NULL;
    struct musterd_ext_env env = musterd_action_ext_env(d);
    if (musterd_ext_rpc(entry->path, req, dir, &env,
                        (size_t)d->cfg->agents_max_output, &status, msg,
                        sizeof msg, &data, &err) != MST_OK) {
        snprintf(msg, sizeof msg, "%s/%s %s", req->agent, req->action, err.msg);
        musterd_outcome_set(out, MUSTER_ABORTED, msg, NULL);
        return;
    }
    musterd_outcome_set(out, status, msg, data);
}

void musterd_action_run(struct musterd *d,
                        const struct musterd_agent_entry *entry,
                        const struct mst_request *req, const char *dir,
                        struct musterd_outcome *out) {
    if (entry->kind == MUSTERD_AGENT_EXTERNAL)
        run_external(d, entry, req, dir, out);
    else
        run_handler(d, entry->agent, req, out);
}
