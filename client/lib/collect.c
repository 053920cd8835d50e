/*
 * collect.c - registrations and polls into the inventory store.
 *
 * The queue collector gathers deliveries into a batch (inventory.batch
 * messages, or fewer after BATCH_MS or when the queue is quiet), opens
 * them together on every CPU (opener.h) with a client-role security
 * provider (so only a server certificate whose CN is the sender passes,
 * exactly as for replies), puts them in one transaction and, only once it
 * is committed, acknowledges every delivery in it with one multiple ack.
 * Two batches are in flight: while one is opened in the background, the
 * one opened before it is stored and the next one fills.
 */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "client.h"
#include "connector.h"
#include "known.h"
#include "opener.h"
#include "security/security.h"

#define WAIT_MS 200       /* one consume: how quickly a stop is seen */
#define BATCH_MS 1000     /* a batch is committed at least this often */
#define QUIET_MAX_MS 2000 /* one-shot: give up on a backlog that vanished */
#define UPKEEP_MS 60000   /* --follow: stale marks and pruning, at most */
#define DAY_MS (86400 * 1000LL)

/* ---- the lock ---------------------------------------------------------- */

int mst_collect_lock(const char *db, int *fd_r, struct mst_err *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s.lock", db) >= (int)sizeof path)
        return mst_err_set(err, MST_EINVAL, "%s: path too long", db);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return mst_err_set(err, MST_EBUSY,
                               "%s: another muster collect is running on "
                               "this store; this one stops",
                               path);
        return mst_err_set(err, MST_EIO, "%s: %s", path, strerror(e));
    }
    *fd_r = fd;
    return MST_OK;
}

/* ---- the queue --------------------------------------------------------- */

/*
 * One transaction's worth of deliveries: their bodies are copied (the
 * connector reuses its buffer for the next one) and opened together.
 */
struct batch {
    struct mst_bytes *bodies; /* owned copies; len 0 for oversized */
    uint64_t *oversized;      /* the announced size, or 0 */
    struct mst_opened *opened;
    size_t n, cap;
    int have_tag; /* a delivery to acknowledge */
    uint64_t tag; /* the last one */
    unsigned generation;
    int64_t started_ms; /* mst_now_ms of its first message */
};

struct queue_run {
    const struct mst_config *cfg;
    struct mst_store *st;
    struct mst_security *sec;
    struct mst_known *known; /* the store's bodies, and its certificates when
                                so->known points here */
    struct mst_connector *conn;
    const struct mst_collect_handlers *h;
    struct mst_collect_stats *stats;
    unsigned threads;
    int64_t upkept_ms; /* mst_now_ms of the last upkeep; 0: none yet */
    struct batch b;    /* filling with deliveries */
    struct batch open; /* being opened by `opener` (when n > 0) */
    struct mst_opener opener;
};

/* The store's upkeep (stale nodes, history retention) in a transaction of
 * its own; the history's age bound is inventory.history_days. */
static int upkeep(struct mst_store *st, const struct mst_config *cfg,
                  struct mst_err *err) {
    int rc = mst_store_begin(st, err);
    if (rc == MST_OK)
        rc = mst_store_expire(st, mst_wall_ms(),
                              cfg->inventory_history_days * DAY_MS, err);
    if (rc == MST_OK)
        rc = mst_store_commit(st, err);
    return rc;
}

/* --follow: at a quiet moment, at most every UPKEEP_MS (not while a
 * backlog drains: a node whose registration waits behind others is not
 * stale). */
static int upkeep_due(struct queue_run *r, struct mst_err *err) {
    int64_t now = mst_now_ms();
    if (r->upkept_ms != 0 && now - r->upkept_ms < UPKEEP_MS)
        return MST_OK;
    r->upkept_ms = now;
    return upkeep(r->st, r->cfg, err);
}

static int batch_init(struct batch *b, size_t cap, struct mst_err *err) {
    b->cap = cap;
    b->bodies = calloc(cap, sizeof *b->bodies);
    b->oversized = calloc(cap, sizeof *b->oversized);
    b->opened = calloc(cap, sizeof *b->opened);
    if (b->bodies == NULL || b->oversized == NULL || b->opened == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    return MST_OK;
}

/* Forget the batch's messages (not its arrays). */
static void batch_reset(struct batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        free((void *)b->bodies[i].ptr);
        b->bodies[i] = (struct mst_bytes){0};
        b->oversized[i] = 0;
        mst_registration_clear(&b->opened[i].reg);
        b->opened[i].rc = MST_OK;
    }
    b->n = 0;
    b->have_tag = 0;
}

static void batch_free(struct batch *b) {
    batch_reset(b);
    free(b->bodies);
    free(b->oversized);
    free(b->opened);
    memset(b, 0, sizeof *b);
}

static void refused(struct queue_run *r, const char *why) {
    char line[MST_ERR_LEN + 32];
    snprintf(line, sizeof line, "registration refused: %s", why);
    r->stats->refused++;
    if (r->h && r->h->refused)
        r->h->refused(r->h->ud, line);
}

static void stored(const struct mst_collect_handlers *h, const char *who,
                   int full) {
    if (h && h->stored)
        h->stored(h->ud, who, full);
}

/*
 * Put a registration.  A body kept as bytes (the store had it when the
 * message was opened) is read after all when the store has another one
 * by now: a body of the same node stored since, in the batch before.
 */
static int put(struct queue_run *r, struct mst_registration *reg, int64_t now,
               struct mst_err *err) {
    int rc = mst_store_put(r->st, reg, now, err);
    if (rc != MST_ENOTFOUND || reg->body.len == 0)
        return rc;
    rc = mst_registration_expand(reg, err);
    return rc == MST_OK ? mst_store_put(r->st, reg, now, err) : rc;
}

/* Put one opened message (or count its refusal).  Fails only for the
 * store's trouble. */
static int store_one(struct queue_run *r, size_t i, int64_t now,
                     struct mst_err *err) {
    struct mst_opened *o = &r->b.opened[i];
    if (r->b.oversized[i] > 0) {
        char why[64];
        snprintf(why, sizeof why, "%llu bytes, over the message cap",
                 (unsigned long long)r->b.oversized[i]);
        refused(r, why);
        return MST_OK;
    }
    if (o->rc != MST_OK) {
        refused(r, o->why);
        return MST_OK;
    }
    int rc = put(r, &o->reg, now, err);
    if (rc == MST_EDECODE) { /* a kept body that does not read */
        refused(r, err->msg);
        return MST_OK;
    }
    if (rc == MST_OK) {
        r->stats->stored++;
        stored(r->h, o->reg.sender, mst_registration_full(&o->reg));
    } else if (rc == MST_ENOTFOUND) {
        r->stats->unknown++; /* its next full body will tell */
        rc = MST_OK;
    }
    return rc;
}

/* Keep a copy of the delivery for the batch. */
static int take(struct queue_run *r, const struct mst_message *msg,
                struct mst_err *err) {
    struct batch *b = &r->b;
    r->stats->received++;
    if (b->n == 0)
        b->started_ms = mst_now_ms();
    uint8_t *copy = NULL;
    if (msg->oversized) {
        b->oversized[b->n] = msg->body_size ? msg->body_size : 1;
    } else if (msg->body.len > 0) {
        if ((copy = malloc(msg->body.len)) == NULL)
            return mst_err_set(err, MST_ENOMEM, "out of memory");
        memcpy(copy, msg->body.ptr, msg->body.len);
    }
    b->bodies[b->n++] = MST_BYTES(copy, copy ? msg->body.len : 0);
    b->have_tag = 1;
    b->tag = msg->delivery_tag;
    b->generation = msg->generation;
    return MST_OK;
}

/* Put the opened batch in one transaction and commit. */
static int store_batch(struct queue_run *r, struct mst_err *err) {
    int rc = mst_store_begin(r->st, err);
    int64_t now = mst_wall_ms();
    for (size_t i = 0; rc == MST_OK && i < r->b.n; i++)
        rc = store_one(r, i, now, err);
    /* The certificates verified so far, this batch's and perhaps some of
     * the one being opened now: either way already checked in full. */
    if (rc == MST_OK && r->known != NULL)
        rc = mst_known_flush(r->known, r->st, now, err);
    if (rc == MST_OK)
        rc = mst_store_commit(r->st, err);
    if (rc == MST_OK)
        r->stats->batches++;
    return rc;
}

/*
 * Store the batch in `r->b` (opened), then acknowledge it.  A delivery
 * from a connection since lost cannot be acked: the broker gives it again
 * and it is put again.  Returns the store's failure (nothing
 * acknowledged), or MST_ECONNECT for a connection lost while acking (the
 * batch is safe in the store).
 */
static int settle(struct queue_run *r, struct mst_err *err) {
    if (r->b.n == 0)
        return MST_OK;
    int rc = store_batch(r, err);
    uint64_t tag = r->b.tag;
    unsigned generation = r->b.generation;
    batch_reset(&r->b);
    if (rc != MST_OK)
        return rc;
    rc = mst_connector_ack_through(r->conn, tag, generation, err);
    return rc == MST_ENOTFOUND ? MST_OK : rc;
}

/* Wait for the batch being opened, if any. */
static void opened(struct queue_run *r) {
    if (r->open.n > 0)
        mst_opener_wait(&r->opener);
}

/*
 * Move the pipeline on by one: the batch filled so far starts being
 * opened in the background, and the one opened before it is stored
 * meanwhile (its deliveries come before the new one's, so acking it
 * leaves the new one unacknowledged).
 */
static int advance(struct queue_run *r, struct mst_err *err) {
    opened(r);
    struct batch done = r->open;
    r->open = r->b;
    r->b = done;
    if (r->open.n > 0)
        mst_opener_start(&r->opener, r->sec, mst_known_bodies(r->known),
                         r->open.bodies, r->open.n, r->threads, r->open.opened);
    return settle(r, err);
}

/* Store everything taken so far: twice round the pipeline. */
static int commit(struct queue_run *r, struct mst_err *err) {
    int rc = advance(r, err);
    return rc == MST_OK ? advance(r, err) : rc;
}

static int batch_due(const struct queue_run *r) {
    return r->b.n > 0 &&
           (r->b.n >= r->b.cap || mst_now_ms() - r->b.started_ms >= BATCH_MS);
}

/* The store's bodies for the opener, and the store as the x509
 * provider's trusted key source unless inventory.known_certs is off (or
 * no certificates are checked). */
static int known_source(struct queue_run *r, struct mst_security_options *so,
                        struct mst_err *err) {
    int rc = mst_known_new(r->st, &r->known, err);
    if (rc == MST_OK && r->cfg->inventory_known_certs &&
        strcmp(r->cfg->security_provider, "x509") == 0)
        so->known = mst_known_source(r->known);
    return rc;
}

static int connect_queue(struct queue_run *r, struct mst_err *err) {
    const struct mst_config *cfg = r->cfg;
    char name[300];
    snprintf(name, sizeof name, "muster-collect@%s", cfg->identity);
    struct mst_connector_options co = {
        .urls = &cfg->broker_urls,
        .heartbeat_s = cfg->broker_heartbeat,
        /* The next batch flows in while one is being stored. */
        .prefetch = 2 * cfg->inventory_batch,
        .connection_name = name,
        .tls_ca = cfg->security_ca,
        .tls_cert = cfg->security_cert,
        .tls_key = cfg->security_key,
        .queue_max_length = cfg->inventory_queue_max_length,
        /* The newest registration is the one worth keeping. */
        .queue_overflow = "drop-head",
        .reconnect_max_ms = cfg->broker_reconnect_max_ms,
    };
    struct mst_security_options so = {
        .provider = cfg->security_provider,
        .role = MST_SECURITY_CLIENT, /* verifies server certificates */
        .ca = cfg->security_ca,
        .cert = cfg->security_cert,
        .key = cfg->security_key,
        .cert_cache = cfg->security_cert_cache,
    };
    int rc = known_source(r, &so, err);
    if (rc == MST_OK)
        rc = mst_security_new(&so, &r->sec, err);
    if (rc == MST_OK)
        rc = mst_connector_new(&co, &r->conn, err);
    if (rc == MST_OK)
        rc = mst_connector_connect(r->conn, err);
    if (rc == MST_OK)
        rc = mst_connector_declare_collector(r->conn, cfg->inventory_queue,
                                             &cfg->collectives, err);
    return rc;
}

/* The connection is gone: keep what was verified, then (follow) retry. */
static int lost(struct queue_run *r, int follow, volatile sig_atomic_t *stop,
                struct mst_err *err) {
    struct mst_err ignored = {0};
    int rc = commit(r, &ignored);
    if (rc != MST_OK && rc != MST_ECONNECT)
        return mst_err_set(err, rc, "%s", ignored.msg);
    if (!follow)
        return err ? err->code : MST_ECONNECT;
    rc = mst_connector_reconnect(r->conn, stop, err);
    return rc == MST_ESTOPPED ? MST_OK : rc;
}

static int drain(struct queue_run *r, int follow, volatile sig_atomic_t *stop,
                 struct mst_err *err) {
    uint64_t backlog = mst_connector_backlog(r->conn), taken = 0;
    int64_t quiet_ms = 0;
    int rc = MST_OK;
    while (rc == MST_OK && !(stop && *stop)) {
        if (!follow && (taken >= backlog || quiet_ms >= QUIET_MAX_MS))
            break;
        struct mst_message msg;
        int got = mst_connector_consume(r->conn, WAIT_MS, &msg, err);
        if (got > 0) {
            taken++;
            quiet_ms = 0;
            rc = take(r, &msg, err);
            mst_connector_release(r->conn, &msg);
            if (rc == MST_OK && batch_due(r))
                rc = advance(r, err);
        } else if (got == 0) {
            quiet_ms += WAIT_MS;
            rc = commit(r, err);
            if (rc == MST_OK && follow)
                rc = upkeep_due(r, err);
        } else {
            rc = lost(r, follow, stop, err);
        }
        if (rc == MST_ECONNECT && follow)
            rc = lost(r, follow, stop, err);
    }
    if (rc == MST_OK)
        rc = commit(r, err);
    /* A one-shot run ends with the backlog stored: now, who is stale. */
    if (rc == MST_OK && !follow)
        rc = upkeep(r->st, r->cfg, err);
    return rc;
}

int mst_collect_queue(const struct mst_config *cfg, struct mst_store *st,
                      int follow, volatile sig_atomic_t *stop,
                      const struct mst_collect_handlers *h,
                      struct mst_collect_stats *stats, struct mst_err *err) {
    struct queue_run r = {.cfg = cfg,
                          .st = st,
                          .h = h,
                          .stats = stats,
                          .threads = mst_opener_threads()};
    int rc = batch_init(&r.b, (size_t)cfg->inventory_batch, err);
    if (rc == MST_OK)
        rc = batch_init(&r.open, (size_t)cfg->inventory_batch, err);
    if (rc == MST_OK)
        rc = connect_queue(&r, err);
    if (rc == MST_OK)
        rc = drain(&r, follow, stop, err);
    opened(&r); /* a failure may leave a batch being opened */
    batch_free(&r.b);
    batch_free(&r.open);
    /* An uncommitted batch dies with the handle: SQLite rolls it back and
     * the broker redelivers what was not acknowledged. */
    mst_connector_free(&r.conn);
    mst_security_free(&r.sec);
    if (r.known != NULL)
        mst_known_counts(r.known, &stats->certs_known, &stats->certs_verified);
    mst_known_free(&r.known); /* after the provider that calls it */
    return rc;
}
