/*
 * dispatch.c - one request: decode -> verify -> freshness -> collective ->
 * filter -> agent -> action -> reply.  Every refusal is counted and logged
 * with its reason; nothing here can stop the daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

#include "action.h"
#include "base/log.h"
#include "base/status.h"
#include "connector.h"
#include "ddl/inputs.h"
#include "musterd.h"
#include "ratelimit.h"
#include "record.h"
#include "registry.h"
#include "security/replay.h"
#include "targeting/filter.h"
#include "wire/reply.h"
#include "wire/request.h"
#include "worker.h"

/* A message being dispatched: the daemon, and when it arrived (for the
 * audit's duration). */
struct inbound {
    struct musterd *d;
    int64_t arrived_us;
};

/* Why a request was not run: the counter, the audit line (with the status
 * answered, -1 for none), the log line. */
static void record_refusal(const struct inbound *in, enum musterd_counter c,
                           const struct mst_request *req, int status,
                           const char *why) {
    musterd_counters_bump(&in->d->counters, c);
    musterd_audit(in->d, req, NULL, "refused", why, status, in->arrived_us);
    MST_LOG(MST_LOG_WARNING, "refused request %s from %s@%s: %s",
            req && req->id[0] ? req->id : "(undecoded)",
            req && req->caller ? req->caller : "?",
            req && req->sender ? req->sender : "?", why);
}

/* A refusal left unanswered: nothing about the request can be trusted,
 * or answering would help no one (a replay, a filter that does not match). */
static void refuse(const struct inbound *in, enum musterd_counter c,
                   const struct mst_request *req, const char *why) {
    record_refusal(in, c, req, -1, why);
}

/* Below, with the reply code it uses. */
static void refuse_with_reply(const struct inbound *in,
                              const struct mst_request *req,
                              enum musterd_counter c, int status,
                              const char *reason);

/*
 * A request that failed verification, decoded only to name who it claims
 * to be from in the log line (the names are unverified, and said to be).
 */
static void refuse_unverified(const struct inbound *in, struct mst_bytes body,
                              const char *why) {
    struct mst_envelope env;
    struct mst_request req = {0};
    char line[MST_ERR_LEN + 64];
    if (mst_envelope_decode(body, NULL, &env, NULL) == MST_OK &&
        mst_request_decode(env.payload, &req, NULL) == MST_OK) {
        snprintf(line, sizeof line, "%s (names unverified)", why);
        refuse(in, MUSTERD_COUNTER_UNVERIFIED, &req, line);
    } else {
        refuse(in, MUSTERD_COUNTER_UNVERIFIED, NULL, why);
    }
    mst_request_clear(&req);
}

/*
 * Refuse an id seen inside its window.  Only requests that passed the
 * signature and time checks get here, so forged ids cannot fill the table;
 * the entry lives until the time check would refuse the request anyway.
 */
static int fresh_id(const struct inbound *in, const struct mst_request *req,
                    int64_t now_ms, int64_t skew_ms) {
    struct mst_err err = {0};
    int64_t expires = req->time_ms + req->ttl_ms + skew_ms;
    int rc =
        mst_replay_check(in->d->replay, req->id, expires + 1, now_ms, &err);
    if (rc == MST_OK)
        return 1;
    if (rc == MST_EFULL || rc == MST_ENOMEM) {
        char why[MST_ERR_LEN + 32];
        snprintf(why, sizeof why, "busy: %s; try again later", err.msg);
        refuse_with_reply(in, req, MUSTERD_COUNTER_REPLAY_FULL, MUSTER_ABORTED,
                          why);
    } else {
        /* the first copy was answered; the caller has that reply */
        refuse(in, MUSTERD_COUNTER_REPLAYED, req, err.msg);
    }
    return 0;
}

static int in_collective(const struct musterd *d, const char *collective) {
    for (size_t i = 0; i < d->cfg->collectives.n; i++)
        if (strcmp(d->cfg->collectives.v[i], collective) == 0)
            return 1;
    return 0;
}

static void send_reply(struct musterd *d, const struct mst_request *req,
                       struct mst_reply *rep) {
    struct mst_err err = {0};
    struct mst_buf out;
    mst_buf_init(&out, 0);
    mst_strlcpy(rep->id, req->id, sizeof rep->id);
    rep->sender = d->cfg->identity;
    rep->time_ms = mst_wall_ms();
    /* The reply queue comes from the signed payload, never from the
     * unsigned AMQP reply_to property. */
    int rc = mst_reply_seal(d->sec, rep, &out, &err);
    if (rc == MST_OK)
        rc = mst_connector_publish_reply(
            d->conn, MST_BYTES(req->reply_to, strlen(req->reply_to)),
            MST_BYTES(req->id, strlen(req->id)), mst_buf_view(&out), &err);
    mst_buf_free(&out);
    rep->sender = NULL; /* borrowed from the config */
    if (rc == MST_OK) {
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_REPLIED);
        return;
    }
    musterd_counters_bump(&d->counters, MUSTERD_COUNTER_REPLY_FAILED);
    MST_LOG(MST_LOG_WARNING, "reply to request %s: %s", req->id, err.msg);
}

/* Answer without running anything: status `status` and message `msg`. */
static void refuse_call(struct mst_reply *rep, int status, const char *msg) {
    rep->status = status;
    rep->data = json_object();
    rep->statusmsg = strdup(msg);
}

/*
 * Refuse a verified request and tell its caller why: the reply queue comes
 * from the signed payload (or the provider is "none"), so the answer goes
 * to whoever really asked, and the operator reads `reason` instead of "no
 * responses".  Counted under `c`, logged and audited with `status`.
 */
static void refuse_with_reply(const struct inbound *in,
                              const struct mst_request *req,
                              enum musterd_counter c, int status,
                              const char *reason) {
    record_refusal(in, c, req, status, reason);
    struct mst_reply rep = {0};
    refuse_call(&rep, status, reason);
    send_reply(in->d, req, &rep);
    mst_reply_clear(&rep);
}

/*
 * Validate the inputs against the agent's DDL before anything runs: a
 * request may come from a client that skipped the check.  Fills `rep` and
 * returns 0 when the call must not run.
 */
static int valid_call(const struct musterd_agent_entry *entry,
                      const struct mst_request *req, struct mst_reply *rep) {
    const struct mst_ddl_action *act = mst_ddl_action(entry->ddl, req->action);
    char msg[MST_ERR_LEN + 64];
    if (act == NULL) {
        snprintf(msg, sizeof msg, "unknown action %s/%s", req->agent,
                 req->action);
        refuse_call(rep, MUSTER_UNKNOWN_ACTION, msg);
        return 0;
    }
    struct mst_err err = {0};
    int rc = mst_ddl_inputs_validate(act, req->data, &err);
    if (rc == MST_OK)
        return 1;
    snprintf(msg, sizeof msg, "%s/%s: %s", req->agent, req->action, err.msg);
    refuse_call(rep, mst_ddl_inputs_rpc_status(rc), msg);
    return 0;
}

/*
 * Everything between a valid request and running it: the agent, its DDL,
 * the policies, the audit trail.  Fills `rep` (with a statusmsg) when the
 * request must not run, and returns the audit decision; `reason` says why.
 */
static const char *decide(struct musterd *d,
                          const struct musterd_agent_entry *entry,
                          const struct mst_request *req, struct mst_reply *rep,
                          char *reason, size_t reason_len) {
    char msg[MST_ERR_LEN + 64];
    if (entry == NULL) {
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_UNKNOWN_AGENT);
        snprintf(msg, sizeof msg, "no agent %s on this node", req->agent);
        refuse_call(rep, MUSTER_UNKNOWN_ACTION, msg);
        mst_strlcpy(reason, msg, reason_len);
        return "refused";
    }
    if (!valid_call(entry, req, rep)) {
        mst_strlcpy(reason, rep->statusmsg, reason_len);
        return "refused";
    }
    if (!musterd_authorised(d, req, reason, reason_len)) {
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_DENIED);
        MST_LOG(MST_LOG_WARNING, "denied request %s %s/%s from %s@%s by %s",
                req->id, req->agent, req->action, req->caller, req->sender,
                reason);
        /* the policy file and line stay in the log and the audit */
        snprintf(msg, sizeof msg, "unauthorised: you may not call %s/%s",
                 req->agent, req->action);
        refuse_call(rep, MUSTER_ABORTED, msg);
        return "denied";
    }
    if (musterd_audit_blocks(d)) {
        snprintf(reason, reason_len,
                 "the audit trail cannot be written "
                 "(audit.required)");
        refuse_call(rep, MUSTER_ABORTED,
                    "refused: this node cannot write "
                    "its audit trail");
        return "refused";
    }
    return "accepted";
}

/*
 * One verified caller may not take more than its share: checked before the
 * replay cache takes the id, so that a flood from one caller cannot fill
 * the cache for the others.  The id is not remembered, so the same request
 * may come again once the caller slows down.
 */
static int within_rate(const struct inbound *in,
                       const struct mst_request *req) {
    struct musterd_ratelimit *rl = in->d->ratelimit;
    if (musterd_ratelimit_take(rl, req->caller, mst_now_ms()))
        return 1;
    char why[MUSTERD_RATELIMIT_NAME + 64];
    snprintf(why, sizeof why, "rate limited: caller %s over %d requests/s",
             req->caller, musterd_ratelimit_rate(rl));
    refuse_with_reply(in, req, MUSTERD_COUNTER_RATE_LIMITED, MUSTER_ABORTED,
                      why);
    return 0;
}

/* Freshness, the caller's rate, replays and the collective: the checks
 * that need the decoded payload. */
static int acceptable(const struct inbound *in, const struct mst_request *req) {
    const struct musterd *d = in->d;
    struct mst_err err = {0};
    int64_t skew_ms = d->cfg->security_skew_ms;
    int64_t now_ms = mst_wall_ms();
    if (req->ttl_ms <= 0 || req->ttl_ms > d->cfg->security_max_ttl_ms) {
        char why[128];
        snprintf(why, sizeof why, "refused: ttl %g s outside 1 to %g s",
                 (double)req->ttl_ms / 1000,
                 (double)d->cfg->security_max_ttl_ms / 1000);
        refuse_with_reply(in, req, MUSTERD_COUNTER_EXPIRED, MUSTER_ABORTED,
                          why);
        return 0;
    }
    if (mst_request_check_time(req, now_ms, skew_ms, &err) != MST_OK) {
        refuse_with_reply(in, req, MUSTERD_COUNTER_EXPIRED, MUSTER_ABORTED,
                          err.msg);
        return 0;
    }
    if (!within_rate(in, req) || !fresh_id(in, req, now_ms, skew_ms))
        return 0;
    if (!in_collective(d, req->collective)) {
        refuse(in, MUSTERD_COUNTER_INVALID, req,
               "not a member of that collective");
        return 0;
    }
    return 1;
}

/*
 * The log line, the audit line and the reply of a request, in that order:
 * a caller who holds a reply can count on its audit line being written.
 */
static void answer(struct musterd *d, const struct mst_request *req,
                   const struct musterd_agent_entry *entry,
                   const char *decision, const char *reason,
                   struct mst_reply *rep, int64_t start_us) {
    MST_LOG(MST_LOG_INFO, "request %s %s/%s from %s@%s: %s%s%s", req->id,
            req->agent, req->action, req->caller, req->sender,
            mst_rpc_status_text(rep->status), rep->status ? ": " : "",
            rep->status && rep->statusmsg ? rep->statusmsg : "");
    musterd_audit(d, req,
                  entry ? mst_ddl_action(entry->ddl, req->action) : NULL,
                  decision, reason[0] ? reason : NULL, rep->status, start_us);
    send_reply(d, req, rep);
}

static int matches(const struct inbound *in, const struct mst_request *req) {
    struct musterd *d = in->d;
    struct mst_err err = {0};
    struct mst_filter_target t = {
        .identity = d->cfg->identity,
        .facts = d->facts,
        .classes = &d->classes,
        .agents = &d->agent_names,
        .semantics = mst_expr_semantics(d->cfg->filter_semantics),
    };
    int rc = mst_filter_match(req->filter, &t, &err);
    if (rc < 0) {
        /* every node would fail the same way: say so rather than leave the
         * operator with silence */
        char why[MST_ERR_LEN + 48];
        snprintf(why, sizeof why,
                 "refused: this node cannot evaluate the "
                 "filter: %s",
                 err.msg);
        refuse_with_reply(in, req, MUSTERD_COUNTER_INVALID, MUSTER_INVALID_DATA,
                          why);
    } else if (rc == 0)
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_FILTERED);
    return rc > 0;
}

/* The reply of a request that ran (inline or in a worker), or that expired
 * before it could: `out` borrowed. */
static void answer_outcome(struct musterd *d, const struct mst_request *req,
                           const struct musterd_agent_entry *entry,
                           const struct musterd_outcome *out, int expired,
                           int64_t arrived_us) {
    struct mst_reply rep = {0};
    rep.status = out->status;
    rep.statusmsg = strdup(out->msg);
    rep.data = out->data ? json_incref(out->data) : json_object();
    answer(d, req, entry, expired ? "expired" : "accepted",
           expired ? out->msg : "", &rep, arrived_us);
    mst_reply_clear(&rep);
}

/* What the worker pool reports, with the arrival time kept for it. */
struct pending {
    struct musterd *d;
    int64_t arrived_us;
};

static void worker_done(void *ud, const struct mst_request *req,
                        const struct musterd_agent_entry *entry,
                        const struct musterd_outcome *out, int expired) {
    struct pending *p = ud;
    answer_outcome(p->d, req, entry, out, expired, p->arrived_us);
    free(p);
}

/*
 * Run an accepted request: built-in agents inline (trusted, microseconds),
 * the others in the worker pool, which answers through worker_done.  Takes
 * over *req.
 */
static void run(const struct inbound *in,
                const struct musterd_agent_entry *entry,
                struct mst_request *req) {
    struct musterd *d = in->d;
    musterd_counters_bump(&d->counters, MUSTERD_COUNTER_DISPATCHED);
    if (entry->kind != MUSTERD_AGENT_BUILTIN) {
        struct pending *p = malloc(sizeof *p);
        if (p != NULL) {
            *p = (struct pending){.d = d, .arrived_us = in->arrived_us};
            musterd_worker_submit(d, entry, req, worker_done, p);
            return;
        }
    }
    struct musterd_outcome out = {0};
    int expired = 0;
    char why[MST_ERR_LEN + 64];
    if (entry->kind != MUSTERD_AGENT_BUILTIN)
        musterd_outcome_set(&out, MUSTER_UNKNOWN_ERROR, "out of memory", NULL);
    else if ((expired = musterd_expired_before_run(
                  d, req, (mst_now_us() - in->arrived_us) / 1000, why,
                  sizeof why)))
        musterd_outcome_set(&out, MUSTER_ABORTED, why, NULL);
    else
        musterd_action_run(d, entry, req, NULL, &out);
    answer_outcome(d, req, entry, &out, expired, in->arrived_us);
    musterd_outcome_clear(&out);
}

void musterd_dispatch(struct musterd *d, struct mst_bytes body) {
    const struct inbound in = {.d = d, .arrived_us = mst_now_us()};
    struct mst_request req = {0};
    struct mst_err err = {0};
    char signer[MST_SIGNER_LEN] = "";
    int rc = mst_request_open(d->sec, body, &req, signer, &err);
    if (rc == MST_ESECURITY) {
        refuse_unverified(&in, body, err.msg);
        return;
    }
    if (rc != MST_OK) {
        refuse(&in, MUSTERD_COUNTER_INVALID, NULL, err.msg);
        return;
    }
    /* The caller a node trusts is the verified signer; "none" trusts the
     * claimed caller, as configured and logged at start-up.  Log lines
     * name the verified caller from here on. */
    if (signer[0] != '\0') {
        char caller[MST_SIGNER_LEN + 8];
        snprintf(caller, sizeof caller, "cert=%s", signer);
        free(req.caller);
        req.caller = strdup(caller);
        if (req.caller == NULL) {
            refuse(&in, MUSTERD_COUNTER_INVALID, NULL, "out of memory");
            goto done;
        }
    }
    if (!acceptable(&in, &req) || !matches(&in, &req))
        goto done;
    musterd_counters_bump(&d->counters, MUSTERD_COUNTER_VALID);
    const struct musterd_agent_entry *entry = musterd_find_agent(d, req.agent);
    struct mst_reply rep = {0};
    char reason[MST_ERR_LEN] = "";
    const char *decision = decide(d, entry, &req, &rep, reason, sizeof reason);
    if (rep.statusmsg == NULL)
        run(&in, entry, &req);
    else
        answer(d, &req, entry, decision, reason, &rep, in.arrived_us);
    mst_reply_clear(&rep);
done:
    mst_request_clear(&req);
}
