/*
 * rabbitmq.c - the connector (connector.h) on rabbitmq-c 0.11.
 *
 * One connection, one channel (1).  The connector never logs: every failure
 * is returned as a status code plus one line in `err`, and the caller
 * decides what to say.  See shared/DESIGN.md "RabbitMQ topology" for the
 * exchanges and queues, and STYLE.md "rabbitmq-c usage notes" for why the
 * library is driven the way it is here.
 */
#include "connector.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "amqp_compat.h"
#include "base/status.h"
#include "base/util.h"
#include "contract.h"

#define CHANNEL 1
#define FRAME_MAX 131072
#define DEFAULT_MAX_BODY (1024u * 1024u)
#define OPEN_TIMEOUT_S 5       /* TCP (and TLS) connect */
#define HANDSHAKE_TIMEOUT_S 10 /* AMQP login against a hung broker */
#define CLOSE_TIMEOUT_S 2      /* polite close must not hang a shutdown */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000   /* the default cap */
#define DEAD_TAG "muster.dead" /* consumer tag of the dead-letter queue */
#define DEAD_MAX_LENGTH 100000
#define DEAD_MAX_BYTES (16 * 1024 * 1024)
#define SLEEP_SLICE_MS 100 /* how quickly *stop is noticed */
#define NAME_MAX_LEN MST_CONTRACT_NAME_MAX

/* One broker URL, parsed once; `info` points into `buf`. */
struct url {
    char *buf;
    char *display; /* the URL without its password */
    struct amqp_connection_info info;
};

/*
 * The message being read, frame by frame (read_content): what the views of
 * struct mst_message point into.  Everything is copied out of rabbitmq-c's
 * frame pool, which is recycled as the body frames arrive, so a message
 * never holds more than one frame of the library's memory.
 */
struct shortstr {
    size_t len;
    uint8_t bytes[255]; /* an AMQP short string is at most 255 bytes */
};

struct content {
    struct shortstr routing_key;
    struct shortstr reply_to;
    struct shortstr correlation_id;
    uint8_t *body; /* malloc'd, `cap` bytes */
    size_t cap;
    size_t len;
};

/* Frames encoded for one send(2) (see "writing frames"). */
struct outbox {
    uint8_t *buf; /* malloc'd, `cap` bytes */
    size_t cap;
    size_t len;
};

/* A copied list of strings (what was declared, for reconnect). */
struct names {
    char **v;
    size_t n;
};

struct mst_connector {
    struct url *urls;
    size_t n_urls;
    size_t url_at; /* the URL connected (or last tried) */
    int heartbeat_s;
    int prefetch;
    char *connection_name;
    char *tls_ca;
    char *tls_cert;
    char *tls_key;
    uint32_t max_body;
    int queue_max_length;
    int queue_reject_publish; /* x-overflow: else drop-head */
    int64_t queue_ttl_ms;
    int64_t reconnect_max_ms;

    amqp_connection_state_t amqp; /* NULL when not connected */
    unsigned generation;          /* bumped on every new connection */
    int plain_tcp;                /* no TLS: publish with one send(2) */
    uint64_t ack_tag;             /* mst_connector_ack_later, not yet sent */
    unsigned ack_count;           /* deliveries it covers (0: none) */
    struct outbox out;

    /* What was declared, to declare again after a reconnect. */
    int node_declared;
    char *identity;
    struct names node_collectives;
    char *node_queue;
    char *dead_queue; /* where the broker puts what the node queue drops */
    uint64_t dropped; /* dead letters seen, over every connection */
    int reply_declared;
    struct names reply_collectives;
    char *reply_queue;
    int collector_declared;
    struct names collector_collectives;
    char *collector_queue;      /* durable, named by the caller */
    uint64_t collector_backlog; /* messages waiting at the last declare */

    /* The message last handed out by mst_connector_consume. */
    struct content in;

    uint64_t rng;           /* xorshift state for backoff jitter */
    unsigned failed_passes; /* mst_connector_retry failures in a row */
};

/* ---- small helpers ------------------------------------------------------ */

static char *bytes_strdup(amqp_bytes_t b) {
    char *s = malloc(b.len + 1);
    if (s == NULL)
        return NULL;
    if (b.len > 0)
        memcpy(s, b.bytes, b.len);
    s[b.len] = '\0';
    return s;
}

static char *strdup_or_null(const char *s, int *failed) {
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *failed = 1;
    return d;
}

static void names_free(struct names *n) {
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

/* Copy `sv` into `out` (replacing what was there).  0 or -1 (no memory). */
static int names_copy(struct names *out, const struct mst_strv *sv) {
    struct names n = {calloc(sv->n ? sv->n : 1, sizeof(char *)), 0};
    if (n.v == NULL)
        return -1;
    for (; n.n < sv->n; n.n++) {
        n.v[n.n] = strdup(sv->v[n.n]);
        if (n.v[n.n] == NULL) {
            names_free(&n);
            return -1;
        }
    }
    names_free(out);
    *out = n;
    return 0;
}

static struct mst_strv names_view(const struct names *n) {
    return (struct mst_strv){n->v, n->n};
}

/* An empty string is a NULL view, as an absent property always was. */
static struct mst_bytes short_view(const struct shortstr *s) {
    return (struct mst_bytes){s->len > 0 ? s->bytes : NULL, s->len};
}

static amqp_bytes_t amqp_view(struct mst_bytes b) {
    return (amqp_bytes_t){b.len, (void *)b.ptr};
}

static uint64_t next_random(struct mst_connector *conn) {
    uint64_t x = conn->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    conn->rng = x;
    return x;
}

/* ---- URLs --------------------------------------------------------------- */

/*
 * The URL as given, minus the password: "amqp://user:pw@h:p/v" becomes
 * "amqp://user@h:p/v".  Only the text between "://" and the first "/"
 * after it is the authority; its last '@' ends the user info.
 */
static char *display_url(const char *url) {
    char *d = strdup(url);
    if (d == NULL)
        return NULL;
    char *auth = strstr(d, "://");
    if (auth == NULL)
        return d;
    auth += 3;
    char *end = auth + strcspn(auth, "/");
    char *at = NULL;
    for (char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL)
        return d;
    char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon != NULL)
        memmove(colon, at, strlen(at) + 1);
    return d;
}

static int url_parse(struct url *u, const char *text, struct mst_err *err) {
    u->display = display_url(text);
    u->buf = strdup(text); /* amqp_parse_url writes into its input */
    if (u->display == NULL || u->buf == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    amqp_default_connection_info(&u->info);
    int rc = amqp_parse_url(u->buf, &u->info);
    if (rc != AMQP_STATUS_OK)
        return mst_err_set(err, MST_EINVAL, "broker URL %s: %s", u->display,
                           amqp_error_string2(rc));
    /* A trailing slash names the empty vhost, which no broker has. */
    if (u->info.vhost[0] == '\0')
        return mst_err_set(err, MST_EINVAL,
                           "broker URL %s: the trailing '/' selects the "
                           "empty vhost; leave it out for the default vhost "
                           "\"/\" (or write /%%2f)",
                           u->display);
    return MST_OK;
}

/* ---- errors from the library and the broker ------------------------------ */

/* The connection is gone (or must go): free it without talking to it. */
static void drop(struct mst_connector *conn) {
    if (conn->amqp == NULL)
        return;
    /* amqp_destroy_connection closes the socket; never close() it again. */
    amqp_destroy_connection(conn->amqp);
    conn->amqp = NULL;
    conn->plain_tcp = 0;
    /* the broker requeues what was not acked on this connection */
    conn->ack_count = 0;
}

/* Say goodbye properly, bounded in time, then drop. */
static void close_politely(struct mst_connector *conn) {
    if (conn->amqp == NULL)
        return;
    struct timeval tv = {CLOSE_TIMEOUT_S, 0};
    amqp_set_rpc_timeout(conn->amqp, &tv);
    amqp_connection_close(conn->amqp, AMQP_REPLY_SUCCESS);
    drop(conn);
}

/* Text of an AMQP short string for "%.*s". */
#define BYTES_FMT(b) (int)(b).len, (const char *)(b).bytes

/*
 * Turn a failed RPC into a status and one line in `err`, and leave the
 * connection in a state the caller can act on: a channel or connection
 * closed by the broker is acknowledged and the connection dropped, so that
 * mst_connector_reconnect() starts afresh.  MST_EPROTO means the broker
 * refused what we asked (406 PRECONDITION_FAILED, 403 ACCESS_REFUSED...),
 * MST_ECONNECT that the connection failed.
 */
static int rpc_failed(struct mst_connector *conn, amqp_rpc_reply_t r,
                      const char *what, struct mst_err *err) {
    int code = MST_ECONNECT;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        mst_err_set(err, code, "%s: %s", what,
                    amqp_error_string2(r.library_error));
        drop(conn);
    } else if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
               r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *c = r.reply.decoded;
        code = MST_EPROTO;
        mst_err_set(err, code, "%s: broker closed the channel: %u %.*s", what,
                    c->reply_code, BYTES_FMT(c->reply_text));
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(conn->amqp, CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD,
                         &ok);
        close_politely(conn);
    } else if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
               r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const amqp_connection_close_t *c = r.reply.decoded;
        /* 403 at login is a refusal, not a network problem. */
        code = c->reply_code == 403 || c->reply_code == 530 ? MST_EPROTO
                                                            : MST_ECONNECT;
        mst_err_set(err, code, "%s: broker closed the connection: %u %.*s",
                    what, c->reply_code, BYTES_FMT(c->reply_text));
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(conn->amqp, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        drop(conn);
    } else {
        mst_err_set(err, code, "%s: unexpected reply from the broker", what);
        drop(conn);
    }
    return code;
}

/* MST_OK if the last RPC succeeded, else as rpc_failed(). */
static int rpc_check(struct mst_connector *conn, const char *what,
                     struct mst_err *err) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn->amqp);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return MST_OK;
    return rpc_failed(conn, r, what, err);
}

/* A non-RPC call (publish, ack) failed: the socket is unusable. */
static int io_failed(struct mst_connector *conn, int status, const char *what,
                     struct mst_err *err) {
    mst_err_set(err, MST_ECONNECT, "%s: %s", what, amqp_error_string2(status));
    drop(conn);
    return MST_ECONNECT;
}

static int not_connected(struct mst_err *err) {
    return mst_err_set(err, MST_ECONNECT, "not connected to a broker");
}

/* ---- construction ------------------------------------------------------- */

static int copy_options(struct mst_connector *conn,
                        const struct mst_connector_options *opts) {
    int failed = 0;
    conn->heartbeat_s = opts->heartbeat_s < 0 ? 30 : opts->heartbeat_s;
    conn->prefetch = opts->prefetch < 0 ? 0 : opts->prefetch;
    conn->max_body = opts->max_body ? opts->max_body : DEFAULT_MAX_BODY;
    conn->queue_max_length = opts->queue_max_length;
    conn->queue_reject_publish = opts->queue_overflow != NULL &&
                                 strcmp(opts->queue_overflow, "drop-head");
    conn->queue_ttl_ms = opts->queue_ttl_ms;
    conn->reconnect_max_ms =
        opts->reconnect_max_ms > 0 ? opts->reconnect_max_ms : BACKOFF_MAX_MS;
    conn->connection_name = strdup_or_null(
        opts->connection_name ? opts->connection_name : "muster", &failed);
    conn->tls_ca = strdup_or_null(opts->tls_ca, &failed);
    conn->tls_cert = strdup_or_null(opts->tls_cert, &failed);
    conn->tls_key = strdup_or_null(opts->tls_key, &failed);
    return failed ? -1 : 0;
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
    rc = MST_ENOMEM;
    conn->urls = calloc(opts->urls->n, sizeof *conn->urls);
    if (conn->urls == NULL || copy_options(conn, opts) < 0) {
        mst_err_set(err, rc, "out of memory");
        goto fail;
    }
    for (; conn->n_urls < opts->urls->n; conn->n_urls++) {
        rc = url_parse(&conn->urls[conn->n_urls], opts->urls->v[conn->n_urls],
                       err);
        if (rc != MST_OK) {
            conn->n_urls++; /* so that fail: frees the partial one */
            goto fail;
        }
    }
    conn->rng = (uint64_t)mst_now_us() ^ ((uint64_t)getpid() << 32) ^
                (uint64_t)(uintptr_t)conn;
    if (conn->rng == 0)
        conn->rng = 1;
    *conn_r = conn;
    return MST_OK;
fail:
    mst_connector_free(&conn);
    return rc;
}

/* ---- the current message ------------------------------------------------ */

/*
 * A body buffer up to this size is kept for the next message; a larger one
 * (at most max_body) is given back, so one big message does not keep its
 * memory for the life of the process.
 */
#define BODY_KEEP (64u * 1024u)

static void release_current(struct mst_connector *conn) {
    struct content *in = &conn->in;
    in->routing_key.len = in->reply_to.len = in->correlation_id.len = 0;
    in->len = 0;
    if (in->cap > BODY_KEEP) {
        free(in->body);
        in->body = NULL;
        in->cap = 0;
    }
}

void mst_connector_release(struct mst_connector *conn,
                           struct mst_message *msg) {
    if (conn != NULL)
        release_current(conn);
    if (msg != NULL)
        memset(msg, 0, sizeof *msg);
}

void mst_connector_free(struct mst_connector **connp) {
    if (connp == NULL || *connp == NULL)
        return;
    struct mst_connector *conn = *connp;
    release_current(conn);
    free(conn->in.body);
    /* what was taken is acknowledged, or the broker would hand it again */
    mst_connector_flush_acks(conn, 1, NULL);
    free(conn->out.buf);
    close_politely(conn);
    for (size_t i = 0; i < conn->n_urls; i++) {
        free(conn->urls[i].buf);
        free(conn->urls[i].display);
    }
    free(conn->urls);
    free(conn->connection_name);
    free(conn->tls_ca);
    free(conn->tls_cert);
    free(conn->tls_key);
    free(conn->identity);
    names_free(&conn->node_collectives);
    free(conn->node_queue);
    free(conn->dead_queue);
    names_free(&conn->reply_collectives);
    free(conn->reply_queue);
    names_free(&conn->collector_collectives);
    free(conn->collector_queue);
    free(conn);
    *connp = NULL;
}

/* ---- connecting --------------------------------------------------------- */

/*
 * Check the broker's certificate names `host` with OpenSSL's own matcher,
 * which knows IP addresses (subjectAltName IP entries): rabbitmq-c 0.11's
 * check only compares DNS names, so amqps://127.0.0.1 could never verify.
 */
static int check_host(amqp_socket_t *sock, const char *host) {
    SSL_CTX *ctx = amqp_ssl_socket_get_context(sock);
    X509_VERIFY_PARAM *param = ctx ? SSL_CTX_get0_param(ctx) : NULL;
    if (param == NULL)
        return 0;
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1)
        return 1;
    return X509_VERIFY_PARAM_set1_host(param, host, 0) == 1;
}

/* A TLS socket: TLS 1.2 or later, the CA verified, the host name checked. */
static amqp_socket_t *tls_socket(struct mst_connector *conn,
                                 amqp_connection_state_t amqp, const char *host,
                                 struct mst_err *err) {
    amqp_socket_t *sock = amqp_ssl_socket_new(amqp);
    if (sock == NULL) {
        mst_err_set(err, MST_ECONNECT, "cannot create a TLS socket");
        return NULL;
    }
    if (amqp_ssl_socket_set_ssl_versions(sock, AMQP_TLSv1_2, AMQP_TLSvLATEST) !=
        AMQP_STATUS_OK) {
        mst_err_set(err, MST_ECONNECT, "cannot require TLS 1.2 or later");
        return NULL;
    }
    int rc;
    if (conn->tls_ca != NULL) {
        rc = amqp_ssl_socket_set_cacert(sock, conn->tls_ca);
    } else {
        /* rabbitmq-c loads no trust store of its own: use the system's. */
        SSL_CTX *ctx = amqp_ssl_socket_get_context(sock);
        rc = ctx != NULL && SSL_CTX_set_default_verify_paths(ctx) == 1
                 ? AMQP_STATUS_OK
                 : AMQP_STATUS_SSL_ERROR;
    }
    if (rc != AMQP_STATUS_OK) {
        mst_err_set(err, MST_ECONNECT, "TLS CA %s: %s",
                    conn->tls_ca ? conn->tls_ca : "(system default)",
                    amqp_error_string2(rc));
        return NULL;
    }
    amqp_ssl_socket_set_verify_peer(sock, /* verify = */ 1);
    amqp_ssl_socket_set_verify_hostname(sock, /* verify = */ 0);
    if (!check_host(sock, host)) {
        mst_err_set(err, MST_ECONNECT, "TLS: cannot check host name %s", host);
        return NULL;
    }
    if (conn->tls_cert != NULL) {
        rc = amqp_ssl_socket_set_key(sock, conn->tls_cert, conn->tls_key);
        if (rc != AMQP_STATUS_OK) {
            mst_err_set(err, MST_ECONNECT, "TLS client certificate %s: %s",
                        conn->tls_cert, amqp_error_string2(rc));
            return NULL;
        }
    }
    return sock;
}

static int login(struct mst_connector *conn, const struct url *u,
                 struct mst_err *err) {
    /* Without consumer_cancel_notify a deleted queue leaves us deaf. */
    amqp_table_entry_t caps[] = {
        {.key = amqp_cstring_bytes("consumer_cancel_notify"),
         .value = {.kind = AMQP_FIELD_KIND_BOOLEAN, .value.boolean = 1}},
    };
    amqp_table_entry_t props[] = {
        {.key = amqp_cstring_bytes("connection_name"),
         .value = {.kind = AMQP_FIELD_KIND_UTF8,
                   .value.bytes = amqp_cstring_bytes(conn->connection_name)}},
        {.key = amqp_cstring_bytes("capabilities"),
         .value = {.kind = AMQP_FIELD_KIND_TABLE, .value.table = {1, caps}}},
    };
    amqp_table_t table = {2, props};
    struct timeval hs = {HANDSHAKE_TIMEOUT_S, 0};
    amqp_set_handshake_timeout(conn->amqp, &hs);
    amqp_rpc_reply_t r = amqp_login_with_properties(
        conn->amqp, u->info.vhost, /* channel_max = */ 0, FRAME_MAX,
        conn->heartbeat_s, &table, AMQP_SASL_METHOD_PLAIN, u->info.user,
        u->info.password);
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        return rpc_failed(conn, r, "login", err);
    amqp_channel_open(conn->amqp, CHANNEL);
    return rpc_check(conn, "opening channel 1", err);
}

/* Connect to one URL; on failure conn->amqp is NULL again. */
static int connect_one(struct mst_connector *conn, const struct url *u,
                       struct mst_err *err) {
    conn->amqp = amqp_new_connection();
    if (conn->amqp == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    amqp_socket_t *sock = u->info.ssl
                              ? tls_socket(conn, conn->amqp, u->info.host, err)
                              : amqp_tcp_socket_new(conn->amqp);
    if (sock == NULL) {
        if (!u->info.ssl)
            mst_err_set(err, MST_ENOMEM, "cannot create a socket");
        drop(conn);
        return MST_ECONNECT;
    }
    struct timeval tv = {OPEN_TIMEOUT_S, 0};
    int rc = amqp_socket_open_noblock(sock, u->info.host, u->info.port, &tv);
    if (rc != AMQP_STATUS_OK) {
        mst_err_set(err, MST_ECONNECT, "connecting to %s:%d: %s", u->info.host,
                    u->info.port, amqp_error_string2(rc));
        drop(conn);
        return MST_ECONNECT;
    }
    conn->plain_tcp = !u->info.ssl;
    return login(conn, u, err);
}

/* Append `s` to the string in `dst`, cutting it at `size` (intended). */
static void append(char *dst, size_t size, const char *s) {
    size_t len = strnlen(dst, size);
    if (len + 1 >= size)
        return;
    size_t take = strnlen(s, size - len - 1);
    memcpy(dst + len, s, take);
    dst[len + take] = '\0';
}

/* Append "display: reason" to the summary of a pass over the URLs. */
static void summary_add(char *sum, size_t size, const struct url *u,
                        const struct mst_err *one) {
    if (sum[0] != '\0')
        append(sum, size, "; ");
    append(sum, size, u->display);
    append(sum, size, ": ");
    append(sum, size, one->msg);
}

int mst_connector_connect(struct mst_connector *conn, struct mst_err *err) {
    release_current(conn);
    close_politely(conn);
    char sum[MST_ERR_LEN] = "";
    int rc = MST_ECONNECT;
    for (size_t i = 0; i < conn->n_urls; i++) {
        struct mst_err one = {0};
        rc = connect_one(conn, &conn->urls[i], &one);
        if (rc == MST_OK) {
            conn->url_at = i;
            conn->generation++;
            return MST_OK;
        }
        summary_add(sum, sizeof sum, &conn->urls[i], &one);
    }
    /* Refused logins stay EPROTO only when that was the single answer. */
    if (conn->n_urls > 1)
        rc = MST_ECONNECT;
    return mst_err_set(err, rc, "%s", sum);
}

/* ---- topology ----------------------------------------------------------- */

static int declare_exchange(struct mst_connector *conn, const char *collective,
                            const char *suffix, const char *type,
                            struct mst_err *err) {
    char name[NAME_MAX_LEN + 1];
    int rc = mst_contract_exchange(name, sizeof name, collective, suffix, err);
    if (rc != MST_OK)
        return rc;
    amqp_exchange_declare(conn->amqp, CHANNEL, amqp_cstring_bytes(name),
                          amqp_cstring_bytes(type), /* passive = */ 0,
                          /* durable = */ 1, /* auto_delete = */ 0,
                          /* internal = */ 0, amqp_empty_table);
    char what[NAME_MAX_LEN + 32];
    snprintf(what, sizeof what, "declaring exchange %s", name);
    return rpc_check(conn, what, err);
}

static int declare_exchanges(struct mst_connector *conn,
                             const struct mst_strv *collectives,
                             struct mst_err *err) {
    for (size_t i = 0; i < collectives->n; i++) {
        const char *c = collectives->v[i];
        int rc = declare_exchange(conn, c, "broadcast", "fanout", err);
        if (rc == MST_OK)
            rc = declare_exchange(conn, c, "direct", "direct", err);
        /* Daemons publish registrations there, collectors bind to it:
         * whichever comes first makes it. */
        if (rc == MST_OK)
            rc = declare_exchange(conn, c, "registration", "fanout", err);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

/* Queue arguments (x-max-length and the like), at most QUEUE_ARGS. */
#define QUEUE_ARGS 5
struct queue_args {
    amqp_table_entry_t e[QUEUE_ARGS];
    amqp_table_t table;
};

static void arg_i32(struct queue_args *a, const char *key, int32_t v) {
    amqp_table_entry_t *e = &a->e[a->table.num_entries++];
    e->key = amqp_cstring_bytes(key);
    e->value.kind = AMQP_FIELD_KIND_I32;
    e->value.value.i32 = v;
}

static void arg_utf8(struct queue_args *a, const char *key, const char *v) {
    amqp_table_entry_t *e = &a->e[a->table.num_entries++];
    e->key = amqp_cstring_bytes(key);
    e->value.kind = AMQP_FIELD_KIND_UTF8;
    e->value.value.bytes = amqp_cstring_bytes(v);
}

/*
 * The options' bounds on length and age, so that a stalled consumer cannot
 * make the broker grow until its memory alarm blocks every publisher; and,
 * with `dead_queue`, where what is dropped (drop-head, expired) goes: the
 * default exchange with the dead queue's name as routing key.
 */
static void queue_arguments(const struct mst_connector *conn,
                            const char *dead_queue, struct queue_args *a) {
    a->table = (amqp_table_t){0, a->e};
    if (conn->queue_max_length > 0) {
        arg_i32(a, "x-max-length", conn->queue_max_length);
        arg_utf8(a, "x-overflow",
                 conn->queue_reject_publish ? "reject-publish" : "drop-head");
    }
    if (conn->queue_ttl_ms > 0)
        arg_i32(a, "x-message-ttl", (int32_t)conn->queue_ttl_ms);
    if (dead_queue != NULL) {
        arg_utf8(a, "x-dead-letter-exchange", "");
        arg_utf8(a, "x-dead-letter-routing-key", dead_queue);
    }
}

/*
 * The dead-letter queue only counts: bounded by count and bytes, since it
 * fills while the daemon is stalled too; past its bounds drops go uncounted.
 */
static void dead_queue_arguments(struct queue_args *a) {
    a->table = (amqp_table_t){0, a->e};
    arg_i32(a, "x-max-length", DEAD_MAX_LENGTH);
    arg_i32(a, "x-max-length-bytes", DEAD_MAX_BYTES);
    arg_utf8(a, "x-overflow", "drop-head");
}

/* A new exclusive, auto-delete, server-named queue; its name in *name_r. */
static int declare_queue(struct mst_connector *conn,
                         const struct queue_args *args, char **name_r,
                         struct mst_err *err) {
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(
        conn->amqp, CHANNEL, amqp_empty_bytes, /* passive = */ 0,
        /* durable = */ 0, /* exclusive = */ 1, /* auto_delete = */ 1,
        args->table);
    int rc = rpc_check(conn, "declaring a server-named queue", err);
    if (rc != MST_OK)
        return rc;
    char *name = bytes_strdup(ok->queue);
    if (name == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    free(*name_r);
    *name_r = name;
    return MST_OK;
}

static int bind_queue(struct mst_connector *conn, const char *queue,
                      const char *collective, const char *suffix,
                      const char *key, struct mst_err *err) {
    char name[NAME_MAX_LEN + 1];
    int rc = mst_contract_exchange(name, sizeof name, collective, suffix, err);
    if (rc != MST_OK)
        return rc;
    amqp_queue_bind(conn->amqp, CHANNEL, amqp_cstring_bytes(queue),
                    amqp_cstring_bytes(name), amqp_cstring_bytes(key),
                    amqp_empty_table);
    char what[NAME_MAX_LEN + 32];
    snprintf(what, sizeof what, "binding to %s", name);
    return rpc_check(conn, what, err);
}

/* `tag` NULL: the broker names the consumer. */
static int consume_queue(struct mst_connector *conn, const char *queue,
                         const char *tag, int no_ack, struct mst_err *err) {
    amqp_basic_consume(conn->amqp, CHANNEL, amqp_cstring_bytes(queue),
                       tag ? amqp_cstring_bytes(tag) : amqp_empty_bytes,
                       /* no_local = */ 0, no_ack,
                       /* exclusive = */ 1, amqp_empty_table);
    return rpc_check(conn, "starting a consumer", err);
}

/* basic.qos with the options' prefetch (0: no limit, nothing to set). */
static int set_prefetch(struct mst_connector *conn, struct mst_err *err) {
    if (conn->prefetch <= 0)
        return MST_OK;
    uint16_t n =
        conn->prefetch > UINT16_MAX ? UINT16_MAX : (uint16_t)conn->prefetch;
    amqp_basic_qos(conn->amqp, CHANNEL, /* prefetch_size = */ 0, n,
                   /* global = */ 0);
    return rpc_check(conn, "setting the prefetch count", err);
}

/* The node's part of the topology on the current connection. */
static int node_topology(struct mst_connector *conn, struct mst_err *err) {
    struct mst_strv cs = names_view(&conn->node_collectives);
    int rc = declare_exchanges(conn, &cs, err);
    struct queue_args args;
    dead_queue_arguments(&args);
    if (rc == MST_OK)
        rc = declare_queue(conn, &args, &conn->dead_queue, err);
    if (rc == MST_OK)
        rc = consume_queue(conn, conn->dead_queue, DEAD_TAG, /* no_ack = */ 1,
                           err);
    queue_arguments(conn, conn->dead_queue, &args);
    if (rc == MST_OK)
        rc = declare_queue(conn, &args, &conn->node_queue, err);
    for (size_t i = 0; rc == MST_OK && i < cs.n; i++) {
        rc = bind_queue(conn, conn->node_queue, cs.v[i], "broadcast", "", err);
        if (rc == MST_OK)
            rc = bind_queue(conn, conn->node_queue, cs.v[i], "direct",
                            conn->identity, err);
    }
    /* Unacked requests wait in the broker, where expiration works. */
    if (rc == MST_OK)
        rc = set_prefetch(conn, err);
    if (rc == MST_OK)
        rc = consume_queue(conn, conn->node_queue, NULL, /* no_ack = */ 0, err);
    return rc;
}

static int reply_topology(struct mst_connector *conn, struct mst_err *err) {
    struct mst_strv cs = names_view(&conn->reply_collectives);
    int rc = declare_exchanges(conn, &cs, err);
    struct queue_args args;
    queue_arguments(conn, NULL, &args);
    if (rc == MST_OK)
        rc = declare_queue(conn, &args, &conn->reply_queue, err);
    if (rc == MST_OK)
        rc =
            consume_queue(conn, conn->reply_queue, NULL, /* no_ack = */ 1, err);
    return rc;
}

/*
 * A collector's queue outlives it (durable, not exclusive, not
 * auto-delete) so that registrations wait while it is down; the options'
 * bounds keep that wait finite.  One consumer at a time (exclusive
 * consume).  The broker refuses a re-declaration with other bounds (406
 * PRECONDITION_FAILED): the message says so.
 */
static int collector_topology(struct mst_connector *conn, struct mst_err *err) {
    struct mst_strv cs = names_view(&conn->collector_collectives);
    int rc = declare_exchanges(conn, &cs, err);
    if (rc != MST_OK)
        return rc;
    struct queue_args args;
    queue_arguments(conn, NULL, &args);
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(
        conn->amqp, CHANNEL, amqp_cstring_bytes(conn->collector_queue),
        /* passive = */ 0, /* durable = */ 1, /* exclusive = */ 0,
        /* auto_delete = */ 0, args.table);
    char what[NAME_MAX_LEN + 96];
    snprintf(what, sizeof what,
             "declaring queue %s (if it exists with other bounds, delete it "
             "or match them)",
             conn->collector_queue);
    rc = rpc_check(conn, what, err);
    if (rc != MST_OK)
        return rc;
    conn->collector_backlog = ok->message_count;
    for (size_t i = 0; rc == MST_OK && i < cs.n; i++)
        rc = bind_queue(conn, conn->collector_queue, cs.v[i], "registration",
                        "", err);
    if (rc == MST_OK)
        rc = set_prefetch(conn, err);
    if (rc == MST_OK)
        rc = consume_queue(conn, conn->collector_queue, NULL,
                           /* no_ack = */ 0, err);
    return rc;
}

int mst_connector_declare_node(struct mst_connector *conn, const char *identity,
                               const struct mst_strv *collectives,
                               struct mst_err *err) {
    int rc = mst_contract_node(identity, collectives, err);
    if (rc != MST_OK)
        return rc;
    char *id = strdup(identity);
    if (id == NULL || names_copy(&conn->node_collectives, collectives) < 0) {
        free(id);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    free(conn->identity);
    conn->identity = id;
    /* Remembered even if it fails or there is no connection yet, so that
     * the next (re)connection declares it. */
    conn->node_declared = 1;
    if (conn->amqp == NULL)
        return not_connected(err);
    return node_topology(conn, err);
}

int mst_connector_declare_reply_queue(struct mst_connector *conn,
                                      const struct mst_strv *collectives,
                                      struct mst_err *err) {
    int rc = mst_contract_collectives(collectives, err);
    if (rc != MST_OK)
        return rc;
    if (conn->amqp == NULL)
        return not_connected(err);
    if (names_copy(&conn->reply_collectives, collectives) < 0)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    conn->reply_declared = 1;
    return reply_topology(conn, err);
}

int mst_connector_declare_collector(struct mst_connector *conn,
                                    const char *queue,
                                    const struct mst_strv *collectives,
                                    struct mst_err *err) {
    int rc = mst_contract_collector(queue, collectives, err);
    if (rc != MST_OK)
        return rc;
    if (conn->amqp == NULL)
        return not_connected(err);
    char *q = strdup(queue);
    if (q == NULL ||
        names_copy(&conn->collector_collectives, collectives) < 0) {
        free(q);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    free(conn->collector_queue);
    conn->collector_queue = q;
    conn->collector_declared = 1;
    return collector_topology(conn, err);
}

uint64_t mst_connector_backlog(const struct mst_connector *conn) {
    return conn->collector_backlog;
}

const char *mst_connector_reply_queue(const struct mst_connector *conn) {
    return conn->reply_queue;
}

uint64_t mst_connector_dropped(const struct mst_connector *conn) {
    return conn->dropped;
}

/* ---- reconnecting ------------------------------------------------------- */

/* Sleep `ms` in slices; non-zero if *stop was raised meanwhile. */
static int sleep_unless_stopped(int64_t ms, volatile sig_atomic_t *stop) {
    int64_t until = mst_now_ms() + ms;
    for (;;) {
        if (stop != NULL && *stop)
            return 1;
        int64_t left = until - mst_now_ms();
        if (left <= 0)
            return 0;
        if (left > SLEEP_SLICE_MS)
            left = SLEEP_SLICE_MS;
        struct timespec ts = {0, (long)left * 1000000L};
        nanosleep(&ts, NULL); /* EINTR just means an earlier check */
    }
}

int64_t mst_connector_backoff_ms(unsigned pass, int64_t cap_ms, uint64_t rnd) {
    int64_t base = BACKOFF_FIRST_MS;
    for (unsigned i = 1; i < pass && base < cap_ms; i++)
        base *= 2;
    if (base > cap_ms)
        base = cap_ms;
    int64_t spread = base / 5;
    /* Jitter spreads a fleet's reconnects, but the cap is a promise. */
    int64_t high = base + spread > cap_ms ? cap_ms : base + spread;
    int64_t low = base - spread;
    return low + (int64_t)(rnd % (uint64_t)(high - low + 1));
}

static int64_t backoff_ms(struct mst_connector *conn, unsigned pass) {
    return mst_connector_backoff_ms(pass, conn->reconnect_max_ms,
                                    next_random(conn));
}

/* Declare again, on a fresh connection, everything declared before. */
static int redeclare(struct mst_connector *conn, struct mst_err *err) {
    int rc = MST_OK;
    if (conn->node_declared)
        rc = node_topology(conn, err);
    if (rc == MST_OK && conn->reply_declared)
        rc = reply_topology(conn, err);
    if (rc == MST_OK && conn->collector_declared)
        rc = collector_topology(conn, err);
    return rc;
}

int mst_connector_retry(struct mst_connector *conn, int64_t *delay_ms_r,
                        struct mst_err *err) {
    release_current(conn);
    /* Every failure drops the connection; one still up is the caller's
     * choice to move, so leave it properly. */
    close_politely(conn);
    int rc = mst_connector_connect(conn, err);
    if (rc == MST_OK) {
        rc = redeclare(conn, err);
        /* A refused declaration may be fixed by an operator: keep going. */
        if (rc != MST_OK)
            close_politely(conn);
    }
    if (rc == MST_OK) {
        conn->failed_passes = 0;
        *delay_ms_r = 0;
        return MST_OK;
    }
    *delay_ms_r = backoff_ms(conn, ++conn->failed_passes);
    return rc;
}

int mst_connector_reconnect(struct mst_connector *conn,
                            volatile sig_atomic_t *stop, struct mst_err *err) {
    int64_t delay_ms = 0;
    while (stop == NULL || !*stop) {
        if (mst_connector_retry(conn, &delay_ms, err) == MST_OK)
            return MST_OK;
        if (sleep_unless_stopped(delay_ms, stop))
            break;
    }
    return mst_err_set(err, MST_ESTOPPED, "stopped while reconnecting");
}

/* ---- writing frames ----------------------------------------------------- */

/*
 * rabbitmq-c 0.11 writes every frame with a send(2) of its own: a publish
 * (method, header, body) is three system calls, an ack a fourth.  On a
 * plain TCP connection the connector encodes the frames itself, with the
 * library's method and property encoders, and writes a publish - with the
 * acknowledgement waiting for it (mst_connector_ack_later) in front - in
 * one send(2).  The library keeps no output buffer and is single-threaded
 * here, so writing its socket between its own calls cannot interleave
 * frames.  Over TLS its SSL object is out of reach: frames go through
 * rabbitmq-c as before.
 */

#define FRAME_OVERHEAD 8 /* type, channel, size; the end octet */
#define METHOD_ROOM 1024 /* basic.publish: two short strings and a bit */
#define HEADER_ROOM 2048 /* basic properties: a few short strings */
#define OUTBOX_KEEP BODY_KEEP

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v) {
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* Room for `n` more bytes in the outbox. */
static int out_room(struct outbox *o, size_t n, struct mst_err *err) {
    if (o->len + n <= o->cap)
        return MST_OK;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + n)
        cap *= 2;
    uint8_t *b = realloc(o->buf, cap);
    if (b == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    o->buf = b;
    o->cap = cap;
    return MST_OK;
}

/* The frame whose payload of `len` bytes was written at o->len + 7. */
static void frame_done(struct outbox *o, uint8_t type, size_t len) {
    uint8_t *f = o->buf + o->len;
    f[0] = type;
    put16(f + 1, CHANNEL);
    put32(f + 3, (uint32_t)len);
    f[7 + len] = AMQP_FRAME_END;
    o->len += len + FRAME_OVERHEAD;
}

static int put_method(struct outbox *o, amqp_method_number_t id, void *m,
                      struct mst_err *err) {
    if (out_room(o, METHOD_ROOM, err) != MST_OK)
        return MST_ENOMEM;
    uint8_t *payload = o->buf + o->len + 7;
    put32(payload, id);
    amqp_bytes_t room = {METHOD_ROOM - FRAME_OVERHEAD - 4, payload + 4};
    int n = amqp_encode_method(id, m, room);
    if (n < 0)
        return mst_err_set(err, MST_EINVAL, "encoding a method: %s",
                           amqp_error_string2(n));
    frame_done(o, AMQP_FRAME_METHOD, 4 + (size_t)n);
    return MST_OK;
}

static int put_header(struct outbox *o, amqp_basic_properties_t *p,
                      uint64_t body_size, struct mst_err *err) {
    if (out_room(o, HEADER_ROOM, err) != MST_OK)
        return MST_ENOMEM;
    uint8_t *payload = o->buf + o->len + 7;
    put16(payload, AMQP_BASIC_CLASS);
    put16(payload + 2, 0); /* weight */
    put64(payload + 4, body_size);
    amqp_bytes_t room = {HEADER_ROOM - FRAME_OVERHEAD - 12, payload + 12};
    int n = amqp_encode_properties(AMQP_BASIC_CLASS, p, room);
    if (n < 0)
        return mst_err_set(err, MST_EINVAL, "encoding properties: %s",
                           amqp_error_string2(n));
    frame_done(o, AMQP_FRAME_HEADER, 12 + (size_t)n);
    return MST_OK;
}

/* The body in frames of at most the negotiated frame size (0: no limit,
 * which the unsigned subtraction turns into one frame). */
static int put_body(struct outbox *o, size_t frame_max, amqp_bytes_t body,
                    struct mst_err *err) {
    size_t chunk = frame_max - FRAME_OVERHEAD;
    for (size_t at = 0; at < body.len; at += chunk) {
        size_t n = body.len - at < chunk ? body.len - at : chunk;
        if (out_room(o, n + FRAME_OVERHEAD, err) != MST_OK)
            return MST_ENOMEM;
        memcpy(o->buf + o->len + 7, (const uint8_t *)body.bytes + at, n);
        frame_done(o, AMQP_FRAME_BODY, n);
    }
    return MST_OK;
}

/* The deferred ack, as a frame in front of what follows. */
static int put_ack(struct mst_connector *conn, struct mst_err *err) {
    amqp_basic_ack_t a = {.delivery_tag = conn->ack_tag, .multiple = 1};
    return put_method(&conn->out, AMQP_BASIC_ACK_METHOD, &a, err);
}

/*
 * Write the outbox to the socket, whole: the socket is non-blocking, so a
 * full send buffer waits in poll(2), at most two heartbeat intervals (the
 * broker is gone by then) or for ever without heartbeats, as rabbitmq-c
 * would.
 */
static int out_send(struct mst_connector *conn, const char *what,
                    struct mst_err *err) {
    int fd = amqp_get_sockfd(conn->amqp);
    int wait_ms = conn->heartbeat_s > 0 ? conn->heartbeat_s * 2000 : -1;
    const uint8_t *p = conn->out.buf;
    size_t left = conn->out.len;
    while (left > 0) {
        ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
        if (n >= 0) {
            p += n;
            left -= (size_t)n;
            continue;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        if (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) &&
                               poll(&pfd, 1, wait_ms) > 0))
            continue;
        return io_failed(conn,
                         errno == EAGAIN || errno == EWOULDBLOCK
                             ? AMQP_STATUS_HEARTBEAT_TIMEOUT
                             : AMQP_STATUS_SOCKET_ERROR,
                         what, err);
    }
    return MST_OK;
}

/* After a send: a buffer grown for one big body is not kept. */
static void out_reset(struct outbox *o) {
    o->len = 0;
    if (o->cap > OUTBOX_KEEP) {
        free(o->buf);
        o->buf = NULL;
        o->cap = 0;
    }
}

/* The deferred ack through rabbitmq-c (TLS, or nothing to carry it). */
static int send_ack_now(struct mst_connector *conn, struct mst_err *err) {
    int rc = amqp_basic_ack(conn->amqp, CHANNEL, conn->ack_tag, 1);
    conn->ack_count = 0;
    if (rc != AMQP_STATUS_OK)
        return io_failed(conn, rc, "acknowledging", err);
    return MST_OK;
}

/*
 * basic.publish of `body` with properties `p`, preceded by the deferred
 * ack if there is one: one send(2) on plain TCP.
 */
static int publish(struct mst_connector *conn, amqp_bytes_t exchange,
                   amqp_bytes_t routing_key, int mandatory,
                   amqp_basic_properties_t *p, struct mst_bytes body,
                   const char *what, struct mst_err *err) {
    amqp_bytes_t b = amqp_view(body);
    if (!conn->plain_tcp) {
        int rc = conn->ack_count > 0 ? send_ack_now(conn, err) : MST_OK;
        if (rc != MST_OK)
            return rc;
        rc = amqp_basic_publish(conn->amqp, CHANNEL, exchange, routing_key,
                                mandatory, /* immediate = */ 0, p, b);
        return rc == AMQP_STATUS_OK ? MST_OK : io_failed(conn, rc, what, err);
    }
    amqp_basic_publish_t m = {.exchange = exchange,
                              .routing_key = routing_key,
                              .mandatory = mandatory != 0};
    struct outbox *o = &conn->out;
    o->len = 0;
    int rc = conn->ack_count > 0 ? put_ack(conn, err) : MST_OK;
    if (rc == MST_OK)
        rc = put_method(o, AMQP_BASIC_PUBLISH_METHOD, &m, err);
    if (rc == MST_OK)
        rc = put_header(o, p, body.len, err);
    if (rc == MST_OK)
        rc = put_body(o, (size_t)amqp_get_frame_max(conn->amqp), b, err);
    if (rc == MST_OK) {
        rc = out_send(conn, what, err);
        conn->ack_count = 0;
    }
    out_reset(o);
    return rc;
}

/* ---- publishing --------------------------------------------------------- */

int mst_connector_publish_request(struct mst_connector *conn,
                                  const char *collective, const char *identity,
                                  const char *correlation_id, int64_t ttl_ms,
                                  struct mst_bytes body, struct mst_err *err) {
    char exchange[NAME_MAX_LEN + 1];
    int rc =
        mst_contract_request(exchange, sizeof exchange, collective, identity,
                             ttl_ms, conn->reply_queue != NULL, err);
    if (rc != MST_OK)
        return rc;
    if (conn->amqp == NULL)
        return not_connected(err);
    char expiration[24];
    snprintf(expiration, sizeof expiration, "%" PRId64, ttl_ms);
    amqp_basic_properties_t p = {0};
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
               AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG |
               AMQP_BASIC_EXPIRATION_FLAG;
    p.content_type = amqp_cstring_bytes("application/x-msgpack");
    p.delivery_mode = 1; /* transient: a request outliving a broker is stale */
    p.reply_to = amqp_cstring_bytes(conn->reply_queue);
    p.correlation_id = amqp_cstring_bytes(correlation_id ? correlation_id : "");
    p.expiration = amqp_cstring_bytes(expiration);
    /* mandatory: an identity nobody listens for comes back as a return. */
    return publish(conn, amqp_cstring_bytes(exchange),
                   amqp_cstring_bytes(identity ? identity : ""),
                   /* mandatory = */ identity != NULL, &p, body,
                   "publishing a request", err);
}

int mst_connector_publish_reply(struct mst_connector *conn,
                                struct mst_bytes reply_to,
                                struct mst_bytes correlation_id,
                                struct mst_bytes body, struct mst_err *err) {
    int rc = mst_contract_reply_to(reply_to, err);
    if (rc != MST_OK)
        return rc;
    if (conn->amqp == NULL)
        return not_connected(err);
    amqp_basic_properties_t p = {0};
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
               AMQP_BASIC_CORRELATION_ID_FLAG;
    p.content_type = amqp_cstring_bytes("application/x-msgpack");
    p.delivery_mode = 1;
    p.correlation_id = amqp_view(correlation_id);
    /* A reply to a vanished reply queue is dropped by the broker: fine. */
    return publish(conn, amqp_empty_bytes, amqp_view(reply_to),
                   /* mandatory = */ 0, &p, body, "publishing a reply", err);
}

int mst_connector_publish_registration(struct mst_connector *conn,
                                       const char *collective,
                                       struct mst_bytes body,
                                       struct mst_err *err) {
    char exchange[NAME_MAX_LEN + 1];
    int rc = mst_contract_exchange(exchange, sizeof exchange, collective,
                                   "registration", err);
    if (rc != MST_OK)
        return rc;
    if (conn->amqp == NULL)
        return not_connected(err);
    amqp_basic_properties_t p = {0};
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    p.content_type = amqp_cstring_bytes("application/x-msgpack");
    p.delivery_mode = 2; /* persistent: collector queues are durable */
    return publish(conn, amqp_cstring_bytes(exchange), amqp_empty_bytes,
                   /* mandatory = */ 0, &p, body, "publishing a registration",
                   err);
}

/* ---- consuming ---------------------------------------------------------- */

/*
 * Messages are read frame by frame instead of with amqp_consume_message():
 * rabbitmq-c 0.11 mallocs the body size a content header announces before
 * it reads a byte of the body, so one 120 MiB broadcast would inflate every
 * daemon by 120 MiB.  Here the announced size is checked first; a body over
 * max_body is read and dropped one frame at a time (the frame pool is
 * recycled after each), and the delivery is handed on, marked oversized,
 * to be acknowledged and counted.
 */

/* Short strings are copied into the connector's own arrays: no malloc per
 * message.  rabbitmq-c decodes them with a one-byte length. */
static void copy_short(struct shortstr *dst, amqp_bytes_t src) {
    dst->len = src.len < sizeof dst->bytes ? src.len : sizeof dst->bytes;
    if (dst->len > 0)
        memcpy(dst->bytes, src.bytes, dst->len);
}

static void copy_properties(struct mst_connector *conn,
                            const amqp_basic_properties_t *p) {
    if (p->_flags & AMQP_BASIC_REPLY_TO_FLAG)
        copy_short(&conn->in.reply_to, p->reply_to);
    if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
        copy_short(&conn->in.correlation_id, p->correlation_id);
}

static int on_method(struct mst_connector *conn, const amqp_frame_t *f,
                     struct mst_message *msg, struct mst_err *err);

/*
 * The next frame of a message on `channel`, which must be of `type`.  The
 * broker sends a message's frames back to back; only a close (shutdown,
 * an operator) may come between them, and ends the connection.
 */
static int next_frame(struct mst_connector *conn, amqp_channel_t channel,
                      uint8_t type, amqp_frame_t *f, struct mst_err *err) {
    int rc = amqp_simple_wait_frame(conn->amqp, f);
    if (rc != AMQP_STATUS_OK)
        return io_failed(conn, rc, "reading a message", err);
    if (f->frame_type == AMQP_FRAME_METHOD &&
        (f->payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
         f->payload.method.id == AMQP_CHANNEL_CLOSE_METHOD))
        return on_method(conn, f, NULL, err);
    if (f->frame_type != type || f->channel != channel)
        return io_failed(conn, AMQP_STATUS_BAD_AMQP_DATA,
                         "reading a message: frames out of order", err);
    return MST_OK;
}

/*
 * The content header of a message on `channel`.  Only basic's properties
 * are read (copy_properties): a header of another class decodes into that
 * class's smaller struct, and reading it as basic's would take stale bytes
 * of rabbitmq-c's frame pool for a reply-to.
 */
static int next_header(struct mst_connector *conn, amqp_channel_t channel,
                       amqp_frame_t *f, struct mst_err *err) {
    int rc = next_frame(conn, channel, AMQP_FRAME_HEADER, f, err);
    if (rc == MST_OK && f->payload.properties.class_id != AMQP_BASIC_CLASS)
        return io_failed(conn, AMQP_STATUS_BAD_AMQP_DATA,
                         "reading a message: content header not of class "
                         "basic",
                         err);
    return rc;
}

static int body_room(struct content *in, size_t size, struct mst_err *err) {
    if (size <= in->cap)
        return MST_OK;
    uint8_t *b = realloc(in->body, size);
    if (b == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    in->body = b;
    in->cap = size;
    return MST_OK;
}

/*
 * The body of `size` bytes announced by a content header: into conn->in
 * when it fits max_body, else read and dropped.  Either way each frame is
 * released as soon as it is consumed.
 */
static int read_body(struct mst_connector *conn, amqp_channel_t channel,
                     uint64_t size, int keep, struct mst_err *err) {
    struct content *in = &conn->in;
    if (keep && body_room(in, (size_t)size, err) != MST_OK)
        return MST_ENOMEM;
    uint64_t got = 0;
    while (got < size) {
        amqp_frame_t f;
        int rc = next_frame(conn, channel, AMQP_FRAME_BODY, &f, err);
        if (rc != MST_OK)
            return rc;
        amqp_bytes_t part = f.payload.body_fragment;
        if (part.len > size - got)
            return io_failed(conn, AMQP_STATUS_BAD_AMQP_DATA,
                             "reading a message: body longer than announced",
                             err);
        if (keep)
            memcpy(in->body + got, part.bytes, part.len);
        got += part.len;
        /* Nothing of this frame is referenced any more: recycle it. */
        amqp_maybe_release_buffers_on_channel(conn->amqp, channel);
    }
    in->len = keep ? (size_t)size : 0;
    return MST_OK;
}

/*
 * A method with content (deliver, return) was read on `channel`: read its
 * header and body into conn->in and fill the views of `msg`.
 */
static int read_content(struct mst_connector *conn, amqp_channel_t channel,
                        struct mst_message *msg, struct mst_err *err) {
    amqp_frame_t h;
    int rc = next_header(conn, channel, &h, err);
    if (rc != MST_OK)
        return rc;
    copy_properties(conn, h.payload.properties.decoded);
    uint64_t size = h.payload.properties.body_size;
    msg->body_size = size;
    msg->oversized = size > conn->max_body;
    rc = read_body(conn, channel, size, !msg->oversized, err);
    if (rc != MST_OK)
        return rc;
    msg->reply_to = short_view(&conn->in.reply_to);
    msg->correlation_id = short_view(&conn->in.correlation_id);
    msg->routing_key = short_view(&conn->in.routing_key);
    msg->body = (struct mst_bytes){conn->in.body, conn->in.len};
    return 1;
}

/* A dead letter: counted, its content skipped; 0 (nothing for the caller). */
static int read_dead(struct mst_connector *conn, amqp_channel_t channel,
                     struct mst_err *err) {
    amqp_frame_t h;
    int rc = next_header(conn, channel, &h, err);
    if (rc == MST_OK)
        rc = read_body(conn, channel, h.payload.properties.body_size,
                       /* keep = */ 0, err);
    if (rc != MST_OK)
        return rc;
    conn->dropped++;
    return 0;
}

static int read_delivery(struct mst_connector *conn, const amqp_frame_t *f,
                         struct mst_message *msg, struct mst_err *err) {
    const amqp_basic_deliver_t *d = f->payload.method.decoded;
    amqp_bytes_t dead = amqp_cstring_bytes(DEAD_TAG);
    if (d->consumer_tag.len == dead.len &&
        memcmp(d->consumer_tag.bytes, dead.bytes, dead.len) == 0)
        return read_dead(conn, f->channel, err);
    msg->kind = MST_MESSAGE_DELIVERY;
    msg->delivery_tag = d->delivery_tag;
    msg->generation = conn->generation;
    /* The method lives in the frame pool, recycled as the body arrives. */
    copy_short(&conn->in.routing_key, d->routing_key);
    return read_content(conn, f->channel, msg, err);
}

/* basic.return: an addressed request no queue was bound for. */
static int read_returned(struct mst_connector *conn, const amqp_frame_t *f,
                         struct mst_message *msg, struct mst_err *err) {
    const amqp_basic_return_t *ret = f->payload.method.decoded;
    msg->kind = MST_MESSAGE_RETURNED;
    msg->reply_code = ret->reply_code;
    copy_short(&conn->in.routing_key, ret->routing_key);
    return read_content(conn, f->channel, msg, err);
}

/*
 * One method frame.  Returns 1 (a message in *msg), 0 (nothing for the
 * caller) or a negative status; a connection or channel closed by the
 * broker is acknowledged and the connection dropped.
 */
static int on_method(struct mst_connector *conn, const amqp_frame_t *f,
                     struct mst_message *msg, struct mst_err *err) {
    switch (f->payload.method.id) {
    case AMQP_BASIC_DELIVER_METHOD:
        return read_delivery(conn, f, msg, err);
    case AMQP_BASIC_RETURN_METHOD:
        return read_returned(conn, f, msg, err);
    case AMQP_CONNECTION_CLOSE_METHOD:
    case AMQP_CHANNEL_CLOSE_METHOD: {
        amqp_rpc_reply_t r = {.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION,
                              .reply = f->payload.method};
        rpc_failed(conn, r, "connection lost", err);
        /* Whatever the broker's reason, for the caller it is a lost link. */
        if (err != NULL)
            err->code = MST_ECONNECT;
        return MST_ECONNECT;
    }
    case AMQP_BASIC_CANCEL_METHOD:
        close_politely(conn);
        return mst_err_set(err, MST_ECONNECT,
                           "consumer cancelled by broker (queue deleted?)");
    default:
        return 0; /* basic.ack and the like: nothing we asked for */
    }
}

/* Wait up to `tv` (NULL: for ever) for one frame and handle it. */
static int consume_frame(struct mst_connector *conn, struct timeval *tv,
                         struct mst_message *msg, struct mst_err *err) {
    amqp_maybe_release_buffers(conn->amqp);
    amqp_frame_t f;
    int rc = amqp_simple_wait_frame_noblock(conn->amqp, &f, tv);
    if (rc == AMQP_STATUS_TIMEOUT)
        return 0;
    if (rc != AMQP_STATUS_OK)
        return io_failed(conn, rc, "connection lost", err);
    if (f.frame_type != AMQP_FRAME_METHOD)
        return io_failed(conn, AMQP_STATUS_BAD_AMQP_DATA, "unexpected frame",
                         err);
    return on_method(conn, &f, msg, err);
}

int mst_connector_consume(struct mst_connector *conn, int timeout_ms,
                          struct mst_message *msg_r, struct mst_err *err) {
    release_current(conn);
    memset(msg_r, 0, sizeof *msg_r);
    if (conn->amqp == NULL)
        return not_connected(err);
    int64_t deadline = mst_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int64_t left = deadline - mst_now_ms();
        if (left < 0)
            left = 0;
        struct timeval tv = {(time_t)(left / 1000),
                             (suseconds_t)(left % 1000) * 1000};
        int rc = consume_frame(conn, timeout_ms < 0 ? NULL : &tv, msg_r, err);
        /* After an ignored frame, wait on for what is left of the time. */
        if (rc != 0 || (timeout_ms >= 0 && mst_now_ms() >= deadline))
            return rc;
    }
}

static int ack(struct mst_connector *conn, uint64_t tag, unsigned generation,
               int multiple, struct mst_err *err) {
    if (conn->amqp == NULL)
        return not_connected(err);
    /* Tags restart on a new channel: never ack one from a lost one. */
    if (generation != conn->generation)
        return mst_err_set(err, MST_ENOTFOUND,
                           "delivery came on a connection since lost");
    int rc = amqp_basic_ack(conn->amqp, CHANNEL, tag, multiple);
    if (rc != AMQP_STATUS_OK)
        return io_failed(conn, rc, "acknowledging", err);
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
    if (conn->amqp == NULL)
        return not_connected(err);
    if (generation != conn->generation)
        return mst_err_set(err, MST_ENOTFOUND,
                           "delivery came on a connection since lost");
    conn->ack_tag = tag;
    conn->ack_count++;
    return MST_OK;
}

int mst_connector_flush_acks(struct mst_connector *conn, unsigned min,
                             struct mst_err *err) {
    if (conn->amqp == NULL || conn->ack_count == 0 || conn->ack_count < min)
        return MST_OK;
    return send_ack_now(conn, err);
}

/* ---- the broker's clock ------------------------------------------------- */

#define CLOCK_WAIT_MS 5000
#define CLOCK_POLL_MS 10

/* The entry `key` of `t` if it is of `kind`, else NULL. */
static const amqp_field_value_t *table_get(const amqp_table_t *t,
                                           const char *key, uint8_t kind) {
    size_t n = strlen(key);
    for (int i = 0; t != NULL && i < t->num_entries; i++) {
        const amqp_table_entry_t *e = &t->entries[i];
        if (e->key.len == n && memcmp(e->key.bytes, key, n) == 0 &&
            e->value.kind == kind)
            return &e->value;
    }
    return NULL;
}

/* x-death[0].time of a dead-lettered message's properties, or 0. */
static uint64_t death_time(const amqp_basic_properties_t *p) {
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return 0;
    const amqp_field_value_t *deaths =
        table_get(&p->headers, "x-death", AMQP_FIELD_KIND_ARRAY);
    if (deaths == NULL || deaths->value.array.num_entries < 1 ||
        deaths->value.array.entries[0].kind != AMQP_FIELD_KIND_TABLE)
        return 0;
    const amqp_field_value_t *t =
        table_get(&deaths->value.array.entries[0].value.table, "time",
                  AMQP_FIELD_KIND_TIMESTAMP);
    return t != NULL ? t->value.u64 : 0;
}

/* basic.get on `queue` until a message comes; its x-death time. */
static int fetch_death(struct mst_connector *conn, const char *queue,
                       uint64_t *secs_r, struct mst_err *err) {
    int64_t until = mst_now_ms() + CLOCK_WAIT_MS;
    for (;;) {
        amqp_rpc_reply_t r = amqp_basic_get(
            conn->amqp, CHANNEL, amqp_cstring_bytes(queue), /* no_ack = */ 1);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            return rpc_failed(conn, r, "fetching the clock message", err);
        if (r.reply.id == AMQP_BASIC_GET_OK_METHOD)
            break;
        if (mst_now_ms() >= until)
            return mst_err_set(err, MST_ETIMEOUT,
                               "the broker did not dead-letter the clock "
                               "message within %d s",
                               CLOCK_WAIT_MS / 1000);
        mst_sleep_ms(CLOCK_POLL_MS);
    }
    amqp_frame_t h;
    int rc = next_header(conn, CHANNEL, &h, err);
    if (rc != MST_OK)
        return rc;
    /* Read before the body: its frames recycle the header's memory. */
    *secs_r = death_time(h.payload.properties.decoded);
    rc = read_body(conn, CHANNEL, h.payload.properties.body_size,
                   /* keep = */ 0, err);
    if (rc == MST_OK && *secs_r == 0)
        return mst_err_set(err, MST_EPROTO,
                           "the dead-lettered message has no x-death time");
    return rc;
}

static int delete_queue(struct mst_connector *conn, const char *queue,
                        struct mst_err *err) {
    amqp_queue_delete(conn->amqp, CHANNEL, amqp_cstring_bytes(queue),
                      /* if_unused = */ 0, /* if_empty = */ 0);
    return rpc_check(conn, "deleting a clock queue", err);
}

/* Publish to `ttl_queue`, which dead-letters into `dead_queue`. */
static int clock_round(struct mst_connector *conn, const char *ttl_queue,
                       const char *dead_queue, struct mst_broker_clock *c,
                       struct mst_err *err) {
    int64_t t0 = mst_wall_ms();
    int rc = amqp_basic_publish(conn->amqp, CHANNEL, amqp_empty_bytes,
                                amqp_cstring_bytes(ttl_queue),
                                /* mandatory = */ 0, /* immediate = */ 0, NULL,
                                amqp_cstring_bytes("muster clock"));
    if (rc != AMQP_STATUS_OK)
        return io_failed(conn, rc, "publishing the clock message", err);
    uint64_t secs = 0;
    rc = fetch_death(conn, dead_queue, &secs, err);
    if (rc != MST_OK)
        return rc;
    int64_t t1 = mst_wall_ms();
    c->broker_ms = (int64_t)secs * 1000 + 500;
    c->local_ms = t0 + (t1 - t0) / 2;
    c->uncertainty_ms = 500 + (t1 - t0) / 2;
    return MST_OK;
}

int mst_connector_broker_clock(struct mst_connector *conn,
                               struct mst_broker_clock *clock_r,
                               struct mst_err *err) {
    if (conn->amqp == NULL)
        return not_connected(err);
    if (conn->node_declared || conn->reply_declared)
        return mst_err_set(err, MST_EINVAL,
                           "the clock is read on a connector that declared "
                           "nothing");
    char *dead = NULL, *ttl = NULL;
    struct queue_args args;
    args.table = (amqp_table_t){0, args.e};
    int rc = declare_queue(conn, &args, &dead, err);
    if (rc == MST_OK) {
        arg_i32(&args, "x-message-ttl", 0);
        arg_utf8(&args, "x-dead-letter-exchange", "");
        arg_utf8(&args, "x-dead-letter-routing-key", dead);
        rc = declare_queue(conn, &args, &ttl, err);
    }
    if (rc == MST_OK)
        rc = clock_round(conn, ttl, dead, clock_r, err);
    if (rc == MST_OK)
        rc = delete_queue(conn, ttl, err);
    if (rc == MST_OK)
        rc = delete_queue(conn, dead, err);
    free(dead);
    free(ttl);
    return rc;
}

/* ---- state -------------------------------------------------------------- */

/* A UTF-8 or long-string entry of the server properties, or "". */
static void server_property(const amqp_table_t *t, const char *key, char *buf,
                            size_t size) {
    const amqp_field_value_t *v = table_get(t, key, AMQP_FIELD_KIND_UTF8);
    if (v == NULL)
        v = table_get(t, key, AMQP_FIELD_KIND_BYTES);
    if (v == NULL || size == 0) {
        if (size > 0)
            buf[0] = '\0';
        return;
    }
    snprintf(buf, size, "%.*s", BYTES_FMT(v->value.bytes));
}

void mst_connector_server(const struct mst_connector *conn, char *buf,
                          size_t size) {
    char product[64] = "", version[64] = "";
    if (conn->amqp != NULL) {
        const amqp_table_t *t = amqp_get_server_properties(conn->amqp);
        server_property(t, "product", product, sizeof product);
        server_property(t, "version", version, sizeof version);
    }
    snprintf(buf, size, "%s%s%s", product, product[0] && version[0] ? " " : "",
             version);
}

int mst_connector_fd(const struct mst_connector *conn) {
    return conn->amqp ? amqp_get_sockfd(conn->amqp) : -1;
}

int mst_connector_has_buffered(const struct mst_connector *conn) {
    if (conn->amqp == NULL)
        return 0;
    return amqp_frames_enqueued(conn->amqp) || amqp_data_in_buffer(conn->amqp);
}

const char *mst_connector_url(const struct mst_connector *conn) {
    return conn->urls[conn->url_at].display;
}
