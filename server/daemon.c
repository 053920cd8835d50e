/*
 * daemon.c - the I/O loop: connect, declare, consume, dispatch, reconnect.
 *
 * One thread owns the connection.  Requests are acknowledged as they are
 * taken: in the same write as the reply of an inline action, else before
 * the loop could block, one ack per run of requests (flush_acks); the
 * broker's prefetch bounds how many wait in our socket.  They are handled
 * in order; built-in actions are quick and run inline, the others in
 * worker processes (worker.c) whose pipes this loop polls with the broker
 * socket, so that nothing here waits for an agent.  While the broker is
 * away the loop keeps serving the workers between reconnection attempts.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <string.h>

#include "daemon.h"

#include "authz.h"
#include "base/log.h"
#include "base/status.h"
#include "connector.h"
#include "dispatch.h"
#include "musterd.h"
#include "notify.h"
#include "policy/audit.h"
#include "refresh.h"
#include "registration.h"
#include "worker.h"

/* How long one poll may block, so that signals and heartbeats are served
 * promptly (heartbeats of 1 s and more). */
#define POLL_MS 500
/* The broker socket and the workers' descriptors. */
#define MAX_FDS (1 + MUSTERD_WORKER_MAX_FDS)

static int make_connector(struct musterd *d, struct mst_err *err) {
    char name[300];
    snprintf(name, sizeof name, "musterd@%s", d->cfg->identity);
    struct mst_connector_options o = {
        .urls = &d->cfg->broker_urls,
        .heartbeat_s = d->cfg->broker_heartbeat,
        .prefetch = d->cfg->broker_prefetch,
        .connection_name = name,
        .tls_ca = d->cfg->security_ca,
        .tls_cert = d->cfg->security_cert,
        .tls_key = d->cfg->security_key,
        .queue_max_length = d->cfg->broker_queue_max_length,
        .queue_overflow = d->cfg->broker_queue_overflow,
        /* No request may live longer: nothing older is worth a worker. */
        .queue_ttl_ms = d->cfg->security_max_ttl_ms,
        .reconnect_max_ms = d->cfg->broker_reconnect_max_ms,
    };
    return mst_connector_new(&o, &d->conn, err);
}

static void log_connected(const struct musterd *d) {
    char list[512] = "";
    const struct mst_strv *c = &d->cfg->collectives;
    for (size_t i = 0, at = 0; i < c->n && at < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
                               i ? "," : "", c->v[i]);
    MST_LOG(MST_LOG_NOTICE,
            "connected to %s as %s; queue bound for collectives %s",
            mst_connector_url(d->conn), d->cfg->identity, list);
}

/*
 * Tell systemd (Type=notify) where we stand: ready once the queue is bound,
 * so that `systemctl start musterd` returns when the node answers.  READY=1
 * again after a reconnect is harmless.  A failure is only logged: the
 * service manager's business never stops the node.
 */
static void notify(const char *ready, const char *status, const char *what) {
    char state[400];
    struct mst_err err = {0};
    snprintf(state, sizeof state, "%sSTATUS=%s%s", ready, status, what);
    if (musterd_notify(state, &err) != MST_OK)
        MST_LOG(MST_LOG_WARNING, "%s", err.msg);
}

/*
 * One attempt to (re)connect and declare the node topology; on failure the
 * next attempt is due after the connector's backoff.  The loop keeps
 * serving workers in between (serve_offline), so deadlines hold while the
 * broker is away.
 */
static void try_broker(struct musterd *d) {
    struct mst_err err = {0};
    int64_t delay_ms = 0;
    if (mst_connector_retry(d->conn, &delay_ms, &err) == MST_OK) {
        d->retry_at_ms = 0;
        log_connected(d);
        notify("READY=1\n", "connected to ", mst_connector_url(d->conn));
        musterd_registration_connected(d);
        return;
    }
    d->retry_at_ms = mst_now_ms() + delay_ms;
    MST_LOG(MST_LOG_WARNING, "broker: %s; retrying in %.1f s", err.msg,
            (double)delay_ms / 1000.0);
    notify("", "retrying the broker: ", err.msg);
}

/* SIGHUP: reopen the log now; facts reload in the refresh thread. */
static void reload(struct musterd *d) {
    struct mst_err err = {0};
    if (mst_log_reopen(&err) != MST_OK)
        MST_LOG(MST_LOG_ERR, "log: %s", err.msg);
    if (d->audit != NULL && mst_audit_reopen(d->audit, &err) != MST_OK)
        MST_LOG(MST_LOG_ERR, "%s", err.msg);
    musterd_authz_reload(d->authz);
    musterd_refresh_poke(d);
    MST_LOG(MST_LOG_INFO, "SIGHUP: log and audit reopened, policies and "
                          "facts reloading");
}

static void handle(struct musterd *d, const struct mst_message *msg) {
    if (msg->kind != MST_MESSAGE_DELIVERY)
        return;
    musterd_counters_bump(&d->counters, MUSTERD_COUNTER_RECEIVED);
    d->trim_due = 1;
    /* Acknowledged with the reply (in the same write), or by flush_acks()
     * before the loop could block. */
    struct mst_err err = {0};
    if (mst_connector_ack_later(d->conn, msg->delivery_tag, msg->generation,
                                &err) != MST_OK)
        MST_LOG(MST_LOG_WARNING, "ack: %s", err.msg);
    if (msg->oversized) {
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_OVERSIZED);
        MST_LOG(MST_LOG_WARNING,
                "refused a message: body of %llu bytes over the message "
                "cap; dropped unread",
                (unsigned long long)msg->body_size);
        return;
    }
    musterd_dispatch(d, msg->body);
}

/*
 * One ack (AMQP multiple) for every delivery taken and not yet acked by a
 * reply.  Called before the loop could block, and half-way to the prefetch
 * so the broker never stops sending while a run of requests without
 * replies (filtered out, to workers) is being handled.
 */
static void flush_acks(struct musterd *d, int force) {
    unsigned half = (unsigned)d->cfg->broker_prefetch / 2;
    struct mst_err err = {0};
    if (mst_connector_flush_acks(d->conn, force ? 1 : half, &err) != MST_OK)
        MST_LOG(MST_LOG_WARNING, "ack: %s", err.msg);
}

/* Broker away: serve the workers until the next attempt is due. */
static void serve_offline(struct musterd *d) {
    int64_t left = d->retry_at_ms - mst_now_ms();
    int cap = left <= 0 ? 0 : left < POLL_MS ? (int)left : POLL_MS;
    musterd_worker_poll(d, cap);
    if (!d->stop && mst_now_ms() >= d->retry_at_ms)
        try_broker(d);
}

/*
 * Quiet for a whole poll after handling requests: give the heap pages a
 * burst freed back to the kernel (glibc keeps them otherwise; about
 * 130 kB after 20,000 pipelined requests).  Once per quiet spell.
 */
static void trim_after_load(struct musterd *d) {
    if (!d->trim_due)
        return;
    d->trim_due = 0;
    malloc_trim(0);
}

/*
 * Wait for the broker socket or a worker (never longer than POLL_MS or the
 * nearest worker deadline), serve the workers, then take at most one
 * message.  Returns mst_connector_consume's result.
 */
static int serve_once(struct musterd *d, struct mst_err *err) {
    struct pollfd fds[MAX_FDS];
    fds[0] = (struct pollfd){.fd = mst_connector_fd(d->conn), .events = POLLIN};
    size_t n = musterd_worker_fds(d, fds + 1, MAX_FDS - 1);
    int buffered = mst_connector_has_buffered(d->conn);
    flush_acks(d, !buffered);
    /* With messages already read and no worker to watch, go straight on. */
    if (!buffered || n > 0) {
        int wait = buffered ? 0 : musterd_worker_wait_ms(d, POLL_MS);
        int ready = poll(fds, n + 1, wait);
        if (ready < 0 && errno != EINTR)
            MST_LOG(MST_LOG_WARNING, "poll: %s", strerror(errno));
        if (ready == 0 && wait == POLL_MS)
            trim_after_load(d);
        musterd_worker_service(d, fds + 1, n);
    }
    /* Even when the socket is quiet: the library sends heartbeats here. */
    struct mst_message msg;
    int rc = mst_connector_consume(d->conn, 0, &msg, err);
    if (rc > 0) {
        handle(d, &msg);
        mst_connector_release(d->conn, &msg);
    }
    return rc;
}

int musterd_run(struct musterd *d) {
    struct mst_err err = {0};
    if (make_connector(d, &err) != MST_OK) {
        MST_LOG(MST_LOG_ERR, "broker: %s", err.msg);
        return MST_ECONFIG;
    }
    /* Records the topology for every (re)connection; there is none yet. */
    int rc = mst_connector_declare_node(d->conn, d->cfg->identity,
                                        &d->cfg->collectives, &err);
    if (rc != MST_OK && rc != MST_ECONNECT) {
        MST_LOG(MST_LOG_ERR, "broker: %s", err.msg);
        return MST_ECONFIG;
    }
    try_broker(d);
    while (!d->stop) {
        if (d->hup) {
            d->hup = 0;
            reload(d);
        }
        if (musterd_refresh_take(d))
            musterd_registration_changed(d);
        musterd_registration_tick(d);
        if (d->retry_at_ms != 0) {
            serve_offline(d);
            continue;
        }
        if (serve_once(d, &err) < 0 && !d->stop) {
            MST_LOG(MST_LOG_WARNING, "broker connection lost: %s", err.msg);
            musterd_counters_bump(&d->counters, MUSTERD_COUNTER_RECONNECTS);
            try_broker(d);
        }
    }
    notify("STOPPING=1\n", "stopping", "");
    musterd_worker_stop(d);
    MST_LOG(MST_LOG_INFO, "stopping: every request was answered, nothing is "
                          "queued inside musterd");
    return MST_OK;
}
