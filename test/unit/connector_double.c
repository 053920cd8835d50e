/*
 * connector_double.c - connectors/connector.h in memory, for unit tests.
 * See connector_double.h for what differs from rabbitmq.c and why.
 */
#include "connector_double.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "contract.h"

#define DEFAULT_MAX_BODY (1024u * 1024u)
#define NAME_MAX_LEN MST_CONTRACT_NAME_MAX
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
#define NO_ROUTE 312

/* A queued (or the current) message; every string is an owned copy. */
struct held {
    struct held *next;
    enum mst_message_kind kind;
    uint8_t *body;
    size_t len;
    uint64_t announced; /* the size the message announced */
    char *reply_to, *correlation_id, *routing_key;
    int reply_code;
    int oversized;
    int64_t at_ms; /* available from then on (mst_now_ms) */
};

struct armed {
    int code;
    unsigned times;
};

struct mst_connector {
    size_t max_body;
    char *url; /* the first URL, user info cut out */
    int connected;
    unsigned generation;
    char why_down[MST_ERR_LEN]; /* after mst_double_drop */
    int pipe[2];                /* readable while something is queued */

    int node_declared, reply_declared, collector_declared;
    char *identity;
    struct mst_strv node_collectives, reply_collectives;
    char *node_queue, *reply_queue, *collector_queue;
    unsigned failed_passes;

    struct held *queue;   /* FIFO */
    struct held *current; /* handed out by the last consume */
    uint64_t next_tag;    /* per connection, like a channel's tags */
    uint64_t acked_tag;
    int acked_multiple;
    uint64_t later_tag;   /* mst_connector_ack_later, not yet sent */
    unsigned later_count; /* deliveries it covers */

    struct mst_double_published *pubs;
    size_t n_pubs;
    void (*on_publish)(struct mst_connector *,
                       const struct mst_double_published *, void *);
    void *on_publish_ud;
    void (*on_idle)(struct mst_connector *, void *);
    void *on_idle_ud;
    struct armed armed[MST_DOUBLE_OP_COUNT];
};

static void (*on_new_fn)(struct mst_connector *, void *);
static uint64_t last_ack; /* survives the connector: mst_double_last_ack */
static void *on_new_ud;
static struct mst_connector *latest;

/* ---- small helpers ------------------------------------------------------ */

static char *dup_or_null(const char *s, int *failed) {
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *failed = 1;
    return d;
}

static uint8_t *dup_bytes(struct mst_bytes b, int *failed) {
    uint8_t *d = malloc(b.len ? b.len : 1);
    if (d == NULL)
        *failed = 1;
    else if (b.len > 0)
        memcpy(d, b.ptr, b.len);
    return d;
}

static struct mst_bytes text_view(const char *s) {
    return s ? MST_BYTES(s, strlen(s)) : MST_BYTES(NULL, 0);
}

static int copy_names(struct mst_strv *to, const struct mst_strv *from) {
    struct mst_strv n = {0};
    for (size_t i = 0; i < from->n; i++)
        if (mst_strv_push(&n, from->v[i]) != MST_OK) {
            mst_strv_free(&n);
            return MST_ENOMEM;
        }
    mst_strv_free(to);
    *to = n;
    return MST_OK;
}

/* "amqp://user:pw@host:port/v" -> "amqp://host:port/v" (password hidden) */
static char *display_url(const char *url) {
    const char *auth = strstr(url, "://");
    const char *at = auth ? strchr(auth, '@') : NULL;
    const char *slash = auth ? strchr(auth + 3, '/') : NULL;
    char *d = malloc(strlen(url) + 1);
    if (d == NULL)
        return NULL;
    if (at == NULL || (slash != NULL && slash < at)) {
        strcpy(d, url);
        return d;
    }
    size_t head = (size_t)(auth + 3 - url);
    memcpy(d, url, head);
    strcpy(d + head, at + 1);
    return d;
}

/* ---- the queue and its pipe --------------------------------------------- */

static void held_free(struct held *h) {
    if (h == NULL)
        return;
    free(h->body);
    free(h->reply_to);
    free(h->correlation_id);
    free(h->routing_key);
    free(h);
}

/* Keep the pipe readable exactly while something is queued. */
static void sync_pipe(struct mst_connector *conn) {
    char c;
    while (read(conn->pipe[0], &c, 1) > 0)
        ;
    if (conn->queue != NULL && write(conn->pipe[1], "m", 1) < 0) {
        /* a full pipe is readable already */
    }
}

static void clear_queue(struct mst_connector *conn) {
    while (conn->queue != NULL) {
        struct held *h = conn->queue;
        conn->queue = h->next;
        held_free(h);
    }
    sync_pipe(conn);
}

static void release_current(struct mst_connector *conn) {
    held_free(conn->current);
    conn->current = NULL;
}

int mst_double_queue(struct mst_connector *conn,
                     const struct mst_double_message *m) {
    struct held *h = calloc(1, sizeof *h);
    int failed = h == NULL;
    if (h != NULL) {
        h->kind = m->kind;
        h->oversized = m->oversized || m->body.len > conn->max_body;
        h->announced = m->body.len;
        if (!h->oversized) {
            h->body = dup_bytes(m->body, &failed);
            h->len = m->body.len;
        }
        h->reply_to = dup_or_null(m->reply_to, &failed);
        h->correlation_id = dup_or_null(m->correlation_id, &failed);
        h->routing_key = dup_or_null(m->routing_key, &failed);
        h->reply_code = m->reply_code ? m->reply_code : NO_ROUTE;
        h->at_ms = mst_now_ms() + m->after_ms;
    }
    if (failed) {
        held_free(h);
        return MST_ENOMEM;
    }
    struct held **tail = &conn->queue;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = h;
    sync_pipe(conn);
    return MST_OK;
}

size_t mst_double_queued(const struct mst_connector *conn) {
    size_t n = 0;
    for (const struct held *h = conn->queue; h != NULL; h = h->next)
        n++;
    return n;
}

/* The first message available at `now`, unlinked; or NULL. */
static struct held *take_available(struct mst_connector *conn, int64_t now) {
    for (struct held **pp = &conn->queue; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->at_ms <= now) {
            struct held *h = *pp;
            *pp = h->next;
            sync_pipe(conn);
            return h;
        }
    return NULL;
}

/* When the next queued message becomes available; INT64_MAX for none. */
static int64_t next_at(const struct mst_connector *conn) {
    int64_t at = INT64_MAX;
    for (const struct held *h = conn->queue; h != NULL; h = h->next)
        if (h->at_ms < at)
            at = h->at_ms;
    return at;
}

/* ---- failures ----------------------------------------------------------- */

static void go_down(struct mst_connector *conn, const char *why) {
    conn->connected = 0;
    conn->later_count = 0; /* the broker requeues what was not acked */
    mst_strlcpy(conn->why_down, why, sizeof conn->why_down);
    clear_queue(conn); /* exclusive, auto-delete queues die with it */
}

void mst_double_drop(struct mst_connector *conn, const char *why) {
    go_down(conn, why);
}

void mst_double_fail_next(struct mst_connector *conn, enum mst_double_op op,
                          int code, unsigned times) {
    conn->armed[op] = (struct armed){code, times};
}

/* An armed failure of `op`, if any: its code (and a dropped connection
 * for MST_ECONNECT and, when declaring, MST_EPROTO); else MST_OK. */
static int injected(struct mst_connector *conn, enum mst_double_op op,
                    struct mst_err *err) {
    struct armed *a = &conn->armed[op];
    if (a->times == 0)
        return MST_OK;
    a->times--;
    if (a->code == MST_ECONNECT ||
        (a->code == MST_EPROTO && op == MST_DOUBLE_OP_DECLARE))
        go_down(conn, "double: injected failure");
    return mst_err_set(err, a->code, "double: injected failure");
}

static int not_connected(const struct mst_connector *conn,
                         struct mst_err *err) {
    return mst_err_set(err, MST_ECONNECT, "%s",
                       conn->why_down[0] ? conn->why_down
                                         : "not connected to a broker");
}

/* ---- construction ------------------------------------------------------- */

void mst_double_on_new(void (*fn)(struct mst_connector *, void *), void *ud) {
    on_new_fn = fn;
    on_new_ud = ud;
}

struct mst_connector *mst_double_latest(void) {
    return latest;
}

int mst_connector_new(const struct mst_connector_options *opts,
                      struct mst_connector **conn_r, struct mst_err *err) {
    *conn_r = NULL;
    int rc = mst_contract_options(opts, err);
    if (rc != MST_OK)
        return rc;
    struct mst_connector *conn = calloc(1, sizeof *conn);
    if (conn == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    conn->pipe[0] = conn->pipe[1] = -1;
    conn->max_body = opts->max_body ? opts->max_body : DEFAULT_MAX_BODY;
    conn->url = display_url(opts->urls->v[0]);
    if (conn->url == NULL || pipe2(conn->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        mst_connector_free(&conn);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    latest = conn;
    if (on_new_fn != NULL)
        on_new_fn(conn, on_new_ud);
    *conn_r = conn;
    return MST_OK;
}

void mst_double_clear_published(struct mst_connector *conn) {
    for (size_t i = 0; i < conn->n_pubs; i++) {
        struct mst_double_published *p = &conn->pubs[i];
        free(p->exchange);
        free(p->routing_key);
        free(p->reply_to);
        free(p->correlation_id);
        free(p->body);
    }
    free(conn->pubs);
    conn->pubs = NULL;
    conn->n_pubs = 0;
}

void mst_connector_free(struct mst_connector **connp) {
    if (connp == NULL || *connp == NULL)
        return;
    struct mst_connector *conn = *connp;
    if (latest == conn)
        latest = NULL;
    release_current(conn);
    mst_connector_flush_acks(conn, 1, NULL); /* as the real one does */
    for (struct held *h = conn->queue, *next; h != NULL; h = next) {
        next = h->next;
        held_free(h);
    }
    for (int i = 0; i < 2; i++)
        if (conn->pipe[i] >= 0)
            close(conn->pipe[i]);
    mst_double_clear_published(conn);
    free(conn->url);
    free(conn->identity);
    mst_strv_free(&conn->node_collectives);
    mst_strv_free(&conn->reply_collectives);
    free(conn->node_queue);
    free(conn->reply_queue);
    free(conn->collector_queue);
    free(conn);
    *connp = NULL;
}

/* ---- connecting and declaring ------------------------------------------- */

int mst_connector_connect(struct mst_connector *conn, struct mst_err *err) {
    release_current(conn);
    if (conn->connected)
        go_down(conn, "");
    int rc = injected(conn, MST_DOUBLE_OP_CONNECT, err);
    if (rc != MST_OK)
        return rc;
    conn->connected = 1;
    conn->why_down[0] = '\0';
    conn->generation++;
    conn->next_tag = 0;
    conn->acked_tag = 0;
    return MST_OK;
}

/* A fresh server-named queue, as the broker would name it. */
static int new_queue_name(struct mst_connector *conn, const char *what,
                          char **name_r) {
    char name[64];
    snprintf(name, sizeof name, "amq.gen-%s-%u", what, conn->generation);
    char *n = strdup(name);
    if (n == NULL)
        return MST_ENOMEM;
    free(*name_r);
    *name_r = n;
    return MST_OK;
}

static int node_topology(struct mst_connector *conn, struct mst_err *err) {
    int rc = injected(conn, MST_DOUBLE_OP_DECLARE, err);
    if (rc == MST_OK && new_queue_name(conn, "node", &conn->node_queue) != 0)
        rc = mst_err_set(err, MST_ENOMEM, "out of memory");
    return rc;
}

static int reply_topology(struct mst_connector *conn, struct mst_err *err) {
    int rc = injected(conn, MST_DOUBLE_OP_DECLARE, err);
    if (rc == MST_OK && new_queue_name(conn, "reply", &conn->reply_queue) != 0)
        rc = mst_err_set(err, MST_ENOMEM, "out of memory");
    return rc;
}

/* An operation whose arguments passed the contract's check (`rc`) meets
 * no connection, or the failure injected for `op`, or neither. */
static int may_run(struct mst_connector *conn, int rc, enum mst_double_op op,
                   struct mst_err *err) {
    if (rc != MST_OK)
        return rc;
    if (!conn->connected)
        return not_connected(conn, err);
    return injected(conn, op, err);
}

int mst_connector_declare_node(struct mst_connector *conn, const char *identity,
                               const struct mst_strv *collectives,
                               struct mst_err *err) {
    int rc = mst_contract_node(identity, collectives, err);
    if (rc != MST_OK)
        return rc;
    char *id = strdup(identity);
    if (id == NULL || copy_names(&conn->node_collectives, collectives) != 0) {
        free(id);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    free(conn->identity);
    conn->identity = id;
    conn->node_declared = 1; /* remembered for the next connection */
    if (!conn->connected)
        return not_connected(conn, err);
    return node_topology(conn, err);
}

int mst_connector_declare_reply_queue(struct mst_connector *conn,
                                      const struct mst_strv *collectives,
                                      struct mst_err *err) {
    int rc = mst_contract_collectives(collectives, err);
    if (rc != MST_OK)
        return rc;
    if (!conn->connected)
        return not_connected(conn, err);
    if (copy_names(&conn->reply_collectives, collectives) != 0)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    conn->reply_declared = 1;
    return reply_topology(conn, err);
}

/* The collector's queue is named by the caller, so it keeps its name. */
int mst_connector_declare_collector(struct mst_connector *conn,
                                    const char *queue,
                                    const struct mst_strv *collectives,
                                    struct mst_err *err) {
    int rc = may_run(conn, mst_contract_collector(queue, collectives, err),
                     MST_DOUBLE_OP_DECLARE, err);
    if (rc != MST_OK)
        return rc;
    char *q = strdup(queue);
    if (q == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    free(conn->collector_queue);
    conn->collector_queue = q;
    conn->collector_declared = 1;
    return MST_OK;
}

uint64_t mst_connector_backlog(const struct mst_connector *conn) {
    return mst_double_queued(conn);
}

const char *mst_connector_reply_queue(const struct mst_connector *conn) {
    return conn->reply_queue;
}

/* ---- reconnecting ------------------------------------------------------- */

static int redeclare(struct mst_connector *conn, struct mst_err *err) {
    int rc = MST_OK;
    if (conn->node_declared)
        rc = node_topology(conn, err);
    if (rc == MST_OK && conn->reply_declared)
        rc = reply_topology(conn, err);
    return rc;
}

int mst_connector_retry(struct mst_connector *conn, int64_t *delay_ms_r,
                        struct mst_err *err) {
    int rc = mst_connector_connect(conn, err);
    if (rc == MST_OK) {
        rc = redeclare(conn, err);
        if (rc != MST_OK)
            go_down(conn, err ? err->msg : "declaration refused");
    }
    if (rc == MST_OK) {
        conn->failed_passes = 0;
        *delay_ms_r = 0;
        return MST_OK;
    }
    int64_t delay = BACKOFF_FIRST_MS;
    for (unsigned i = 0; i < conn->failed_passes && delay < BACKOFF_MAX_MS; i++)
        delay *= 2;
    conn->failed_passes++;
    *delay_ms_r = delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS;
    return rc;
}

int mst_connector_reconnect(struct mst_connector *conn,
                            volatile sig_atomic_t *stop, struct mst_err *err) {
    int64_t delay_ms = 0;
    while (stop == NULL || !*stop)
        if (mst_connector_retry(conn, &delay_ms, err) == MST_OK)
            return MST_OK;
    return mst_err_set(err, MST_ESTOPPED, "stopped while reconnecting");
}

/* ---- publishing --------------------------------------------------------- */

static int record(struct mst_connector *conn,
                  const struct mst_double_published *p, struct mst_bytes body,
                  struct mst_err *err) {
    struct mst_double_published *v =
        realloc(conn->pubs, (conn->n_pubs + 1) * sizeof *v);
    if (v == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    conn->pubs = v;
    int failed = 0;
    struct mst_double_published c = *p;
    c.exchange = dup_or_null(p->exchange, &failed);
    c.routing_key = dup_or_null(p->routing_key, &failed);
    c.reply_to = dup_or_null(p->reply_to, &failed);
    c.correlation_id = dup_or_null(p->correlation_id, &failed);
    c.body = dup_bytes(body, &failed);
    c.len = body.len;
    c.generation = conn->generation;
    conn->pubs[conn->n_pubs++] = c;
    if (conn->later_count > 0) { /* it travels with the publish */
        conn->acked_tag = last_ack = conn->later_tag;
        conn->acked_multiple = 1;
        conn->later_count = 0;
    }
    if (failed)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    if (conn->on_publish != NULL)
        conn->on_publish(conn, &conn->pubs[conn->n_pubs - 1],
                         conn->on_publish_ud);
    return MST_OK;
}

int mst_connector_publish_request(struct mst_connector *conn,
                                  const char *collective, const char *identity,
                                  const char *correlation_id, int64_t ttl_ms,
                                  struct mst_bytes body, struct mst_err *err) {
    char exchange[NAME_MAX_LEN + 1];
    int rc = may_run(conn,
                     mst_contract_request(exchange, sizeof exchange, collective,
                                          identity, ttl_ms,
                                          conn->reply_queue != NULL, err),
                     MST_DOUBLE_OP_PUBLISH, err);
    if (rc != MST_OK)
        return rc;
    struct mst_double_published p = {
        .exchange = exchange,
        .routing_key = (char *)(identity ? identity : ""),
        .reply_to = conn->reply_queue,
        .correlation_id = (char *)(correlation_id ? correlation_id : ""),
        .expiration_ms = ttl_ms,
        .mandatory = identity != NULL,
    };
    return record(conn, &p, body, err);
}

int mst_connector_publish_reply(struct mst_connector *conn,
                                struct mst_bytes reply_to,
                                struct mst_bytes correlation_id,
                                struct mst_bytes body, struct mst_err *err) {
    int rc = may_run(conn, mst_contract_reply_to(reply_to, err),
                     MST_DOUBLE_OP_PUBLISH, err);
    if (rc != MST_OK)
        return rc;
    char key[NAME_MAX_LEN + 1], corr[NAME_MAX_LEN + 1];
    snprintf(key, sizeof key, "%.*s", (int)reply_to.len,
             (const char *)reply_to.ptr);
    snprintf(corr, sizeof corr, "%.*s", (int)correlation_id.len,
             (const char *)correlation_id.ptr);
    struct mst_double_published p = {
        .exchange = "",
        .routing_key = key,
        .correlation_id = corr,
    };
    return record(conn, &p, body, err);
}

int mst_connector_publish_registration(struct mst_connector *conn,
                                       const char *collective,
                                       struct mst_bytes body,
                                       struct mst_err *err) {
    char exchange[NAME_MAX_LEN + 1];
    int rc = may_run(conn,
                     mst_contract_exchange(exchange, sizeof exchange,
                                           collective, "registration", err),
                     MST_DOUBLE_OP_PUBLISH, err);
    if (rc != MST_OK)
        return rc;
    struct mst_double_published p = {.exchange = exchange, .routing_key = ""};
    return record(conn, &p, body, err);
}

void mst_double_on_publish(struct mst_connector *conn,
                           void (*fn)(struct mst_connector *,
                                      const struct mst_double_published *,
                                      void *),
                           void *ud) {
    conn->on_publish = fn;
    conn->on_publish_ud = ud;
}

void mst_double_on_idle(struct mst_connector *conn,
                        void (*fn)(struct mst_connector *, void *), void *ud) {
    conn->on_idle = fn;
    conn->on_idle_ud = ud;
}

size_t mst_double_published_count(const struct mst_connector *conn) {
    return conn->n_pubs;
}

const struct mst_double_published *
mst_double_published_at(const struct mst_connector *conn, size_t i) {
    return i < conn->n_pubs ? &conn->pubs[i] : NULL;
}

/* ---- consuming ---------------------------------------------------------- */

/* Hand `h` out as *msg; it stays ours until the next consume or release. */
static void hand_out(struct mst_connector *conn, struct held *h,
                     struct mst_message *msg) {
    conn->current = h;
    msg->kind = h->kind;
    msg->body = MST_BYTES(h->body, h->len);
    msg->reply_to = text_view(h->reply_to);
    msg->correlation_id = text_view(h->correlation_id);
    msg->routing_key = text_view(h->routing_key);
    msg->oversized = h->oversized;
    msg->body_size = h->announced;
    msg->generation = conn->generation;
    if (h->kind == MST_MESSAGE_RETURNED)
        msg->reply_code = h->reply_code;
    else
        msg->delivery_tag = ++conn->next_tag;
}

int mst_connector_consume(struct mst_connector *conn, int timeout_ms,
                          struct mst_message *msg_r, struct mst_err *err) {
    release_current(conn);
    memset(msg_r, 0, sizeof *msg_r);
    if (!conn->connected)
        return not_connected(conn, err);
    int rc = injected(conn, MST_DOUBLE_OP_CONSUME, err);
    if (rc != MST_OK)
        return rc;
    int64_t deadline =
        timeout_ms < 0 ? INT64_MAX : mst_now_ms() + (int64_t)timeout_ms;
    for (;;) {
        int64_t now = mst_now_ms();
        struct held *h = take_available(conn, now);
        if (h == NULL && conn->on_idle != NULL) {
            conn->on_idle(conn, conn->on_idle_ud);
            h = take_available(conn, now);
        }
        if (h != NULL) {
            hand_out(conn, h, msg_r);
            return 1;
        }
        if (!conn->connected) /* the idle hook dropped the connection */
            return not_connected(conn, err);
        int64_t until = next_at(conn);
        if (until == INT64_MAX && timeout_ms < 0) {
            go_down(conn, "double: nothing queued, consume would wait for "
                          "ever");
            return not_connected(conn, err);
        }
        if (deadline < until)
            until = deadline;
        if (now >= deadline)
            return 0;
        mst_sleep_ms(until - now);
    }
}

static int ack(struct mst_connector *conn, uint64_t tag, unsigned generation,
               int multiple, struct mst_err *err) {
    if (!conn->connected)
        return not_connected(conn, err);
    if (generation != conn->generation)
        return mst_err_set(err, MST_ENOTFOUND,
                           "delivery came on a connection since lost");
    int rc = injected(conn, MST_DOUBLE_OP_ACK, err);
    if (rc != MST_OK)
        return rc;
    conn->acked_tag = tag;
    conn->acked_multiple = multiple;
    last_ack = tag;
    return MST_OK;
}

int mst_connector_ack(struct mst_connector *conn, const struct mst_message *msg,
                      struct mst_err *err) {
    if (msg->kind != MST_MESSAGE_DELIVERY)
        return mst_err_set(err, MST_EINVAL, "only deliveries are acked");
    return ack(conn, msg->delivery_tag, msg->generation, /* multiple = */ 0,
               err);
}

int mst_connector_ack_through(struct mst_connector *conn, uint64_t tag,
                              unsigned generation, struct mst_err *err) {
    return ack(conn, tag, generation, /* multiple = */ 1, err);
}

int mst_connector_ack_later(struct mst_connector *conn, uint64_t tag,
                            unsigned generation, struct mst_err *err) {
    if (!conn->connected)
        return not_connected(conn, err);
    if (generation != conn->generation)
        return mst_err_set(err, MST_ENOTFOUND,
                           "delivery came on a connection since lost");
    conn->later_tag = tag;
    conn->later_count++;
    return MST_OK;
}

int mst_connector_flush_acks(struct mst_connector *conn, unsigned min,
                             struct mst_err *err) {
    if (!conn->connected || conn->later_count == 0 || conn->later_count < min)
        return MST_OK;
    conn->later_count = 0;
    return ack(conn, conn->later_tag, conn->generation, /* multiple = */ 1,
               err);
}

void mst_connector_release(struct mst_connector *conn,
                           struct mst_message *msg) {
    if (conn != NULL)
        release_current(conn);
    if (msg != NULL)
        memset(msg, 0, sizeof *msg);
}

/* ---- state -------------------------------------------------------------- */

int mst_connector_fd(const struct mst_connector *conn) {
    return conn->connected ? conn->pipe[0] : -1;
}

int mst_connector_has_buffered(const struct mst_connector *conn) {
    return conn->connected && next_at(conn) <= mst_now_ms();
}

uint64_t mst_connector_dropped(const struct mst_connector *conn) {
    (void)conn;
    return 0; /* the double has no broker to drop anything */
}

const char *mst_connector_url(const struct mst_connector *conn) {
    return conn->url;
}

int mst_double_connected(const struct mst_connector *conn) {
    return conn->connected;
}

unsigned mst_double_generation(const struct mst_connector *conn) {
    return conn->generation;
}

const char *mst_double_node_queue(const struct mst_connector *conn) {
    return conn->node_queue;
}

uint64_t mst_double_last_ack(void) {
    return last_ack;
}

uint64_t mst_double_acked_tag(const struct mst_connector *conn,
                              int *multiple_r) {
    if (multiple_r != NULL)
        *multiple_r = conn->acked_multiple;
    return conn->acked_tag;
}
