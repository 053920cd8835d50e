/*
 * conn_probe.c - exercise the connector against a real RabbitMQ.
 *
 *   conn_probe                   self-test on $MST_TEST_AMQP_URL (skipped,
 *                                exit 77, when unset): for `meson test`
 *   conn_probe URL               self-test: node and client sides in one
 *                                process; exits non-zero on any mismatch
 *   conn_probe --soak SECS URL   node + client exchanging a request every
 *                                500 ms for SECS seconds, reconnecting on
 *                                loss and printing each state change; for
 *                                stopping the broker by hand meanwhile
 *
 * Only for development and integration tests; not installed.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "connector.h"

#define NODE_ID "probe-node"
#define COLLECTIVE "probe"
#define SMALL_BODY_MAX 4096

static volatile sig_atomic_t stop_flag;
static int failures;

static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static void check(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", ok ? "ok  " : "FAIL");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (!ok)
        failures++;
}

static int bytes_eq(struct mst_bytes b, const char *s) {
    return b.len == strlen(s) && (b.len == 0 || memcmp(b.ptr, s, b.len) == 0);
}

static struct mst_connector *open_one(const char *url, uint32_t max_body,
                                      const char *name) {
    char *v[] = {(char *)url};
    struct mst_strv urls = {v, 1};
    struct mst_connector_options o = {.tls_ca = getenv("MUSTER_TLS_CA"),
                                      .urls = &urls,
                                      .heartbeat_s = 10,
                                      .prefetch = 8,
                                      .connection_name = name,
                                      .max_body = max_body};
    struct mst_connector *c = NULL;
    struct mst_err err = {0};
    int rc = mst_connector_new(&o, &c, &err);
    if (rc == MST_OK)
        rc = mst_connector_connect(c, &err);
    check(rc == MST_OK, "%s connects to %s%s%s", name,
          c ? mst_connector_url(c) : url, rc ? ": " : "", err.msg);
    if (rc != MST_OK)
        mst_connector_free(&c);
    return c;
}

/* Consume until one message arrives or `ms` pass; 1, 0 or a status. */
static int wait_one(struct mst_connector *c, int ms, struct mst_message *m,
                    struct mst_err *err) {
    int64_t until = mst_now_ms() + ms;
    for (;;) {
        int64_t left = until - mst_now_ms();
        int rc = mst_connector_consume(c, left > 0 ? (int)left : 0, m, err);
        if (rc != 0 || left <= 0)
            return rc;
    }
}

/* ---- checks without a broker -------------------------------------------- */

static void url_checks(void) {
    const char *bad = "amqp://guest:secret@127.0.0.1:5801/";
    char *v[] = {(char *)bad};
    struct mst_strv urls = {v, 1};
    struct mst_connector_options o = {.urls = &urls,
                                      .tls_ca = getenv("MUSTER_TLS_CA")};
    struct mst_connector *c = NULL;
    struct mst_err err = {0};
    int rc = mst_connector_new(&o, &c, &err);
    check(rc == MST_EINVAL && strstr(err.msg, "empty vhost") != NULL &&
              strstr(err.msg, "secret") == NULL,
          "trailing slash refused without the password: %s", err.msg);

    v[0] = "amqp://guest:secret@127.0.0.1:5801/%2f";
    rc = mst_connector_new(&o, &c, &err);
    check(rc == MST_OK && c != NULL &&
              strcmp(mst_connector_url(c), "amqp://guest@127.0.0.1:5801/%2f") ==
                  0,
          "URL shown without password: %s", c ? mst_connector_url(c) : "-");
    mst_connector_free(&c);
    check(c == NULL, "free sets the pointer to NULL");

    v[0] = "http://127.0.0.1";
    rc = mst_connector_new(&o, &c, &err);
    check(rc == MST_EINVAL, "non-AMQP URL refused: %s", err.msg);
}

/* ---- checks against the broker ------------------------------------------ */

/* A connector to the `n` URLs `v`, connected: its status (a refused
 * mst_connector_new as MST_EINVAL); *c_r even when it did not connect. */
static int connect_urls(char **v, size_t n, struct mst_connector **c_r,
                        struct mst_err *err) {
    struct mst_strv urls = {v, n};
    struct mst_connector_options o = {
        .tls_ca = getenv("MUSTER_TLS_CA"), .urls = &urls, .heartbeat_s = 10};
    *c_r = NULL;
    mst_connector_new(&o, c_r, err);
    return *c_r ? mst_connector_connect(*c_r, err) : MST_EINVAL;
}

static void login_checks(const char *url) {
    char bad[512];
    /* The same host with a wrong password: user "guest", password "x". */
    const char *host = strchr(url, '@');
    const char *scheme = strncmp(url, "amqps:", 6) == 0 ? "amqps" : "amqp";
    snprintf(bad, sizeof bad, "%s://guest:x%s", scheme,
             host ? host : "@127.0.0.1");
    char *v[] = {bad};
    struct mst_connector *c;
    struct mst_err err = {0};
    int rc = connect_urls(v, 1, &c, &err);
    check(rc == MST_EPROTO && strstr(err.msg, "403") != NULL,
          "wrong password refused: %s", err.msg);
    check(mst_connector_fd(c) == -1, "no fd when not connected");
    rc = mst_connector_consume(c, 0, &(struct mst_message){0}, &err);
    check(rc == MST_ECONNECT, "consume when not connected: %s", err.msg);
    volatile sig_atomic_t stop = 1;
    rc = mst_connector_reconnect(c, &stop, &err);
    check(rc == MST_ESTOPPED, "reconnect honours a raised stop flag");
    mst_connector_free(&c);
}

/* The first URL refuses (unknown vhost), the second is taken. */
static void failover_check(const char *url) {
    char bad[512];
    snprintf(bad, sizeof bad, "%s/no-such-vhost", url);
    char *v[] = {bad, (char *)url};
    struct mst_connector *c;
    struct mst_err err = {0};
    int rc = connect_urls(v, 2, &c, &err);
    check(rc == MST_OK && strstr(mst_connector_url(c), "vhost") == NULL,
          "failover to the second URL: %s", c ? mst_connector_url(c) : "-");
    mst_connector_free(&c);
    v[1] = bad;
    rc = connect_urls(v, 2, &c, &err);
    check(rc == MST_ECONNECT && strstr(err.msg, "530") != NULL &&
              strstr(err.msg, "; ") != NULL,
          "every URL's failure summarised: %s", err.msg);
    mst_connector_free(&c);
}

/* A publish to an exchange nobody declared: the broker closes the channel
 * (404) and the next consume reports it as a lost connection. */
static void channel_error_check(const char *url) {
    struct mst_connector *c = open_one(url, 0, "probe-404");
    if (c == NULL)
        return;
    char *cv[] = {COLLECTIVE};
    struct mst_strv cs = {cv, 1};
    struct mst_err err = {0};
    mst_connector_declare_reply_queue(c, &cs, &err);
    int rc = mst_connector_publish_request(c, "never-declared", NULL, "x", 1000,
                                           MST_BYTES("x", 1), &err);
    struct mst_message m;
    if (rc == MST_OK)
        rc = wait_one(c, 5000, &m, &err);
    check(rc == MST_ECONNECT && strstr(err.msg, "404") != NULL &&
              mst_connector_fd(c) == -1,
          "channel error reported, connection dropped: %s", err.msg);
    mst_connector_free(&c);
}

static int declare_both(struct mst_connector *node,
                        struct mst_connector *client) {
    char *cv[] = {COLLECTIVE};
    struct mst_strv cs = {cv, 1};
    struct mst_err err = {0};
    int rc = mst_connector_declare_node(node, NODE_ID, &cs, &err);
    check(rc == MST_OK, "node topology declared%s%s", rc ? ": " : "", err.msg);
    int rc2 = mst_connector_declare_reply_queue(client, &cs, &err);
    check(rc2 == MST_OK && mst_connector_reply_queue(client) != NULL,
          "reply queue declared: %s",
          rc2 ? err.msg : mst_connector_reply_queue(client));
    return rc == MST_OK && rc2 == MST_OK ? 0 : -1;
}

static void publish(struct mst_connector *client, const char *identity,
                    const char *corr, struct mst_bytes body) {
    struct mst_err err = {0};
    int rc = mst_connector_publish_request(client, COLLECTIVE, identity, corr,
                                           30000, body, &err);
    check(rc == MST_OK, "publish %s request %s%s%s",
          identity ? "direct" : "broadcast", corr, rc ? ": " : "", err.msg);
}

/* The node takes one request, checks it, acks and answers it. */
static void node_serves(struct mst_connector *node, const char *want_corr,
                        const char *reply_queue) {
    struct mst_message m;
    struct mst_err err = {0};
    int rc = wait_one(node, 5000, &m, &err);
    check(rc == 1 && m.kind == MST_MESSAGE_DELIVERY &&
              bytes_eq(m.correlation_id, want_corr) &&
              bytes_eq(m.reply_to, reply_queue) && bytes_eq(m.body, "hello") &&
              !m.oversized,
          "node got request %s (rc %d) %s", want_corr, rc,
          rc < 0 ? err.msg : "");
    if (rc != 1)
        return;
    rc = mst_connector_ack(node, &m, &err);
    check(rc == MST_OK, "node acks %s", want_corr);
    rc = mst_connector_publish_reply(node, m.reply_to, m.correlation_id,
                                     MST_BYTES("pong", 4), &err);
    check(rc == MST_OK, "node replies to %s", want_corr);
    mst_connector_release(node, &m);
}

static void client_gets(struct mst_connector *client, const char *want_corr) {
    struct mst_message m;
    struct mst_err err = {0};
    int rc = wait_one(client, 5000, &m, &err);
    check(rc == 1 && m.kind == MST_MESSAGE_DELIVERY &&
              bytes_eq(m.correlation_id, want_corr) && bytes_eq(m.body, "pong"),
          "client got reply %s (rc %d) %s", want_corr, rc,
          rc < 0 ? err.msg : "");
}

static void round_trip(struct mst_connector *node, struct mst_connector *client,
                       const char *tag) {
    char b[64], d[64];
    snprintf(b, sizeof b, "%s-broadcast", tag);
    snprintf(d, sizeof d, "%s-direct", tag);
    const char *rq = mst_connector_reply_queue(client);
    publish(client, NULL, b, MST_BYTES("hello", 5));
    node_serves(node, b, rq);
    client_gets(client, b);
    publish(client, NODE_ID, d, MST_BYTES("hello", 5));
    node_serves(node, d, rq);
    client_gets(client, d);
}

static void returned_check(struct mst_connector *client) {
    publish(client, "no-such-node", "r-1", MST_BYTES("hello", 5));
    struct mst_message m;
    struct mst_err err = {0};
    int rc = wait_one(client, 5000, &m, &err);
    check(rc == 1 && m.kind == MST_MESSAGE_RETURNED && m.reply_code == 312 &&
              bytes_eq(m.routing_key, "no-such-node") &&
              bytes_eq(m.correlation_id, "r-1"),
          "unknown identity comes back returned (rc %d, code %d)", rc,
          m.reply_code);
    rc = mst_connector_ack(client, &m, &err);
    check(rc == MST_EINVAL, "a returned message cannot be acked");
}

static void oversized_check(struct mst_connector *node,
                            struct mst_connector *client) {
    static uint8_t big[SMALL_BODY_MAX + 1];
    memset(big, 'x', sizeof big);
    publish(client, NODE_ID, "big-1", MST_BYTES(big, sizeof big));
    struct mst_message m;
    struct mst_err err = {0};
    int rc = wait_one(node, 5000, &m, &err);
    check(rc == 1 && m.oversized && m.body.len == 0 &&
              bytes_eq(m.correlation_id, "big-1"),
          "oversized body dropped, message still handed on (rc %d)", rc);
    if (rc == 1)
        check(mst_connector_ack(node, &m, &err) == MST_OK,
              "oversized delivery acked");
}

/* Take `n` direct requests at the node, each acked later; 1 if all came. */
static int take_later(struct mst_connector *node, int n, const char *what) {
    int got = 0;
    for (int i = 0; i < n; i++) {
        struct mst_message m;
        struct mst_err err = {0};
        if (wait_one(node, 3000, &m, &err) != 1)
            break;
        got += mst_connector_ack_later(node, m.delivery_tag, m.generation,
                                       &err) == MST_OK;
    }
    check(got == n, "%s: %d of %d deliveries taken and acked later", what, got,
          n);
    return got == n;
}

/*
 * mst_connector_ack_later: the ack must reach the broker with the next
 * reply, else (at prefetch 8) the ninth request is never delivered; and
 * with mst_connector_flush_acks alone.  The reply is larger than a frame,
 * so it goes out as several body frames.
 */
static void deferred_ack_check(struct mst_connector *node,
                               struct mst_connector *client) {
    static uint8_t big[300 * 1024];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    for (int i = 0; i < 8; i++)
        publish(client, NODE_ID, "later", MST_BYTES("hello", 5));
    if (!take_later(node, 8, "prefetch full"))
        return;
    struct mst_err err = {0};
    int rc = mst_connector_publish_reply(
        node,
        MST_BYTES(mst_connector_reply_queue(client),
                  strlen(mst_connector_reply_queue(client))),
        MST_BYTES("big-reply", 9), MST_BYTES(big, sizeof big), &err);
    check(rc == MST_OK, "reply carrying the ack published%s%s", rc ? ": " : "",
          err.msg);
    struct mst_message m;
    rc = wait_one(client, 5000, &m, &err);
    check(rc == 1 && bytes_eq(m.correlation_id, "big-reply") &&
              m.body.len == sizeof big &&
              memcmp(m.body.ptr, big, sizeof big) == 0,
          "client got the %zu-byte reply intact (rc %d)", sizeof big, rc);
    publish(client, NODE_ID, "later", MST_BYTES("hello", 5));
    if (!take_later(node, 1, "after the reply: the ack went with it"))
        return;
    rc = mst_connector_flush_acks(node, 1, &err);
    check(rc == MST_OK, "ack flushed alone");
    for (int i = 0; i < 8; i++)
        publish(client, NODE_ID, "later", MST_BYTES("hello", 5));
    take_later(node, 8, "after the flush");
    mst_connector_flush_acks(node, 1, &err);
}

static void reconnect_check(struct mst_connector *node,
                            struct mst_connector *client) {
    char old[256];
    snprintf(old, sizeof old, "%s", mst_connector_reply_queue(client));
    /* Hold a delivery across the reconnect: its tag must not be acked. */
    publish(client, NODE_ID, "held-1", MST_BYTES("hello", 5));
    struct mst_message held;
    struct mst_err err = {0};
    int rc = wait_one(node, 5000, &held, &err);
    check(rc == 1, "node holds a delivery across the reconnect");
    struct mst_message copy = held;
    rc = mst_connector_reconnect(node, &stop_flag, &err);
    check(rc == MST_OK, "node reconnects%s%s", rc ? ": " : "", err.msg);
    rc = mst_connector_ack(node, &copy, &err);
    check(rc == MST_ENOTFOUND, "stale delivery not acked: %s", err.msg);
    rc =
        mst_connector_ack_later(node, copy.delivery_tag, copy.generation, &err);
    check(rc == MST_ENOTFOUND, "stale delivery not acked later: %s", err.msg);
    rc = mst_connector_reconnect(client, &stop_flag, &err);
    check(rc == MST_OK && strcmp(old, mst_connector_reply_queue(client)) != 0,
          "client reconnects with a new reply queue %s",
          mst_connector_reply_queue(client));
    round_trip(node, client, "after-reconnect");
}

static int self_test(const char *url) {
    url_checks();
    login_checks(url);
    failover_check(url);
    channel_error_check(url);
    struct mst_connector *node = open_one(url, SMALL_BODY_MAX, "probe-node");
    struct mst_connector *client = open_one(url, 0, "probe-client");
    if (node == NULL || client == NULL || declare_both(node, client) < 0)
        goto out;
    check(mst_connector_fd(node) >= 0, "node has a socket");
    round_trip(node, client, "first");
    returned_check(client);
    oversized_check(node, client);
    deferred_ack_check(node, client);
    reconnect_check(node, client);
out:
    mst_connector_free(&node);
    mst_connector_free(&client);
    fprintf(stderr, "%s: %d failure(s)\n", failures ? "FAILED" : "PASSED",
            failures);
    return failures ? 1 : 0;
}

/* ---- soak: survive a broker restart by hand ----------------------------- */

struct soak {
    long sent, served, answered, reconnects;
};

static void soak_reconnect(struct mst_connector *c, const char *side,
                           const char *why, struct soak *s) {
    fprintf(stderr, "[%lld] %s lost: %s\n", (long long)mst_wall_ms(), side,
            why);
    int64_t t0 = mst_now_ms();
    struct mst_err err = {0};
    int rc = mst_connector_reconnect(c, &stop_flag, &err);
    if (rc != MST_OK) {
        fprintf(stderr, "%s: %s\n", side, err.msg);
        return;
    }
    s->reconnects++;
    const char *q = mst_connector_reply_queue(c);
    fprintf(stderr, "[%lld] %s reconnected after %lld ms to %s%s%s\n",
            (long long)mst_wall_ms(), side, (long long)(mst_now_ms() - t0),
            mst_connector_url(c), q ? ", reply queue " : "", q ? q : "");
}

static void soak_node(struct mst_connector *node, struct soak *s) {
    struct mst_message m;
    struct mst_err err = {0};
    int rc = mst_connector_consume(node, 100, &m, &err);
    if (rc == 1) {
        s->served++;
        if (mst_connector_ack(node, &m, &err) == MST_OK)
            rc = mst_connector_publish_reply(node, m.reply_to, m.correlation_id,
                                             MST_BYTES("pong", 4), &err);
        else
            rc = err.code;
    }
    if (rc < 0 && err.code == MST_ECONNECT)
        soak_reconnect(node, "node", err.msg, s);
}

static void soak_client(struct mst_connector *client, struct soak *s,
                        int64_t *next_send) {
    struct mst_err err = {0};
    int rc = 0;
    if (mst_now_ms() >= *next_send) {
        char corr[32];
        snprintf(corr, sizeof corr, "soak-%ld", s->sent);
        rc = mst_connector_publish_request(client, COLLECTIVE, NULL, corr, 5000,
                                           MST_BYTES("hello", 5), &err);
        if (rc == MST_OK)
            s->sent++;
        *next_send = mst_now_ms() + 500;
    }
    struct mst_message m;
    if (rc == MST_OK)
        rc = mst_connector_consume(client, 100, &m, &err);
    if (rc == 1)
        s->answered++;
    if (rc < 0 && err.code == MST_ECONNECT)
        soak_reconnect(client, "client", err.msg, s);
}

static int soak(const char *url, int seconds) {
    struct mst_connector *node = open_one(url, 0, "probe-soak-node");
    struct mst_connector *client = open_one(url, 0, "probe-soak-client");
    if (node == NULL || client == NULL || declare_both(node, client) < 0)
        return 1;
    struct soak s = {0};
    int64_t end = mst_now_ms() + (int64_t)seconds * 1000, next_send = 0;
    long answered_at_reconnect = -1;
    while (!stop_flag && mst_now_ms() < end) {
        long before = s.reconnects;
        soak_node(node, &s);
        soak_client(client, &s, &next_send);
        if (s.reconnects != before)
            answered_at_reconnect = s.answered;
    }
    fprintf(stderr,
            "soak: sent %ld, served %ld, answered %ld, reconnects %ld, "
            "answered after last reconnect %ld\n",
            s.sent, s.served, s.answered, s.reconnects,
            answered_at_reconnect < 0 ? 0 : s.answered - answered_at_reconnect);
    mst_connector_free(&node);
    mst_connector_free(&client);
    return s.answered > 0 && (answered_at_reconnect < 0 ||
                              s.answered > answered_at_reconnect)
               ? 0
               : 1;
}

int main(int argc, char **argv) {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    /* Under `meson test`: the broker comes from the environment, and
     * without one the test is skipped (77), not failed. */
    if (argc == 1) {
        const char *url = getenv("MST_TEST_AMQP_URL");
        return url != NULL && url[0] != '\0' ? self_test(url) : 77;
    }
    if (argc == 2)
        return self_test(argv[1]);
    if (argc == 4 && strcmp(argv[1], "--soak") == 0)
        return soak(argv[3], (int)strtol(argv[2], NULL, 10));
    fprintf(stderr, "usage: conn_probe URL | conn_probe --soak SECS URL\n");
    return 2;
}
