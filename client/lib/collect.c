/*
 * collect.c - registrations and polls into the inventory store.
 *
 * The queue collector takes deliveries one at a time, opens each with a
 * client-role security provider (so only a server certificate whose CN is
 * the sender passes, exactly as for replies), puts it inside the open
 * transaction and remembers its delivery tag.  A batch ends after
 * inventory.batch messages, after BATCH_MS, or when the queue is quiet;
 * then the transaction is committed and, only then, every delivery in it
 * is acknowledged with one multiple ack.
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
#include "security/security.h"

#define WAIT_MS 200       /* one consume: how quickly a stop is seen */
#define BATCH_MS 1000     /* a batch is committed at least this often */
#define QUIET_MAX_MS 2000 /* one-shot: give up on a backlog that vanished */

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

/* One transaction's worth of deliveries. */
struct batch {
    size_t n;     /* messages in it */
    int open;     /* mst_store_begin was called */
    int have_tag; /* a delivery to acknowledge */
    uint64_t tag; /* the last one */
    unsigned generation;
    int64_t started_ms; /* mst_now_ms of its first message */
};

struct queue_run {
    const struct mst_config *cfg;
    struct mst_store *st;
    struct mst_security *sec;
    struct mst_connector *conn;
    const struct mst_collect_handlers *h;
    struct mst_collect_stats *stats;
    struct batch b;
};

static void refused(struct queue_run *r, const char *why) {
    r->stats->refused++;
    if (r->h && r->h->refused)
        r->h->refused(r->h->ud, why);
}

static void stored(const struct mst_collect_handlers *h, const char *who,
                   int full) {
    if (h && h->stored)
        h->stored(h->ud, who, full);
}

/* Verify and put one delivery.  Fails only for the store's trouble. */
static int store_one(struct queue_run *r, const struct mst_message *msg,
                     struct mst_err *err) {
    char why[MST_ERR_LEN + 64];
    if (msg->oversized) {
        snprintf(why, sizeof why,
                 "registration refused: %llu bytes, over the message cap",
                 (unsigned long long)msg->body_size);
        refused(r, why);
        return MST_OK;
    }
    struct mst_registration reg = {0};
    char signer[MST_SIGNER_LEN];
    struct mst_err e = {0};
    if (mst_registration_open(r->sec, msg->body, &reg, signer, &e) != MST_OK) {
        snprintf(why, sizeof why, "registration refused: %s", e.msg);
        refused(r, why);
        return MST_OK;
    }
    int rc = mst_store_put(r->st, &reg, mst_wall_ms(), err);
    if (rc == MST_OK) {
        r->stats->stored++;
        stored(r->h, reg.sender, mst_registration_full(&reg));
    } else if (rc == MST_ENOTFOUND) {
        r->stats->unknown++; /* its next full body will tell */
        rc = MST_OK;
    }
    mst_registration_clear(&reg);
    return rc;
}

static int take(struct queue_run *r, const struct mst_message *msg,
                struct mst_err *err) {
    r->stats->received++;
    if (!r->b.open) {
        int rc = mst_store_begin(r->st, err);
        if (rc != MST_OK)
            return rc;
        r->b.open = 1;
        r->b.started_ms = mst_now_ms();
    }
    int rc = store_one(r, msg, err);
    if (rc != MST_OK)
        return rc;
    r->b.n++;
    r->b.have_tag = 1;
    r->b.tag = msg->delivery_tag;
    r->b.generation = msg->generation;
    return MST_OK;
}

/*
 * Commit, then acknowledge.  A delivery from a connection since lost
 * cannot be acked: the broker gives it again and it is put again.
 * Returns the store's failure, or MST_ECONNECT for a connection lost while
 * acking (the batch is safe in the store either way).
 */
static int commit(struct queue_run *r, struct mst_err *err) {
    if (!r->b.open)
        return MST_OK;
    int rc = mst_store_commit(r->st, err);
    if (rc != MST_OK)
        return rc;
    r->stats->batches++;
    struct batch done = r->b;
    memset(&r->b, 0, sizeof r->b);
    if (!done.have_tag)
        return MST_OK;
    rc = mst_connector_ack_through(r->conn, done.tag, done.generation, err);
    return rc == MST_ENOTFOUND ? MST_OK : rc;
}

static int batch_due(const struct queue_run *r) {
    return r->b.open && (r->b.n >= (size_t)r->cfg->inventory_batch ||
                         mst_now_ms() - r->b.started_ms >= BATCH_MS);
}

static int connect_queue(struct queue_run *r, struct mst_err *err) {
    const struct mst_config *cfg = r->cfg;
    char name[300];
    snprintf(name, sizeof name, "muster-collect@%s", cfg->identity);
    struct mst_connector_options co = {
        .urls = &cfg->broker_urls,
        .heartbeat_s = cfg->broker_heartbeat,
        .prefetch = cfg->inventory_batch, /* a whole batch in flight */
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
    int rc = mst_security_new(&so, &r->sec, err);
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
                rc = commit(r, err);
        } else if (got == 0) {
            quiet_ms += WAIT_MS;
            rc = commit(r, err);
        } else {
            rc = lost(r, follow, stop, err);
        }
        if (rc == MST_ECONNECT && follow)
            rc = lost(r, follow, stop, err);
    }
    if (rc == MST_OK)
        rc = commit(r, err);
    return rc;
}

int mst_collect_queue(const struct mst_config *cfg, struct mst_store *st,
                      int follow, volatile sig_atomic_t *stop,
                      const struct mst_collect_handlers *h,
                      struct mst_collect_stats *stats, struct mst_err *err) {
    struct queue_run r = {.cfg = cfg, .st = st, .h = h, .stats = stats};
    int rc = connect_queue(&r, err);
    if (rc == MST_OK)
        rc = drain(&r, follow, stop, err);
    /* An uncommitted batch dies with the handle: SQLite rolls it back and
     * the broker redelivers what was not acknowledged. */
    mst_connector_free(&r.conn);
    mst_security_free(&r.sec);
    return rc;
}

/* ---- polling ----------------------------------------------------------- */

static json_t *agents_of(const json_t *names) {
    json_t *a = json_array();
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n) {
        if (!json_is_string(n) ||
            json_array_append_new(
                a, json_pack("{s:O, s:s}", "name", n, "version", "")) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int mst_collect_from_inventory(const char *sender, int64_t time_ms,
                               const json_t *data, struct mst_registration *reg,
                               struct mst_err *err) {
    const char *version = json_string_value(json_object_get(data, "version"));
    json_int_t uptime = json_integer_value(json_object_get(data, "uptime"));
    reg->sender = strdup(sender);
    reg->version = strdup(version ? version : "");
    reg->time_ms = time_ms;
    reg->started_ms = time_ms - (int64_t)uptime * 1000;
    if (reg->started_ms < 0 || uptime < 0)
        reg->started_ms = 0;
    reg->interval_s = 0; /* a poll promises nothing */
    reg->collectives = json_incref(json_object_get(data, "collectives"));
    reg->facts = json_incref(json_object_get(data, "facts"));
    reg->classes = json_incref(json_object_get(data, "classes"));
    reg->agents = agents_of(json_object_get(data, "agents"));
    int rc = MST_EINVAL;
    if (reg->sender && reg->version && reg->facts && reg->classes &&
        reg->agents && json_is_object(reg->facts) &&
        json_is_array(reg->classes))
        rc = mst_registration_digest(reg->facts, reg->classes, reg->agents,
                                     reg->digest, err);
    if (rc == MST_OK)
        rc = mst_registration_check(reg, err);
    if (rc != MST_OK) {
        mst_registration_clear(reg);
        return mst_err_set(err, MST_EINVAL,
                           "inventory of %.100s: not what a node sends",
                           sender);
    }
    return MST_OK;
}

struct poll_run {
    struct mst_store *st;
    const struct mst_collect_handlers *h;
    struct mst_collect_stats *stats;
    struct mst_strv answered; /* sorted at the end */
    int rc;                   /* the first store failure */
    struct mst_err err;
};

static void on_answer(void *ud, const struct mst_reply *rep, const char *signer,
                      int64_t rtt_us) {
    (void)signer, (void)rtt_us;
    struct poll_run *p = ud;
    struct mst_registration reg = {0};
    struct mst_err e = {0};
    mst_strv_push(&p->answered, rep->sender);
    if (rep->status != MUSTER_OK) {
        p->stats->failed++;
        return;
    }
    if (mst_collect_from_inventory(rep->sender, rep->time_ms, rep->data, &reg,
                                   &e) != MST_OK) {
        p->stats->refused++;
        if (p->h && p->h->refused)
            p->h->refused(p->h->ud, e.msg);
        return;
    }
    int rc =
        p->rc == MST_OK ? mst_store_put(p->st, &reg, mst_wall_ms(), &e) : p->rc;
    if (rc == MST_OK) {
        p->stats->stored++;
        stored(p->h, reg.sender, 1);
    } else if (p->rc == MST_OK) {
        p->rc = rc;
        p->err = e;
    }
    mst_registration_clear(&reg);
}

static void on_invalid(void *ud, const char *why) {
    struct poll_run *p = ud;
    p->stats->refused++;
    if (p->h && p->h->refused)
        p->h->refused(p->h->ud, why);
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every expected node that did not answer, into the store. */
static int record_missed(struct poll_run *p, const struct mst_strv *expected,
                         struct mst_err *err) {
    qsort(p->answered.v, p->answered.n, sizeof *p->answered.v, cmp_name);
    int64_t now = mst_wall_ms();
    for (size_t i = 0; expected != NULL && i < expected->n; i++) {
        const char *who = expected->v[i];
        if (p->answered.n > 0 && bsearch(&who, p->answered.v, p->answered.n,
                                         sizeof *p->answered.v, cmp_name))
            continue;
        int rc = mst_store_missed(p->st, who, now, err);
        if (rc != MST_OK)
            return rc;
        p->stats->missed++;
        if (p->h && p->h->missed)
            p->h->missed(p->h->ud, who);
    }
    return MST_OK;
}

int mst_collect_poll(const struct mst_config *cfg, struct mst_store *st,
                     const json_t *filter, const struct mst_strv *nodes,
                     const struct mst_strv *expected,
                     const struct mst_collect_handlers *h,
                     struct mst_collect_stats *stats, struct mst_err *err) {
    struct mst_client *cl = NULL;
    int rc = mst_client_new(cfg, &cl, err);
    if (rc != MST_OK)
        return rc;
    struct poll_run p = {.st = st, .h = h, .stats = stats};
    struct mst_call_spec spec = {.agent = "rpcutil",
                                 .action = "inventory",
                                 .filter = filter,
                                 .nodes = nodes};
    struct mst_call_handlers ch = {
        .reply = on_answer, .invalid = on_invalid, .ud = &p};
    struct mst_call_stats cs = {0};
    rc = mst_store_begin(st, err);
    if (rc == MST_OK)
        rc = mst_client_call(cl, &spec, &ch, &cs, err);
    if (rc == MST_OK && p.rc != MST_OK)
        rc = mst_err_set(err, p.rc, "%s", p.err.msg);
    if (rc == MST_OK)
        rc = record_missed(
            &p, expected != NULL && expected->n > 0 ? expected : nodes, err);
    if (rc == MST_OK)
        rc = mst_store_commit(st, err);
    if (rc == MST_OK)
        stats->batches++;
    mst_call_stats_clear(&cs);
    mst_strv_free(&p.answered);
    mst_client_free(&cl);
    return rc;
}
