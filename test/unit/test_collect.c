/*
 * test_collect.c - the client library's collection without a broker.
 *
 * mst_client_new() runs over the connector double (connector_double.h); a
 * test broker answers every request it sees published according to a
 * plan (which node replies, how often, with which status, or is unknown),
 * and the tests check what mst_client_call, mst_client_poll,
 * mst_discovery_run and mst_discovery_rollout make of it:
 * de-duplication, the expected set of addressed calls, unexpected and
 * invalid replies, every end reason and the batches of a rollout.  Time
 * is driven with short timeouts; nothing asserts on elapsed time.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "client.h"
#include "connector_double.h"
#include "discovery.h"
#include "pki.h"
#include "runner.h"
#include "wire/reply.h"
#include "wire/request.h"

/*
 * A quiet time or timeout that ends a test whose queued replies must all
 * be read first: they are read at once, so this only has to outlast a
 * busy machine's scheduling delays.  Tests about ending early use less.
 */
#define SETTLE_MS 500

/* How one node answers a request published to it (or to everyone). */
struct plan {
    const char *node;
    int status;            /* its reply's status */
    int copies;            /* 0 = 1; more: the same reply delivered again */
    int unknown;           /* addressed: no queue, the broker returns it */
    int silent;            /* does not answer */
    const char *also;      /* addressed: this other node answers too */
    int64_t after_ms;      /* its reply arrives this much later */
    const char *signed_by; /* x509: sealed with this node's certificate */
    int tamper;            /* x509: a payload byte changed after sealing */
};

#define PLAN_MAX 16
static struct plan plans[PLAN_MAX];
static size_t n_plans;
static int drop_on_publish; /* the broker goes away after a publish */
static int slow_handler_ms; /* on_reply sleeps this long after the first */

static char dir[64], pki[64];
static struct mst_config *cfg;
static struct mst_client *cl;
static struct mst_connector *conn;    /* the client's, via the double */
static struct mst_security *node_sec; /* seals the nodes' replies */
/* x509 fleets: nodes with certificates of their own (else node_sec) */
#define FLEET 8
static struct mst_security *fleet_sec[FLEET + 1]; /* n1..n8 */
static const char *verify_threads = "";           /* client section */

/* What the handlers saw. */
static struct mst_strv seen_replies; /* senders, in order */
static struct mst_strv seen_invalid; /* reasons */
static struct mst_strv seen_batches; /* "index/count:first..last" */
static int64_t last_rtt_us;

/* ---- the test broker ------------------------------------------------------
 */

static void plan(struct plan p) {
    ck_assert_uint_lt(n_plans, PLAN_MAX);
    plans[n_plans++] = p;
}

static const struct plan *plan_of(const char *node) {
    for (size_t i = 0; i < n_plans; i++)
        if (strcmp(plans[i].node, node) == 0)
            return &plans[i];
    return NULL;
}

/* Who signs `sender`'s replies: its own certificate if it has one. */
static struct mst_security *sealer(const char *sender) {
    int i = sender[0] == 'n' ? atoi(sender + 1) : 0;
    return i >= 1 && i <= FLEET && fleet_sec[i] ? fleet_sec[i] : node_sec;
}

/* Queue a reply from `sender` with `status` to request `id`, sealed by
 * `sec` (NULL: the sender's own), its statusmsg altered if `tamper`. */
static void queue_sealed(const char *id, const char *sender, int status,
                         int copies, int64_t after_ms, struct mst_security *sec,
                         int tamper) {
    struct mst_reply rep = {.sender = (char *)sender,
                            .time_ms = mst_wall_ms(),
                            .status = status,
                            .statusmsg = status ? "failed" : "OK",
                            .data = json_object()};
    mst_strlcpy(rep.id, id, sizeof rep.id);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(
        mst_reply_seal(sec ? sec : sealer(sender), &rep, &out, NULL), MST_OK);
    json_decref(rep.data);
    uint8_t *ok = tamper ? memmem(out.data, out.len, "OK", 2) : NULL;
    if (tamper) {
        ck_assert_ptr_nonnull(ok);
        ok[0] = 'N'; /* still a well-formed payload, no longer the signed one */
    }
    struct mst_double_message m = {.kind = MST_MESSAGE_DELIVERY,
                                   .body = mst_buf_view(&out),
                                   .correlation_id = id,
                                   .after_ms = after_ms};
    for (int i = 0; i < (copies ? copies : 1); i++)
        ck_assert_int_eq(mst_double_queue(conn, &m), MST_OK);
    mst_buf_free(&out);
}

static void queue_reply(const char *id, const char *sender, int status,
                        int copies, int64_t after_ms) {
    queue_sealed(id, sender, status, copies, after_ms, NULL, 0);
}

static void answer_as(const struct plan *p, const char *id) {
    if (!p->silent && !p->unknown)
        queue_sealed(id, p->node, p->status, p->copies, p->after_ms,
                     p->signed_by ? sealer(p->signed_by) : NULL, p->tamper);
}

/* The broker's side of a publish: route it by the plan. */
static void broker(struct mst_connector *c,
                   const struct mst_double_published *pub, void *ud) {
    (void)c, (void)ud;
    if (drop_on_publish) {
        mst_double_drop(conn, "double: broker went away");
        return;
    }
    if (pub->exchange[0] == '\0')
        return; /* a reply: not ours to route */
    if (pub->routing_key[0] == '\0') {
        for (size_t i = 0; i < n_plans; i++)
            answer_as(&plans[i], pub->correlation_id);
        return;
    }
    const struct plan *p = plan_of(pub->routing_key);
    if (p == NULL)
        return;
    if (p->unknown) {
        struct mst_double_message m = {.kind = MST_MESSAGE_RETURNED,
                                       .body = MST_BYTES(pub->body, pub->len),
                                       .routing_key = pub->routing_key,
                                       .correlation_id = pub->correlation_id};
        ck_assert_int_eq(mst_double_queue(conn, &m), MST_OK);
        return;
    }
    if (p->also != NULL)
        queue_reply(pub->correlation_id, p->also, MUSTER_OK, 1, 0);
    answer_as(p, pub->correlation_id);
}

static void on_new(struct mst_connector *c, void *ud) {
    (void)ud;
    mst_double_on_publish(c, broker, NULL);
}

/* ---- the client -----------------------------------------------------------
 */

static void write_config(const char *security) {
    char path[128], text[2048];
    snprintf(path, sizeof path, "%s/client.cfg", dir);
    snprintf(text, sizeof text,
             "identity = \"client1\";\n"
             "collectives = [\"muster\", \"ops\"];\n"
             "security: { %s };\n%s",
             security, verify_threads);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    struct mst_err err = {0};
    ck_assert_msg(mst_config_load(path, MST_CONFIG_CLIENT, &cfg, &err) ==
                      MST_OK,
                  "%s", err.msg);
}

static void connect_client(void) {
    struct mst_err err = {0};
    mst_double_on_new(on_new, NULL);
    ck_assert_msg(mst_client_new(cfg, &cl, &err) == MST_OK, "%s", err.msg);
    conn = mst_double_latest();
    ck_assert_ptr_nonnull(conn);
    ck_assert_ptr_nonnull(mst_connector_reply_queue(conn));
}

static void start_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/test_collect.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    n_plans = 0;
    drop_on_publish = 0;
    slow_handler_ms = 0;
}

static void start_none(void) {
    start_dir();
    write_config("provider = \"none\";");
    node_sec = pki_provider(NULL, NULL, MST_SECURITY_SERVER);
    connect_client();
}

static void stop(void) {
    mst_client_free(&cl);
    for (size_t i = 0; i <= FLEET; i++)
        mst_security_free(&fleet_sec[i]);
    verify_threads = "";
    ck_assert_ptr_null(mst_double_latest()); /* the client freed its own */
    mst_double_on_new(NULL, NULL);
    mst_security_free(&node_sec);
    mst_config_free(&cfg);
    mst_strv_free(&seen_replies);
    mst_strv_free(&seen_invalid);
    mst_strv_free(&seen_batches);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- calls and what they saw ------------------------------------------------
 */

static void on_reply(void *ud, const struct mst_reply *rep, const char *signer,
                     int64_t rtt_us) {
    (void)ud, (void)signer;
    mst_strv_push(&seen_replies, rep->sender);
    last_rtt_us = rtt_us;
    if (slow_handler_ms > 0 && seen_replies.n == 1)
        usleep((useconds_t)slow_handler_ms * 1000);
}

static void on_invalid(void *ud, const char *why) {
    (void)ud;
    mst_strv_push(&seen_invalid, why);
}

static void on_batch(void *ud, size_t index, size_t count,
                     const struct mst_strv *nodes) {
    (void)ud;
    char text[128];
    snprintf(text, sizeof text, "%zu/%zu:%s..%s", index, count, nodes->v[0],
             nodes->v[nodes->n - 1]);
    mst_strv_push(&seen_batches, text);
}

static const struct mst_call_handlers handlers = {
    .reply = on_reply, .invalid = on_invalid, .batch = on_batch};

/* A broadcast rpcutil ping with limits that never end a test by
 * themselves; each test shortens the one it is about. */
static struct mst_call_spec ping(void) {
    return (struct mst_call_spec){.agent = "rpcutil",
                                  .action = "ping",
                                  .discovery_timeout_ms = 20000,
                                  .timeout_ms = 20000,
                                  .ttl_ms = 60000};
}

static struct mst_strv nodes_of(const char *const *names) {
    struct mst_strv sv = {0};
    for (; *names != NULL; names++)
        ck_assert_int_eq(mst_strv_push(&sv, *names), MST_OK);
    return sv;
}

static void call(const struct mst_call_spec *spec, struct mst_call_stats *st) {
    struct mst_err err = {0};
    memset(st, 0, sizeof *st);
    ck_assert_msg(mst_client_call(cl, spec, &handlers, st, &err) == MST_OK,
                  "%s", err.msg);
}

/* `sv` holds exactly the names given (in order), then NULL. */
static void expect_names(const struct mst_strv *sv, const char *const *names) {
    size_t n = 0;
    for (; names[n] != NULL; n++) {
        ck_assert_msg(n < sv->n, "missing %s", names[n]);
        ck_assert_str_eq(sv->v[n], names[n]);
    }
    ck_assert_uint_eq(sv->n, n);
}
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_NAMES ((const char *const[]){NULL})

/* ---- broadcasts ------------------------------------------------------------
 */

START_TEST(broadcast_is_published_as_the_protocol_says) {
    struct mst_call_spec s = ping();
    s.expected = 1;
    plan((struct plan){.node = "n1"});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_uint_eq(mst_double_published_count(conn), 1);
    const struct mst_double_published *p = mst_double_published_at(conn, 0);
    ck_assert_str_eq(p->exchange, "muster.broadcast");
    ck_assert_str_eq(p->routing_key, "");
    ck_assert_int_eq(p->mandatory, 0);
    ck_assert_int_eq(p->expiration_ms, 60000);
    ck_assert_str_eq(p->reply_to, mst_connector_reply_queue(conn));
    ck_assert_str_eq(p->correlation_id, st.request_id);
    /* the body is the sealed request, naming the same reply queue */
    struct mst_request req = {0};
    char signer[MST_SIGNER_LEN];
    ck_assert_int_eq(mst_request_open(node_sec, MST_BYTES(p->body, p->len),
                                      &req, signer, NULL),
                     MST_OK);
    ck_assert_str_eq(req.id, st.request_id);
    ck_assert_str_eq(req.reply_to, p->reply_to);
    ck_assert_str_eq(req.agent, "rpcutil");
    ck_assert_str_eq(req.sender, "client1");
    ck_assert_str_eq(req.collective, "muster");
    /* the overall timeout goes out signed, as the deadline */
    ck_assert_int_eq(req.deadline_ms - req.time_ms, s.timeout_ms);
    mst_request_clear(&req);
    mst_call_stats_clear(&st);
}
END_TEST

/* Times left at 0 take the configuration's values, applied in the library
 * alone; the ttl goes out rounded up to whole seconds, the same in the
 * request and in the AMQP expiration. */
START_TEST(defaults_come_from_the_config_and_the_ttl_rounds_up) {
    cfg->ttl_ms = 1500;
    cfg->discovery_timeout_ms = SETTLE_MS;
    cfg->discovery_adaptive = 0; /* the --dt default itself ends it */
    struct mst_call_spec s = {.agent = "rpcutil", .action = "ping"};
    plan((struct plan){.node = "n1"});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_QUIET);
    ck_assert_uint_eq(st.responses, 1);
    const struct mst_double_published *p = mst_double_published_at(conn, 0);
    ck_assert_int_eq(p->expiration_ms, 2000);
    ck_assert_str_eq(p->exchange, "muster.broadcast");
    struct mst_request req = {0};
    char signer[MST_SIGNER_LEN];
    ck_assert_int_eq(mst_request_open(node_sec, MST_BYTES(p->body, p->len),
                                      &req, signer, NULL),
                     MST_OK);
    ck_assert_int_eq(req.ttl_ms, 2000);
    ck_assert_int_eq(req.deadline_ms - req.time_ms, cfg->timeout_ms);
    mst_request_clear(&req);
    mst_call_stats_clear(&st);
    s.ttl_ms = 2001; /* given: the config's is not used */
    s.expected = 1;
    plan((struct plan){.node = "n1"});
    call(&s, &st);
    ck_assert_int_eq(mst_double_published_at(conn, 1)->expiration_ms, 3000);
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(same_sender_twice_counts_once) {
    struct mst_call_spec s = ping();
    s.discovery_timeout_ms = SETTLE_MS;
    cfg->discovery_adaptive = 0;
    plan((struct plan){.node = "n1", .copies = 3});
    plan((struct plan){.node = "n2", .status = MUSTER_ABORTED});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_uint_eq(st.responses, 2);
    ck_assert_uint_eq(st.ok, 1);
    ck_assert_uint_eq(st.failed, 1);
    ck_assert_uint_eq(st.invalid, 0);
    expect_names(&seen_replies, NAMES("n1", "n2"));
    ck_assert_int_eq(st.ended, MST_END_QUIET);
    ck_assert_uint_eq(mst_double_queued(conn), 0); /* the copies were read */
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(expected_count_completes) {
    struct mst_call_spec s = ping();
    s.expected = 2;
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2"});
    plan((struct plan){.node = "n3"});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    ck_assert_uint_eq(st.responses, 2);
    ck_assert_uint_eq(mst_double_queued(conn), 1); /* n3's, never read */
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(discovery_window_ends_once_replies_flow) {
    struct mst_call_spec s = ping();
    s.discovery_window_ms = 30;
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2", .after_ms = 10000}); /* far too late */
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_WINDOW);
    ck_assert_uint_eq(st.responses, 1);
    mst_call_stats_clear(&st);
}
END_TEST

/* The default end follows the replies' spacing: replies 200 ms apart keep
 * it open (quiet = 2 x the longest gap), a straggler seconds later than
 * anything seen is not waited for, and --dt (20 s here) is not reached. */
START_TEST(adaptive_end_follows_the_reply_spacing) {
    struct mst_call_spec s = ping();
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2", .after_ms = 200});
    plan((struct plan){.node = "n3", .after_ms = 400});
    plan((struct plan){.node = "n4", .after_ms = 600});
    plan((struct plan){.node = "n5", .after_ms = 8000});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_WINDOW);
    expect_names(&seen_replies, NAMES("n1", "n2", "n3", "n4"));
    mst_call_stats_clear(&st);
}
END_TEST

/* A reply that waits on the queue is read even when the quiet time has
 * passed meanwhile (here: a slow handler): the silence was not the
 * nodes'. */
START_TEST(waiting_replies_are_read_after_a_slow_handler) {
    struct mst_call_spec s = ping();
    slow_handler_ms = 700; /* longer than the quiet time it creates */
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2"});
    plan((struct plan){.node = "n3"});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_WINDOW);
    expect_names(&seen_replies, NAMES("n1", "n2", "n3"));
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(quiet_time_ends_without_replies) {
    struct mst_call_spec s = ping();
    s.discovery_timeout_ms = 40;
    s.discovery_window_ms = 20; /* only once replies flow: not here */
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_QUIET);
    ck_assert_uint_eq(st.responses, 0);
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(overall_timeout_ends_a_broadcast) {
    struct mst_call_spec s = ping();
    s.timeout_ms = SETTLE_MS;
    cfg->discovery_adaptive = 0;
    plan((struct plan){.node = "n1"});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_TIMEOUT);
    ck_assert_uint_eq(st.responses, 1);
    ck_assert_int_ge(last_rtt_us, 0);
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(invalid_messages_are_counted) {
    struct mst_call_spec s = ping();
    s.expected = 1;
    plan((struct plan){.node = "n1"});
    /* already waiting on the reply queue when the call starts */
    static const char junk[] = "garbage";
    struct mst_double_message bad = {.kind = MST_MESSAGE_DELIVERY,
                                     .body = MST_BYTES(junk, 7)};
    struct mst_double_message big = {.kind = MST_MESSAGE_DELIVERY,
                                     .oversized = 1};
    ck_assert_int_eq(mst_double_queue(conn, &bad), MST_OK);
    ck_assert_int_eq(mst_double_queue(conn, &big), MST_OK);
    /* a late reply to an earlier request: dropped, neither valid nor not */
    queue_reply("0123456789abcdef0123456789abcdef", "n7", MUSTER_OK, 1, 0);
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_uint_eq(st.invalid, 2);
    ck_assert_uint_eq(seen_invalid.n, 2);
    ck_assert_uint_eq(st.responses, 1);
    expect_names(&seen_replies, NAMES("n1"));
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    mst_call_stats_clear(&st);
}
END_TEST

/* ---- addressed calls -------------------------------------------------------
 */

START_TEST(addressed_call_completes_with_unknown_nodes) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n2", "n3"));
    struct mst_call_spec s = ping();
    s.nodes = &nodes;
    plan((struct plan){.node = "n1", .copies = 2});
    plan((struct plan){.node = "n2", .unknown = 1});
    plan((struct plan){.node = "n3", .status = MUSTER_ABORTED});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    ck_assert_uint_eq(st.responses, 2);
    ck_assert_uint_eq(st.ok, 1);
    ck_assert_uint_eq(st.failed, 1);
    expect_names(&st.unknown, NAMES("n2"));
    expect_names(&st.no_response, NO_NAMES);
    expect_names(&st.unexpected, NO_NAMES);
    /* one mandatory publish per node to the direct exchange */
    ck_assert_uint_eq(mst_double_published_count(conn), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct mst_double_published *p = mst_double_published_at(conn, i);
        ck_assert_str_eq(p->exchange, "muster.direct");
        ck_assert_str_eq(p->routing_key, nodes.v[i]);
        ck_assert_int_eq(p->mandatory, 1);
        ck_assert_str_eq(p->correlation_id, st.request_id);
    }
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

START_TEST(addressed_call_times_out_naming_the_silent) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n2", "n3"));
    struct mst_call_spec s = ping();
    s.nodes = &nodes;
    s.timeout_ms = SETTLE_MS;
    s.discovery_timeout_ms = 10; /* broadcasts only: must not end this */
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2", .silent = 1});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_TIMEOUT);
    ck_assert_uint_eq(st.responses, 1);
    expect_names(&st.no_response, NAMES("n2", "n3"));
    expect_names(&st.unknown, NO_NAMES);
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

START_TEST(unaddressed_sender_is_unexpected) {
    struct mst_strv nodes = nodes_of(NAMES("n1"));
    struct mst_call_spec s = ping();
    s.nodes = &nodes;
    plan((struct plan){.node = "n1", .also = "x9"}); /* x9 answers first */
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    expect_names(&st.unexpected, NAMES("x9"));
    expect_names(&seen_replies, NAMES("x9", "n1"));
    ck_assert_uint_eq(st.responses, 2);
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

/* ---- failures of the broker
 * --------------------------------------------------- */

START_TEST(failed_publish_fails_the_call) {
    struct mst_call_spec s = ping();
    struct mst_call_stats st = {0};
    struct mst_err err = {0};
    mst_double_fail_next(conn, MST_DOUBLE_OP_PUBLISH, MST_ECONNECT, 1);
    ck_assert_int_eq(mst_client_call(cl, &s, &handlers, &st, &err),
                     MST_ECONNECT);
    ck_assert_str_eq(err.msg, "double: injected failure");
    ck_assert_int_eq(st.ended, MST_END_NONE);
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(lost_connection_fails_the_call) {
    struct mst_call_spec s = ping();
    struct mst_call_stats st = {0};
    struct mst_err err = {0};
    drop_on_publish = 1;
    ck_assert_int_eq(mst_client_call(cl, &s, &handlers, &st, &err),
                     MST_ECONNECT);
    ck_assert_str_eq(err.msg, "double: broker went away");
    ck_assert_int_eq(st.ended, MST_END_NONE);
    mst_call_stats_clear(&st);
}
END_TEST

static void refuse_connect(struct mst_connector *c, void *ud) {
    (void)ud;
    mst_double_fail_next(c, MST_DOUBLE_OP_CONNECT, MST_ECONNECT, 1);
}

START_TEST(failed_connect_fails_the_client) {
    struct mst_client *other = NULL;
    struct mst_err err = {0};
    mst_double_on_new(refuse_connect, NULL);
    ck_assert_int_eq(mst_client_new(cfg, &other, &err), MST_ECONNECT);
    ck_assert_ptr_null(other);
    ck_assert_ptr_null(mst_double_latest()); /* freed on the way out */
}
END_TEST

/* ---- send and poll, discovery ----------------------------------------------
 */

START_TEST(send_then_poll) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n9"));
    struct mst_call_spec s = ping();
    s.nodes = &nodes;
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n9", .unknown = 1});
    char id[MST_ID_LEN];
    struct mst_err err = {0};
    ck_assert_int_eq(mst_client_send(cl, &s, id, &err), MST_OK);
    ck_assert_int_eq(mst_client_poll(cl, 0, &handlers, &err), 1);
    ck_assert_int_eq(mst_client_poll(cl, 0, &handlers, &err), 1);
    ck_assert_int_eq(mst_client_poll(cl, 10, &handlers, &err), 0);
    expect_names(&seen_replies, NAMES("n1"));
    ck_assert_int_eq(last_rtt_us, -1);
    expect_names(&seen_invalid, NAMES("no such node: n9"));
    mst_strv_free(&nodes);
}
END_TEST

START_TEST(discovery_lists_the_repliers_sorted) {
    struct mst_call_spec s = ping();
    s.agent = "package"; /* discovery always pings */
    s.discovery_timeout_ms = SETTLE_MS;
    plan((struct plan){.node = "web2"});
    plan((struct plan){.node = "db1", .copies = 2});
    plan((struct plan){.node = "web1"});
    struct mst_strv found = {0};
    struct mst_err err = {0};
    ck_assert_int_eq(mst_discovery_run(cl, &s, &found, &err), MST_OK);
    ck_assert_uint_eq(found.n, 3);
    expect_names(&found, NAMES("db1", "web1", "web2"));
    ck_assert_uint_eq(mst_double_published_count(conn), 1);
    struct mst_request req = {0};
    char signer[MST_SIGNER_LEN];
    const struct mst_double_published *p = mst_double_published_at(conn, 0);
    ck_assert_int_eq(mst_request_open(node_sec, MST_BYTES(p->body, p->len),
                                      &req, signer, NULL),
                     MST_OK);
    ck_assert_str_eq(req.agent, "rpcutil");
    ck_assert_str_eq(req.action, "ping");
    mst_request_clear(&req);
    mst_strv_free(&found);
}
END_TEST

/* ---- rollouts
 * ---------------------------------------------------------------- */

static void rollout(const struct mst_strv *nodes,
                    const struct mst_discovery_rollout *ro,
                    struct mst_call_stats *st) {
    struct mst_call_spec s = ping();
    s.nodes = nodes;
    s.timeout_ms = SETTLE_MS; /* a silent node ends its batch */
    struct mst_err err = {0};
    memset(st, 0, sizeof *st);
    ck_assert_msg(mst_discovery_rollout(cl, &s, ro, &handlers, st, &err) ==
                      MST_OK,
                  "%s", err.msg);
}

START_TEST(rollout_goes_in_batches) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n2", "n3", "n4", "n5"));
    for (size_t i = 0; i < nodes.n; i++)
        plan((struct plan){.node = nodes.v[i]});
    struct mst_discovery_rollout ro = {.batch_size = 2};
    struct mst_call_stats st;
    rollout(&nodes, &ro, &st);
    ck_assert_uint_eq(st.batches, 3);
    expect_names(&seen_batches,
                 NAMES("1/3:n1..n2", "2/3:n3..n4", "3/3:n5..n5"));
    ck_assert_uint_eq(st.responses, 5);
    ck_assert_uint_eq(st.ok, 5);
    expect_names(&st.not_reached, NO_NAMES);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    /* one request per batch, sent only to that batch */
    ck_assert_uint_eq(mst_double_published_count(conn), 5);
    const struct mst_double_published *first = mst_double_published_at(conn, 0);
    const struct mst_double_published *third = mst_double_published_at(conn, 2);
    ck_assert_str_eq(mst_double_published_at(conn, 1)->correlation_id,
                     first->correlation_id);
    ck_assert_str_ne(third->correlation_id, first->correlation_id);
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

START_TEST(rollout_stops_after_failures) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n2", "n3", "n4", "n5"));
    for (size_t i = 0; i < nodes.n; i++)
        plan((struct plan){.node = nodes.v[i]});
    plans[1].status = MUSTER_ABORTED; /* n2 fails in the first batch */
    struct mst_discovery_rollout ro = {.batch_size = 2, .fail = {.n = 1}};
    struct mst_call_stats st;
    rollout(&nodes, &ro, &st);
    ck_assert_uint_eq(st.batches, 1);
    ck_assert_uint_eq(st.failed, 1);
    expect_names(&st.not_reached, NAMES("n3", "n4", "n5"));
    ck_assert_uint_eq(mst_double_published_count(conn), 2);
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

START_TEST(rollout_counts_silent_and_unknown_nodes_as_failed) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n2", "n3", "n4", "n5", "n6"));
    for (size_t i = 0; i < nodes.n; i++)
        plan((struct plan){.node = nodes.v[i]});
    plans[0].silent = 1;  /* batch 1: no reply */
    plans[3].unknown = 1; /* batch 2: no such node */
    struct mst_discovery_rollout ro = {.batch_size = 2, .fail = {.n = 2}};
    struct mst_call_stats st;
    rollout(&nodes, &ro, &st);
    ck_assert_uint_eq(st.batches, 2);
    expect_names(&st.no_response, NAMES("n1"));
    expect_names(&st.unknown, NAMES("n4"));
    expect_names(&st.not_reached, NAMES("n5", "n6"));
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

/* ---- x509: a node may only speak for itself ---------------------------------
 */

static void pki_setup(void) {
    pki_init(pki, MST_KEY_EC);
    pki_issue(pki, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    char name[8];
    for (int i = 1; i <= FLEET; i++) {
        snprintf(name, sizeof name, "n%d", i);
        pki_issue(pki, name, MST_CERT_SERVER, MST_KEY_EC, 0);
    }
}

static void pki_teardown(void) {
    pki_remove(pki);
}

static void start_x509(void) {
    start_dir();
    char security[1024];
    snprintf(security, sizeof security,
             "provider = \"x509\"; ca = \"%s\"; cert = \"%s\"; key = \"%s\";",
             pki_path(pki, "ca", "pem"), pki_path(pki, "alice", "pem"),
             pki_path(pki, "alice", "key"));
    write_config(security);
    node_sec = pki_provider(pki, "n1", MST_SECURITY_SERVER);
    connect_client();
}

START_TEST(signed_replies_must_name_their_signer) {
    struct mst_call_spec s = ping();
    s.discovery_timeout_ms = SETTLE_MS;
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2"}); /* signed by n1's certificate */
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_uint_eq(st.responses, 1);
    expect_names(&seen_replies, NAMES("n1"));
    ck_assert_uint_eq(st.invalid, 1);
    ck_assert_ptr_nonnull(strstr(seen_invalid.v[0], "signed by n1"));
    mst_call_stats_clear(&st);
}
END_TEST

/* ---- x509 with verify_threads = 4: verification in parallel, acceptance
 * in order ------------------------------------------------------------- */

static void start_parallel(void) {
    verify_threads = "client: { verify_threads = 4; };\n";
    start_x509();
    char name[8];
    for (int i = 1; i <= FLEET; i++) {
        snprintf(name, sizeof name, "n%d", i);
        fleet_sec[i] = pki_provider(pki, name, MST_SECURITY_SERVER);
    }
    ck_assert_int_eq(cfg->client_verify_threads, 4);
}

static void plan_fleet(void) {
    static const char *const names[FLEET] = {"n1", "n2", "n3", "n4",
                                             "n5", "n6", "n7", "n8"};
    for (size_t i = 0; i < FLEET; i++)
        plan((struct plan){.node = names[i]});
}

START_TEST(parallel_replies_keep_arrival_order) {
    struct mst_call_spec s = ping();
    s.expected = FLEET;
    plan_fleet();
    plans[0].copies = 2; /* a duplicate between them, too */
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    ck_assert_uint_eq(st.responses, FLEET);
    ck_assert_uint_eq(st.invalid, 0);
    expect_names(&seen_replies,
                 NAMES("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"));
    mst_call_stats_clear(&st);
    /* the same again with the certificates cached: still in order */
    call(&s, &st);
    expect_names(&seen_replies,
                 NAMES("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n1",
                       "n2", "n3", "n4", "n5", "n6", "n7", "n8"));
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(parallel_duplicates_count_once) {
    struct mst_call_spec s = ping();
    s.discovery_timeout_ms = SETTLE_MS;
    plan((struct plan){.node = "n1", .copies = 3});
    plan((struct plan){.node = "n2", .status = MUSTER_ABORTED});
    plan((struct plan){.node = "n3", .copies = 2});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_uint_eq(st.responses, 3);
    ck_assert_uint_eq(st.ok, 2);
    ck_assert_uint_eq(st.failed, 1);
    ck_assert_uint_eq(st.invalid, 0);
    expect_names(&seen_replies, NAMES("n1", "n2", "n3"));
    ck_assert_uint_eq(mst_double_queued(conn), 0); /* every copy was read */
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(parallel_addressed_expected_set) {
    struct mst_strv nodes = nodes_of(NAMES("n1", "n2", "n3", "n4"));
    struct mst_call_spec s = ping();
    s.nodes = &nodes;
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2", .also = "n7"}); /* n7 answers first */
    plan((struct plan){.node = "n3", .unknown = 1});
    plan((struct plan){.node = "n4", .status = MUSTER_ABORTED});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    expect_names(&seen_replies, NAMES("n1", "n7", "n2", "n4"));
    expect_names(&st.unexpected, NAMES("n7"));
    expect_names(&st.unknown, NAMES("n3"));
    expect_names(&st.no_response, NO_NAMES);
    ck_assert_uint_eq(st.responses, 4);
    ck_assert_uint_eq(st.failed, 1);
    mst_call_stats_clear(&st);
    mst_strv_free(&nodes);
}
END_TEST

/* Read-ahead stops at what could still be needed: the rest stays queued,
 * as on the serial path. */
START_TEST(parallel_expected_count_leaves_the_rest) {
    struct mst_call_spec s = ping();
    s.expected = 3;
    plan_fleet();
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_int_eq(st.ended, MST_END_COMPLETE);
    ck_assert_uint_eq(st.responses, 3);
    expect_names(&seen_replies, NAMES("n1", "n2", "n3"));
    ck_assert_uint_eq(mst_double_queued(conn), FLEET - 3);
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(parallel_forged_replies_are_refused) {
    struct mst_call_spec s = ping();
    s.discovery_timeout_ms = SETTLE_MS;
    plan((struct plan){.node = "n1"});
    plan((struct plan){.node = "n2", .signed_by = "n5"}); /* n5 posing */
    plan((struct plan){.node = "n3", .tamper = 1});
    plan((struct plan){.node = "n4"});
    struct mst_call_stats st;
    call(&s, &st);
    expect_names(&seen_replies, NAMES("n1", "n4"));
    ck_assert_uint_eq(st.responses, 2);
    ck_assert_uint_eq(st.invalid, 2);
    ck_assert_uint_eq(seen_invalid.n, 2);
    ck_assert_ptr_nonnull(strstr(seen_invalid.v[0], "signed by n5"));
    ck_assert_ptr_nonnull(strstr(seen_invalid.v[1], "bad signature"));
    mst_call_stats_clear(&st);
}
END_TEST

START_TEST(unsigned_replies_are_invalid) {
    mst_security_free(&node_sec);
    node_sec = pki_provider(NULL, NULL, MST_SECURITY_SERVER);
    struct mst_call_spec s = ping();
    s.discovery_timeout_ms = SETTLE_MS;
    plan((struct plan){.node = "n1"});
    struct mst_call_stats st;
    call(&s, &st);
    ck_assert_uint_eq(st.responses, 0);
    ck_assert_uint_eq(st.invalid, 1);
    mst_call_stats_clear(&st);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("collect");
    TCase *bc = mst_test_case(s, "broadcast", start_none, stop, 30);
    tcase_add_test(bc, broadcast_is_published_as_the_protocol_says);
    tcase_add_test(bc, defaults_come_from_the_config_and_the_ttl_rounds_up);
    tcase_add_test(bc, same_sender_twice_counts_once);
    tcase_add_test(bc, expected_count_completes);
    tcase_add_test(bc, discovery_window_ends_once_replies_flow);
    tcase_add_test(bc, quiet_time_ends_without_replies);
    tcase_add_test(bc, adaptive_end_follows_the_reply_spacing);
    tcase_add_test(bc, waiting_replies_are_read_after_a_slow_handler);
    tcase_add_test(bc, overall_timeout_ends_a_broadcast);
    tcase_add_test(bc, invalid_messages_are_counted);

    TCase *ad = mst_test_case(s, "addressed", start_none, stop, 30);
    tcase_add_test(ad, addressed_call_completes_with_unknown_nodes);
    tcase_add_test(ad, addressed_call_times_out_naming_the_silent);
    tcase_add_test(ad, unaddressed_sender_is_unexpected);
    tcase_add_test(ad, send_then_poll);
    tcase_add_test(ad, discovery_lists_the_repliers_sorted);

    TCase *br = mst_test_case(s, "broker_failures", start_none, stop, 30);
    tcase_add_test(br, failed_publish_fails_the_call);
    tcase_add_test(br, lost_connection_fails_the_call);
    tcase_add_test(br, failed_connect_fails_the_client);

    TCase *ro = mst_test_case(s, "rollout", start_none, stop, 30);
    tcase_add_test(ro, rollout_goes_in_batches);
    tcase_add_test(ro, rollout_stops_after_failures);
    tcase_add_test(ro, rollout_counts_silent_and_unknown_nodes_as_failed);

    TCase *x = mst_test_case(s, "x509", start_x509, stop, 30);
    tcase_add_unchecked_fixture(x, pki_setup, pki_teardown);
    tcase_add_test(x, signed_replies_must_name_their_signer);
    tcase_add_test(x, unsigned_replies_are_invalid);

    TCase *par = mst_test_case(s, "parallel", start_parallel, stop, 60);
    tcase_add_unchecked_fixture(par, pki_setup, pki_teardown);
    tcase_add_test(par, parallel_replies_keep_arrival_order);
    tcase_add_test(par, parallel_duplicates_count_once);
    tcase_add_test(par, parallel_addressed_expected_set);
    tcase_add_test(par, parallel_expected_count_leaves_the_rest);
    tcase_add_test(par, parallel_forged_replies_are_refused);
    return s;
}

int main(void) {
    return mst_test_run(suite());
}
