/*
 * client.c - publish a request, gather replies.
 *
 * Replies are read on the calling thread and opened (decoded, verified) by
 * the verifier (verifier.h: client.verify_threads workers, or inline);
 * they are accepted - counted, de-duplicated, matched to the addressed
 * nodes, handed to the caller - on the calling thread, in arrival order.
 */
#include "client.h"

#include <pwd.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "security/security.h"
#include "verifier.h"
#include "wire/request.h"

/* Messages read ahead of their acceptance: enough to keep every verifier
 * busy, little enough to stay small (each slot holds one body). */
#define VERIFY_DEPTH 256

/*
 * The adaptive end of a broadcast (docs/performance.md): once replies
 * flow, it ends after twice the longest gap seen between consecutive
 * replies (the first gap runs from the publish), but never sooner than
 * ADAPTIVE_MIN_MS of quiet and never later than the discovery timeout.
 */
#define ADAPTIVE_MIN_MS 250
#define ADAPTIVE_FACTOR 2

struct mst_client {
    const struct mst_config *cfg;
    struct mst_security *sec;
    struct mst_connector *conn;
    struct mst_verifier *verifier;
    char caller[MST_IDENTITY_MAX + 1];
};

/* One call's progress, private to mst_client_call. */
struct collect {
    const struct mst_call_spec *spec;
    const struct mst_call_handlers *h;
    struct mst_call_stats *st;
    void *seen;          /* tsearch tree: senders already counted
                            (owned copies) */
    void *addressed;     /* tsearch tree: &spec->nodes->v[i] */
    unsigned char *done; /* per addressed node: answered or unknown */
    bool adaptive;       /* broadcast: end by the reply spacing */
    size_t remaining;    /* addressed nodes still awaited */
    int64_t start_us;
    int64_t last_us;    /* last reply received, for the quiet time */
    int64_t max_gap_us; /* longest wait for the next reply, adaptive end */
};

static int open_reply(void *ud, struct mst_bytes body, struct mst_reply *rep,
                      char signer[MST_SIGNER_LEN], char why[MST_ERR_LEN]);

/*
 * client.verify_threads: 0 = one per core, 1 = none (verify inline).  With
 * no signatures (provider "none") the default is inline: decoding a reply
 * costs a few microseconds, less than waking a thread for it.
 */
static unsigned worker_threads(const struct mst_config *cfg) {
    long n = cfg->client_verify_threads;
    if (n <= 0 && cfg->security_provider != NULL &&
        strcmp(cfg->security_provider, "none") == 0)
        n = 1;
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 1 ? (unsigned)n : 0;
}

/* Nodes trust the verified certificate, so say what they will see. */
static void set_caller(struct mst_client *cl) {
    const char *cn = mst_security_own_name(cl->sec);
    if (cn[0] != '\0') {
        snprintf(cl->caller, sizeof cl->caller, "cert=%s", cn);
        return;
    }
    const struct passwd *pw = getpwuid(geteuid());
    snprintf(cl->caller, sizeof cl->caller, "user=%s",
             pw ? pw->pw_name : "unknown");
}

int mst_client_new(const struct mst_config *cfg, struct mst_client **cl_r,
                   struct mst_err *err) {
    return mst_client_new_known(cfg, NULL, cl_r, err);
}

int mst_client_new_known(const struct mst_config *cfg,
                         const struct mst_known_certs *known,
                         struct mst_client **cl_r, struct mst_err *err) {
    struct mst_client *cl = calloc(1, sizeof *cl);
    if (cl == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    cl->cfg = cfg;
    struct mst_security_options so = {
        .provider = cfg->security_provider,
        .role = MST_SECURITY_CLIENT,
        .ca = cfg->security_ca,
        .cert = cfg->security_cert,
        .key = cfg->security_key,
        .cert_cache = cfg->security_cert_cache,
        .known = known,
    };
    char name[300];
    snprintf(name, sizeof name, "muster@%s", cfg->identity);
    struct mst_connector_options co = {
        .urls = &cfg->broker_urls,
        .heartbeat_s = cfg->broker_heartbeat,
        .connection_name = name,
        .tls_ca = cfg->security_ca,
        .tls_cert = cfg->security_cert,
        .tls_key = cfg->security_key,
        .queue_max_length = cfg->broker_reply_queue_max_length,
        .queue_overflow = cfg->broker_queue_overflow,
        /* A reply older than the longest request TTL answers nobody. */
        .queue_ttl_ms = cfg->security_max_ttl_ms,
        .reconnect_max_ms = cfg->broker_reconnect_max_ms,
    };
    int rc = mst_security_new(&so, &cl->sec, err);
    if (rc == MST_OK) {
        set_caller(cl);
        rc = mst_connector_new(&co, &cl->conn, err);
    }
    if (rc == MST_OK)
        rc = mst_verifier_new(worker_threads(cfg), VERIFY_DEPTH, open_reply, cl,
                              &cl->verifier, err);
    if (rc == MST_OK)
        rc = mst_connector_connect(cl->conn, err);
    if (rc == MST_OK)
        rc =
            mst_connector_declare_reply_queue(cl->conn, &cfg->collectives, err);
    if (rc != MST_OK) {
        mst_client_free(&cl);
        return rc;
    }
    *cl_r = cl;
    return MST_OK;
}

void mst_client_free(struct mst_client **cl) {
    if (cl == NULL || *cl == NULL)
        return;
    mst_verifier_free(&(*cl)->verifier);
    mst_connector_free(&(*cl)->conn);
    mst_security_free(&(*cl)->sec);
    free(*cl);
    *cl = NULL;
}

const char *mst_client_caller(const struct mst_client *cl) {
    return cl->caller;
}

const struct mst_config *mst_client_config(const struct mst_client *cl) {
    return cl->cfg;
}

void mst_call_stats_clear(struct mst_call_stats *st) {
    mst_strv_free(&st->no_response);
    mst_strv_free(&st->unknown);
    mst_strv_free(&st->unexpected);
    mst_strv_free(&st->not_reached);
    memset(st, 0, sizeof *st);
}

/*
 * Replies are matched to senders and addressed nodes with glibc's balanced
 * trees (tsearch): O(log n) per reply, where a list made a 1000-node
 * rollout cost about a million comparisons.
 */
static int cmp_str(const void *a, const void *b) {
    return strcmp(a, b);
}

static int cmp_node(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_nothing(void *p) {
    (void)p;
}

/* Index every addressed node; duplicates keep their first position. */
static int index_nodes(struct collect *c) {
    const struct mst_strv *nodes = c->spec->nodes;
    for (size_t i = 0; nodes != NULL && i < nodes->n; i++)
        if (tsearch(&nodes->v[i], &c->addressed, cmp_node) == NULL)
            return MST_ENOMEM;
    return MST_OK;
}

/* The position of `name` (`len` bytes) in spec->nodes, or -1. */
static ssize_t node_index(const struct collect *c, const char *name,
                          size_t len) {
    char key[MST_IDENTITY_MAX + 1];
    if (c->spec->nodes == NULL || len > MST_IDENTITY_MAX)
        return -1;
    memcpy(key, name, len);
    key[len] = '\0';
    const char *k = key;
    char **const *hit = tfind(&k, &c->addressed, cmp_node);
    return hit ? *hit - c->spec->nodes->v : -1;
}

/* 1 when `sender` was already counted; else remembers it and returns 0. */
static int seen_before(struct collect *c, const char *sender) {
    if (tfind(sender, &c->seen, cmp_str) != NULL)
        return 1;
    char *copy = strdup(sender);
    if (copy == NULL || tsearch(copy, &c->seen, cmp_str) == NULL)
        free(copy); /* out of memory: counted, just not de-duplicated */
    return 0;
}

/*
 * `spec` with every 0 replaced by the configuration's default: the one
 * place defaults are applied (the CLI and the public API pass 0).
 */
static struct mst_call_spec with_defaults(const struct mst_client *cl,
                                          const struct mst_call_spec *spec) {
    const struct mst_config *cfg = cl->cfg;
    struct mst_call_spec s = *spec;
    if (s.collective == NULL)
        s.collective = cfg->collectives.v[0];
    if (s.discovery_timeout_ms <= 0)
        s.discovery_timeout_ms = cfg->discovery_timeout_ms;
    if (s.discovery_window_ms <= 0)
        s.discovery_window_ms = cfg->discovery_window_ms;
    if (s.timeout_ms <= 0)
        s.timeout_ms = cfg->timeout_ms;
    if (s.ttl_ms <= 0)
        s.ttl_ms = cfg->ttl_ms;
    return s;
}

/*
 * The wire carries whole seconds: round up, so a request never expires
 * before the time asked for.  The one rounding of the TTL; the AMQP
 * expiration uses the same value, so the broker drops an untaken request
 * when the nodes would refuse it.
 */
static int64_t wire_ttl_ms(int64_t ttl_ms) {
    return (ttl_ms + 999) / 1000 * 1000;
}

/* The request payload, sealed, in `out`. */
static int build(struct mst_client *cl, const struct mst_call_spec *spec,
                 int64_t ttl_ms, struct mst_buf *out, char id_r[MST_ID_LEN],
                 struct mst_err *err) {
    struct mst_request req = {0};
    if (mst_id_new(req.id) != MST_OK)
        return mst_err_set(err, MST_EIO, "cannot read random bytes for an id");
    req.time_ms = mst_wall_ms();
    req.ttl_ms = ttl_ms;
    /* Signed, so that a node never starts what this client no longer
     * waits for; a longer timeout than the wire allows changes nothing,
     * the ttl (bounded the same) ends the request first. */
    int64_t wait_ms = spec->timeout_ms;
    if (wait_ms > MST_TTL_MAX_S * 1000LL)
        wait_ms = MST_TTL_MAX_S * 1000LL;
    req.deadline_ms = req.time_ms + wait_ms;
    req.collective = (char *)spec->collective;
    req.agent = (char *)spec->agent;
    req.action = (char *)spec->action;
    req.caller = cl->caller;
    req.sender = cl->cfg->identity;
    req.reply_to = (char *)mst_connector_reply_queue(cl->conn);
    json_t *empty = json_object();
    req.filter = spec->filter ? (json_t *)spec->filter : empty;
    req.data = spec->data ? (json_t *)spec->data : empty;
    int rc = mst_request_seal(cl->sec, &req, out, err);
    json_decref(empty);
    memcpy(id_r, req.id, MST_ID_LEN);
    return rc;
}

/* The broker drops the request when the nodes would refuse it as expired. */
static int publish(struct mst_client *cl, const struct mst_call_spec *spec,
                   int64_t ttl_ms, const char *id, struct mst_bytes body,
                   struct mst_err *err) {
    const char *collective = spec->collective;
    if (spec->nodes == NULL)
        return mst_connector_publish_request(cl->conn, collective, NULL, id,
                                             ttl_ms, body, err);
    for (size_t i = 0; i < spec->nodes->n; i++) {
        int rc = mst_connector_publish_request(
            cl->conn, collective, spec->nodes->v[i], id, ttl_ms, body, err);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static void on_returned(struct collect *c, const struct mst_verified *r) {
    ssize_t i = node_index(c, r->routing_key, r->routing_key_len);
    if (i < 0 || c->done[i])
        return;
    c->done[i] = 1;
    c->remaining--;
    mst_strv_push(&c->st->unknown, c->spec->nodes->v[i]);
}

static void invalid(struct collect *c, const char *why) {
    c->st->invalid++;
    if (c->h && c->h->invalid)
        c->h->invalid(c->h->ud, why);
}

/* Count a verified reply once per sender, and tell the caller. */
static void accept_reply(struct collect *c, const struct mst_reply *rep,
                         const char *signer, int64_t recv_us) {
    if (seen_before(c, rep->sender))
        return; /* a duplicate delivery */
    if (c->spec->nodes != NULL) {
        ssize_t i = node_index(c, rep->sender, strlen(rep->sender));
        if (i < 0) {
            mst_strv_push(&c->st->unexpected, rep->sender);
        } else if (!c->done[i]) {
            c->done[i] = 1;
            c->remaining--;
        }
    }
    c->st->responses++;
    if (rep->status == MUSTER_OK)
        c->st->ok++;
    else
        c->st->failed++;
    if (recv_us - c->last_us > c->max_gap_us)
        c->max_gap_us = recv_us - c->last_us;
    c->last_us = recv_us;
    if (c->h && c->h->reply)
        c->h->reply(c->h->ud, rep, signer, recv_us - c->start_us);
}

/*
 * Decode and verify a reply; a node may only speak for itself (its
 * certificate names it).  On failure `why` says what was refused.  Runs
 * on the verifier's threads (an mst_verify_fn; `ud` is the client).
 */
static int open_reply(void *ud, struct mst_bytes body, struct mst_reply *rep,
                      char signer[MST_SIGNER_LEN], char why[MST_ERR_LEN]) {
    struct mst_client *cl = ud;
    struct mst_err err = {0};
    if (mst_reply_open(cl->sec, body, rep, signer, &err) != MST_OK) {
        mst_strlcpy(why, err.msg, MST_ERR_LEN);
        return MST_ESECURITY;
    }
    if (signer[0] != '\0' && strcmp(signer, rep->sender) != 0) {
        snprintf(why, MST_ERR_LEN,
                 "reply claiming to be from %.100s is "
                 "signed by %.100s",
                 rep->sender, signer);
        mst_reply_clear(rep);
        return MST_ESECURITY;
    }
    return MST_OK;
}

/* One message's outcome, in arrival order, on the calling thread. */
static void on_verified(struct collect *c, const struct mst_verified *r) {
    if (r->kind == MST_MESSAGE_RETURNED) {
        if (c->spec->nodes != NULL)
            on_returned(c, r);
    } else if (r->oversized) {
        invalid(c, "a reply larger than the message cap was dropped");
    } else if (r->rc != MST_OK) {
        invalid(c, r->why);
    } else if (strcmp(r->rep.id, c->st->request_id) == 0) {
        accept_reply(c, &r->rep, r->signer, r->recv_us);
    } /* else: a late reply to an earlier request on this queue; dropped */
}

const char *mst_call_end_name(enum mst_call_end end) {
    static const char *const names[] = {
        [MST_END_NONE] = "",
        [MST_END_COMPLETE] = "complete",
        [MST_END_WINDOW] = "discovery_window",
        [MST_END_QUIET] = "discovery_timeout",
        [MST_END_TIMEOUT] = "timeout",
    };
    return (unsigned)end < sizeof names / sizeof names[0] ? names[end] : "";
}

/* The quiet time the reply spacing seen so far calls for, in ms. */
static int64_t adaptive_ms(const struct collect *c) {
    int64_t ms = ADAPTIVE_FACTOR * c->max_gap_us / 1000;
    return ms > ADAPTIVE_MIN_MS ? ms : ADAPTIVE_MIN_MS;
}

/* The deadline for a broadcast's quiet time, and which limit it is. */
static int64_t quiet_end(const struct collect *c, enum mst_call_end *why) {
    const struct mst_call_spec *s = c->spec;
    int64_t quiet_ms = s->discovery_timeout_ms;
    *why = MST_END_QUIET;
    /* The window only applies once replies flow: before the first,
     * a slow network still gets the whole --dt. */
    int64_t window_ms = s->discovery_window_ms > 0 ? s->discovery_window_ms
                        : c->adaptive              ? adaptive_ms(c)
                                                   : 0;
    if (window_ms > 0 && c->st->responses > 0 && window_ms < quiet_ms) {
        quiet_ms = window_ms;
        *why = MST_END_WINDOW;
    }
    return c->last_us + quiet_ms * 1000;
}

/*
 * Milliseconds left before collection ends, or 0 when it should end; then
 * c->st->ended says why.
 */
static int64_t wait_left(const struct collect *c) {
    const struct mst_call_spec *s = c->spec;
    int64_t now = mst_now_us();
    int64_t end = c->start_us + s->timeout_ms * 1000;
    enum mst_call_end why = MST_END_TIMEOUT;
    bool complete = s->nodes != NULL
                        ? c->remaining == 0
                        : s->expected > 0 && c->st->responses >= s->expected;
    if (complete) {
        c->st->ended = MST_END_COMPLETE;
        return 0;
    }
    if (s->nodes == NULL) {
        enum mst_call_end quiet_why;
        int64_t quiet = quiet_end(c, &quiet_why);
        if (quiet < end) {
            end = quiet;
            why = quiet_why;
        }
    }
    if (end > now)
        return (end - now + 999) / 1000;
    c->st->ended = why;
    return 0;
}

/*
 * How many more messages may be read ahead now: never more than could
 * still be needed, so that a call that completes leaves the rest on the
 * queue exactly as the serial path does.
 */
static size_t read_room(const struct collect *c, struct mst_verifier *v) {
    const struct mst_call_spec *s = c->spec;
    size_t room = mst_verifier_room(v), pending = mst_verifier_pending(v);
    size_t need = s->nodes != NULL ? c->remaining
                  : s->expected > 0 && s->expected > c->st->responses
                      ? s->expected - c->st->responses
                      : SIZE_MAX;
    need = need > pending ? need - pending : 0;
    return need < room ? need : room;
}

/* Accept the oldest result, waiting up to `wait_ms` for it. */
static void accept_head(struct collect *c, struct mst_verifier *v,
                        int wait_ms) {
    const struct mst_verified *r = mst_verifier_head(v, wait_ms);
    if (r != NULL) {
        on_verified(c, r);
        mst_verifier_pop(v);
    }
}

/* Accept every result that is ready, in order, until the call completes. */
static void accept_ready(struct collect *c, struct mst_verifier *v) {
    const struct mst_verified *r;
    while (c->st->ended != MST_END_COMPLETE &&
           (r = mst_verifier_head(v, 0)) != NULL) {
        on_verified(c, r);
        mst_verifier_pop(v);
        wait_left(c); /* marks the call complete */
    }
}

/*
 * Read while results are verified.  A message consumed before the end is
 * always accepted (the end waits for its verification), nothing is
 * accepted after the call completed, and a broadcast does not end for
 * quiet while a reply already waits to be read: then the silence was this
 * process not running (a busy machine, a slow handler), not the nodes.
 */
static int gather(struct mst_client *cl, struct collect *c,
                  struct mst_err *err) {
    struct mst_verifier *v = cl->verifier;
    for (;;) {
        accept_ready(c, v);
        int64_t left = wait_left(c);
        size_t pending = mst_verifier_pending(v);
        enum mst_call_end end = left == 0 ? c->st->ended : MST_END_NONE;
        if (end == MST_END_COMPLETE || (end == MST_END_TIMEOUT && !pending))
            break;
        if (pending > 0 && (left == 0 || read_room(c, v) == 0)) {
            accept_head(c, v, -1);
            continue;
        }
        struct mst_message msg;
        int wait = left == 0 || pending > 0 ? 0 : (int)left;
        int rc = mst_connector_consume(cl->conn, wait, &msg, err);
        if (rc < 0) {
            mst_verifier_discard(v);
            return rc;
        }
        if (rc == 1) {
            rc = mst_verifier_submit(v, &msg, mst_now_us());
            mst_connector_release(cl->conn, &msg);
            if (rc != MST_OK)
                invalid(c, "out of memory for a reply");
        } else if (left == 0) {
            break; /* quiet, and nothing waiting */
        } else if (pending > 0) {
            accept_head(c, v, 1); /* the socket is idle: verify meanwhile */
        }
    }
    mst_verifier_discard(v);
    return MST_OK;
}

static void list_missing(struct collect *c) {
    for (size_t i = 0; c->spec->nodes && i < c->spec->nodes->n; i++)
        if (!c->done[i])
            mst_strv_push(&c->st->no_response, c->spec->nodes->v[i]);
}

int mst_client_call(struct mst_client *cl, const struct mst_call_spec *given,
                    const struct mst_call_handlers *h,
                    struct mst_call_stats *st, struct mst_err *err) {
    const struct mst_call_spec resolved = with_defaults(cl, given);
    const struct mst_call_spec *spec = &resolved;
    int64_t ttl_ms = wire_ttl_ms(spec->ttl_ms);
    struct collect c = {.spec = spec,
                        .h = h,
                        .st = st,
                        .adaptive = cl->cfg->discovery_adaptive};
    struct mst_buf body;
    mst_buf_init(&body, 0);
    int rc = build(cl, spec, ttl_ms, &body, st->request_id, err);
    size_t n = spec->nodes ? spec->nodes->n : 0;
    c.done = calloc(n ? n : 1, 1);
    c.remaining = n;
    if (rc == MST_OK && (c.done == NULL || index_nodes(&c) != MST_OK))
        rc = mst_err_set(err, MST_ENOMEM, "out of memory");
    c.start_us = c.last_us = mst_now_us();
    if (rc == MST_OK)
        rc =
            publish(cl, spec, ttl_ms, st->request_id, mst_buf_view(&body), err);
    if (rc == MST_OK)
        rc = gather(cl, &c, err);
    st->elapsed_us = mst_now_us() - c.start_us;
    list_missing(&c);
    free(c.done);
    tdestroy(c.seen, free);
    tdestroy(c.addressed, free_nothing);
    mst_buf_free(&body);
    return rc;
}

int mst_client_send(struct mst_client *cl, const struct mst_call_spec *given,
                    char id_r[MST_ID_LEN], struct mst_err *err) {
    const struct mst_call_spec spec = with_defaults(cl, given);
    int64_t ttl_ms = wire_ttl_ms(spec.ttl_ms);
    struct mst_buf body;
    mst_buf_init(&body, 0);
    int rc = build(cl, &spec, ttl_ms, &body, id_r, err);
    if (rc == MST_OK)
        rc = publish(cl, &spec, ttl_ms, id_r, mst_buf_view(&body), err);
    mst_buf_free(&body);
    return rc;
}

int mst_client_poll(struct mst_client *cl, int timeout_ms,
                    const struct mst_call_handlers *h, struct mst_err *err) {
    struct mst_message msg;
    int rc = mst_connector_consume(cl->conn, timeout_ms, &msg, err);
    if (rc <= 0)
        return rc;
    struct mst_reply rep = {0};
    char signer[MST_SIGNER_LEN] = "", why[MST_ERR_LEN] = "";
    if (msg.kind == MST_MESSAGE_RETURNED)
        snprintf(why, sizeof why, "no such node: %.*s",
                 (int)msg.routing_key.len, (const char *)msg.routing_key.ptr);
    else if (msg.oversized)
        snprintf(why, sizeof why, "a reply larger than the message cap");
    else if (open_reply(cl, msg.body, &rep, signer, why) == MST_OK) {
        if (h && h->reply)
            h->reply(h->ud, &rep, signer, -1);
        mst_reply_clear(&rep);
    }
    if (why[0] != '\0' && h && h->invalid)
        h->invalid(h->ud, why);
    mst_connector_release(cl->conn, &msg);
    return 1;
}
