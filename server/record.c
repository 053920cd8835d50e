/*
 * record.c - audit lines and policy checks for the dispatcher.
 */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>

#include "authz.h"
#include "base/log.h"
#include "base/status.h"
#include "base/util.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "musterd.h"
#include "policy/audit.h"

void musterd_audit(struct musterd *d, const struct mst_request *req,
                   const struct mst_ddl_action *act, const char *decision,
                   const char *reason, int status, int64_t start_us) {
    if (d->audit == NULL)
        return;
    json_t *data = NULL;
    if (req != NULL && req->data != NULL)
        data = act ? mst_ddl_inputs_redact(act, req->data)
                   : json_incref(req->data);
    int64_t now_us = mst_now_us();
    struct mst_audit_record r = {
        .time_ms = mst_wall_ms() - (now_us - start_us) / 1000,
        .id = req && req->id[0] ? req->id : NULL,
        .caller = req ? req->caller : NULL,
        .sender = req ? req->sender : NULL,
        .collective = req ? req->collective : NULL,
        .agent = req ? req->agent : NULL,
        .action = req ? req->action : NULL,
        .data = data,
        .decision = decision,
        .reason = reason,
        .status = status,
        .duration_ms = (now_us - start_us) / 1000,
    };
    int was_healthy = mst_audit_healthy(d->audit);
    struct mst_err err = {0};
    if (mst_audit_write(d->audit, &r, &err) != MST_OK) {
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_AUDIT_FAILED);
        if (was_healthy)
            MST_LOG(MST_LOG_ERR, "%s; requests %s", err.msg,
                    d->cfg->audit_required ? "are refused until it works "
                                             "again"
                                           : "go on unaudited");
    } else if (!was_healthy) {
        MST_LOG(MST_LOG_NOTICE, "audit log writable again");
    }
    json_decref(data);
}

int musterd_audit_blocks(const struct musterd *d) {
    return d->audit != NULL && d->cfg->audit_required &&
           !mst_audit_healthy(d->audit);
}

int musterd_authorised(struct musterd *d, const struct mst_request *req,
                       char *why, size_t why_len) {
    struct mst_filter_target node = {
        .identity = d->cfg->identity,
        .facts = d->facts,
        .classes = &d->classes,
        .agents = &d->agent_names,
        .semantics = mst_expr_semantics(d->cfg->filter_semantics),
    };
    return musterd_authz_check(d->authz, req->agent, req->action, req->caller,
                               &node, why, why_len);
}

int musterd_expired_before_run(struct musterd *d, const struct mst_request *req,
                               int64_t waited_ms, char *msg, size_t msg_len) {
    struct mst_err err = {0};
    /* The clocks' rule (skew allowed), and one no clock can stretch: the
     * client waits deadline - time in all, so a request that waited
     * longer than that here alone comes too late whatever the skew. */
    int late = mst_request_check_time(req, mst_wall_ms(),
                                      d->cfg->security_skew_ms, &err) != MST_OK;
    if (!late && mst_request_deadline_first(req))
        late = waited_ms > req->deadline_ms - req->time_ms;
    if (!late)
        return 0;
    musterd_counters_bump(&d->counters, MUSTERD_COUNTER_EXPIRED_IN_QUEUE);
    /* Name the limit that ran out: the ttl, or the client's own timeout
     * (the deadline it signed), whichever came first. */
    int by_deadline = mst_request_deadline_first(req);
    int64_t limit_ms =
        by_deadline ? req->deadline_ms - req->time_ms : req->ttl_ms;
    snprintf(msg, msg_len,
             "%s/%s expired before it could run (waited %g s in the node's "
             "queue; %s %g s)",
             req->agent, req->action, (double)(waited_ms / 100) / 10,
             by_deadline ? "the client's timeout" : "ttl",
             (double)limit_ms / 1000);
    MST_LOG(MST_LOG_WARNING, "request %s from %s@%s: %s", req->id, req->caller,
            req->sender, msg);
    return 1;
}
