/*
 * test_dispatch.c - musterd's dispatch without a broker: real envelopes
 * (security "none" and x509 with a CA made here) go into
 * musterd_dispatch(), and the connector double (connector_double.h) shows
 * what was published.  Every path is checked three ways: the counters
 * (exactly the ones expected moved), the reply (status, data, sent to the
 * reply queue named in the signed payload) or its absence, and the audit
 * line.  The builtin rpcutil agent runs inline; test/agents' test_agent
 * (a plugin) and exttest (an external agent) run in forked workers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authz.h"
#include "base/log.h"
#include "base/status.h"
#include "connector_double.h"
#include "daemon.h"
#include "dispatch.h"
#include "fixture.h"
#include "host.h"
#include "loader.h"
#include "musterd.h"
#include "pki.h"
#include "policy/audit.h"
#include "ratelimit.h"
#include "refresh.h"
#include "registration.h"
#include "registry.h"
#include "runner.h"
#include "security/replay.h"
#include "targeting/facts.h"
#include "wire/reply.h"
#include "wire/request.h"
#include "worker.h"

#define IDENTITY "node1"
#define REPLY_QUEUE "amq.gen-client-replies"
#define MAX_TTL_S 600
#define SKEW_S 60
#define REPLAY_CACHE 16 /* the smallest allowed */

static char pki[64], other_pki[64]; /* CAs, made once for the suite */
static char dir[64];                /* one per test */
static struct musterd d;
static struct mst_security *client_sec; /* seals what the tests send */

/* ---- the CAs ------------------------------------------------------------ */

static void pki_setup(void) {
    pki_init(pki, MST_KEY_EC);
    pki_issue(pki, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    pki_issue(pki, IDENTITY, MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_init(other_pki, MST_KEY_EC);
    pki_issue(other_pki, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
}

static void pki_teardown(void) {
    pki_remove(pki);
    pki_remove(other_pki);
}

/* ---- the daemon ---------------------------------------------------------- */

static const char *in_dir(const char *name) {
    static char buf[8][300];
    static int at;
    at = (at + 1) % 8;
    snprintf(buf[at], sizeof buf[at], "%s/%s", dir, name);
    return buf[at];
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void copy_agent(const char *file) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s/%s' '%s'", MST_TEST_AGENTS_DIR, file,
             in_dir("agents"));
    ck_assert_msg(system(cmd) == 0, "cannot copy %s", file);
}

/* rpcutil: alice may do anything, everyone may ping and read facts. */
static const char rpcutil_policy[] = "policy default deny\n"
                                     "allow\tcert=alice user=alice\t*\t*\t*\n"
                                     "allow\t*\tping get_fact\t*\t*\n";

/*
 * A daemon state as main() builds it, from a config file: identity node1,
 * collectives muster and ops, facts role=web, policies, an audit file, the
 * builtin agents and test_agent; the connector is the double, connected,
 * with the node topology declared.  `x509` picks the provider; with
 * `broken_audit` the audit file cannot be opened and audit.required is set.
 */
static void start(int x509, int broken_audit) {
    snprintf(dir, sizeof dir, "/tmp/test_dispatch.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(mkdir(in_dir("agents"), 0700), 0);
    ck_assert_int_eq(mkdir(in_dir("policy"), 0700), 0);
    copy_agent("test_agent.so");
    copy_agent("test_agent.json");
    copy_agent("exttest");
    copy_agent("exttest.json");
    write_file(in_dir("policy/rpcutil.policy"), rpcutil_policy);
    write_file(in_dir("facts.json"), "{\"role\": \"web\"}\n");
    char security[1024] = "provider = \"none\";";
    if (x509)
        snprintf(security, sizeof security,
                 "provider = \"x509\"; ca = \"%s\"; cert = \"%s\"; "
                 "key = \"%s\";",
                 pki_path(pki, "ca", "pem"), pki_path(pki, IDENTITY, "pem"),
                 pki_path(pki, IDENTITY, "key"));
    char text[4096];
    snprintf(text, sizeof text,
             "identity = \"" IDENTITY "\";\n"
             "collectives = [\"muster\", \"ops\"];\n"
             "security: { %s skew = %d; max_ttl = %d; replay_cache = %d; };\n"
             "facts: { files = [\"%s\"]; refresh = 0; };\n"
             "agents: { dir = \"%s\"; run_as = \"root\"; };\n"
             "authorization: { policy_dir = \"%s\"; default = \"allow\"; };\n"
             "audit: { file = \"%s\"; required = %s; };\n"
             "log: { level = \"err\"; };\n"
             /* on in the registration tests only */
             "registration: { interval = 0; };\n",
             security, SKEW_S, MAX_TTL_S, REPLAY_CACHE, in_dir("facts.json"),
             in_dir("agents"), in_dir("policy"),
             in_dir(broken_audit ? "missing/audit.log" : "audit.log"),
             broken_audit ? "true" : "false");
    write_file(in_dir("server.cfg"), text);

    struct mst_err err = {0};
    memset(&d, 0, sizeof d);
    ck_assert_msg(mst_config_load(in_dir("server.cfg"), MST_CONFIG_SERVER,
                                  &d.cfg, &err) == MST_OK,
                  "%s", err.msg);
    mst_log_threshold = d.cfg->log_level;
    struct mst_security_options so = {
        .provider = d.cfg->security_provider,
        .role = MST_SECURITY_SERVER,
        .ca = d.cfg->security_ca,
        .cert = d.cfg->security_cert,
        .key = d.cfg->security_key,
    };
    ck_assert_msg(mst_security_new(&so, &d.sec, &err) == MST_OK, "%s", err.msg);
    ck_assert_int_eq(
        mst_replay_new((size_t)d.cfg->security_replay_cache, &d.replay, &err),
        MST_OK);
    ck_assert_int_eq(musterd_ratelimit_new(d.cfg->security_max_requests_per_s,
                                           MUSTERD_RATELIMIT_CALLERS,
                                           &d.ratelimit, &err),
                     MST_OK);
    ck_assert_int_eq(musterd_load_knowledge(d.cfg, &d.facts, &d.classes, &err),
                     MST_OK);
    d.authz = musterd_authz_new(d.cfg->authorization_policy_dir,
                                d.cfg->authorization_default_allow);
    ck_assert_ptr_nonnull(d.authz);
    if (d.cfg->audit_file != NULL)
        ck_assert_int_eq(mst_audit_open(d.cfg->audit_file, &d.audit, &err),
                         MST_OK);
    musterd_host_init(&d);
    ck_assert_int_eq(musterd_worker_init(&d, &err), MST_OK);
    ck_assert_int_eq(musterd_register_builtin(&d, &err), MST_OK);
    ck_assert_int_eq(musterd_loader_load(&d, &err), MST_OK);
    ck_assert_ptr_nonnull(musterd_find_agent(&d, "test_agent"));
    ck_assert_ptr_nonnull(musterd_find_agent(&d, "exttest"));

    struct mst_connector_options co = {.urls = &d.cfg->broker_urls};
    ck_assert_int_eq(mst_connector_new(&co, &d.conn, &err), MST_OK);
    ck_assert_int_eq(mst_connector_connect(d.conn, &err), MST_OK);
    ck_assert_int_eq(mst_connector_declare_node(d.conn, d.cfg->identity,
                                                &d.cfg->collectives, &err),
                     MST_OK);
    client_sec = pki_provider(x509 ? pki : NULL, "alice", MST_SECURITY_CLIENT);
}

static void start_none(void) {
    start(/* x509 = */ 0, /* broken_audit = */ 0);
}

static void start_x509(void) {
    start(/* x509 = */ 1, /* broken_audit = */ 0);
}

static void stop(void) {
    musterd_worker_stop(&d);
    mst_connector_free(&d.conn);
    musterd_free_agents(&d);
    mst_facts_free(&d.facts);
    mst_strv_free(&d.classes);
    mst_replay_free(&d.replay);
    musterd_ratelimit_free(&d.ratelimit);
    musterd_authz_free(&d.authz);
    mst_audit_free(&d.audit);
    mst_security_free(&d.sec);
    mst_security_free(&client_sec);
    mst_config_free(&d.cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- requests in, replies and audit lines out -----------------------------
 */

/* A valid request from client1; json members are new (request_done). */
static struct mst_request request(const char *agent, const char *action) {
    struct mst_request r = {0};
    ck_assert_int_eq(mst_id_new(r.id), MST_OK);
    r.time_ms = mst_wall_ms();
    r.ttl_ms = 60000;
    r.collective = "muster";
    r.agent = (char *)agent;
    r.action = (char *)action;
    r.caller = "user=alice";
    r.sender = "client1";
    r.reply_to = REPLY_QUEUE;
    r.filter = json_object();
    r.data = json_object();
    return r;
}

static void request_done(struct mst_request *r) {
    json_decref(r->filter);
    json_decref(r->data);
}

static void set_json(json_t **slot, const char *text) {
    json_decref(*slot);
    *slot = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(*slot);
}

/* `r` sealed by `sec` into `out` (initialised here; the caller frees). */
static void seal(struct mst_security *sec, const struct mst_request *r,
                 struct mst_buf *out) {
    struct mst_err err = {0};
    mst_buf_init(out, 0);
    ck_assert_msg(mst_request_seal(sec, r, out, &err) == MST_OK, "%s", err.msg);
}

/* What the I/O loop does with a delivery's body. */
static void dispatch_sealed(struct mst_security *sec,
                            const struct mst_request *r) {
    struct mst_buf out;
    seal(sec, r, &out);
    musterd_dispatch(&d, mst_buf_view(&out));
    mst_buf_free(&out);
}

static void dispatch(const struct mst_request *r) {
    dispatch_sealed(client_sec, r);
}

/* Let the worker pool run until something is published (bounded by the
 * test's timeout, never by an assertion on time). */
static void wait_for_worker(void) {
    while (mst_double_published_count(d.conn) == 0)
        musterd_worker_poll(&d, 100);
}

static const char *const counter_names[] = {
#define COUNTER_NAME(name, text) text,
    MUSTERD_COUNTER_MAP(COUNTER_NAME)
#undef COUNTER_NAME
};

/* Exactly the counters in `want` moved, by exactly that much. */
static void expect_counters(const uint64_t want[MUSTERD_COUNTER_COUNT]) {
    for (int c = 0; c < MUSTERD_COUNTER_COUNT; c++)
        ck_assert_msg(d.counters.v[c] == want[c],
                      "counter %s is %llu, expected %llu", counter_names[c],
                      (unsigned long long)d.counters.v[c],
                      (unsigned long long)want[c]);
}
#define EXPECT_COUNTERS(...)                                                   \
    expect_counters((const uint64_t[MUSTERD_COUNTER_COUNT]){__VA_ARGS__})

static void expect_no_reply(void) {
    ck_assert_uint_eq(mst_double_published_count(d.conn), 0);
}

/* Published reply `p` opened into *rep (clear it) with the client's
 * provider; the verified signer goes to `signer` ("" under none). */
static void open_reply(const struct mst_double_published *p,
                       struct mst_reply *rep, char signer[MST_SIGNER_LEN]) {
    struct mst_err err = {0};
    memset(rep, 0, sizeof *rep);
    ck_assert_msg(mst_reply_open(client_sec, MST_BYTES(p->body, p->len), rep,
                                 signer, &err) == MST_OK,
                  "%s", err.msg);
}

/*
 * The one reply published, answering `r`: to the reply queue of the signed
 * payload with the request id as correlation id, from node1, with
 * `status`.  Opened into *rep (clear it) with the client's provider; the
 * verified signer goes to `signer` ("" under none).
 */
static void expect_reply(const struct mst_request *r, int status,
                         struct mst_reply *rep, char signer[MST_SIGNER_LEN]) {
    ck_assert_uint_eq(mst_double_published_count(d.conn), 1);
    const struct mst_double_published *p = mst_double_published_at(d.conn, 0);
    ck_assert_str_eq(p->exchange, "");
    ck_assert_str_eq(p->routing_key, r->reply_to);
    ck_assert_str_eq(p->correlation_id, r->id);
    open_reply(p, rep, signer);
    ck_assert_str_eq(rep->id, r->id);
    ck_assert_str_eq(rep->sender, IDENTITY);
    ck_assert_msg(rep->status == status, "status %d (%s), expected %d",
                  rep->status, rep->statusmsg, status);
    ck_assert_ptr_nonnull(rep->data);
}

/* The reply to `r` has `status` and a statusmsg containing `msg_part`. */
static void expect_answer(const struct mst_request *r, int status,
                          const char *msg_part) {
    struct mst_reply rep;
    char signer[MST_SIGNER_LEN];
    expect_reply(r, status, &rep, signer);
    ck_assert_msg(strstr(rep.statusmsg, msg_part) != NULL,
                  "statusmsg '%s' lacks '%s'", rep.statusmsg, msg_part);
    mst_reply_clear(&rep);
}

/* Every line of the audit file, as a JSON array. */
static json_t *audit_lines(void) {
    json_t *lines = json_array();
    FILE *f = fopen(d.cfg->audit_file, "r");
    if (f == NULL)
        return lines;
    char line[8192];
    while (fgets(line, sizeof line, f) != NULL) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        ck_assert_msg(o != NULL, "audit line: %s", e.text);
        json_array_append_new(lines, o);
    }
    fclose(f);
    return lines;
}

static void expect_audit_lines(size_t n) {
    json_t *lines = audit_lines();
    ck_assert_uint_eq(json_array_size(lines), n);
    json_decref(lines);
}

/*
 * The audit file holds one line, for request `id` (NULL: undecoded), with
 * `decision`, `status` (-1: null, no reply) and a reason containing
 * `reason_part` (NULL: not checked; an accepted request may carry the
 * policy line that allowed it).
 */
static void expect_audit(const char *id, const char *decision, int status,
                         const char *reason_part) {
    json_t *lines = audit_lines();
    ck_assert_uint_eq(json_array_size(lines), 1);
    json_t *a = json_array_get(lines, 0);
    if (id != NULL)
        ck_assert_str_eq(json_string_value(json_object_get(a, "id")), id);
    else
        ck_assert(json_is_null(json_object_get(a, "id")));
    ck_assert_str_eq(json_string_value(json_object_get(a, "decision")),
                     decision);
    json_t *st = json_object_get(a, "status");
    if (status < 0)
        ck_assert(json_is_null(st));
    else
        ck_assert_int_eq(json_integer_value(st), status);
    const char *reason = json_string_value(json_object_get(a, "reason"));
    if (reason_part != NULL)
        ck_assert_msg(reason && strstr(reason, reason_part),
                      "audit reason '%s' lacks '%s'", reason ? reason : "",
                      reason_part);
    json_decref(lines);
}

static const char *audit_field(const char *key) {
    static char value[512];
    json_t *lines = audit_lines();
    json_t *a = json_array_get(lines, json_array_size(lines) - 1);
    const char *s = json_string_value(json_object_get(a, key));
    mst_strlcpy(value, s ? s : "", sizeof value);
    json_decref(lines);
    return value;
}

/* `r` ran and was answered "OK", and nothing else was counted. */
static void expect_served(const struct mst_request *r) {
    EXPECT_COUNTERS([MUSTERD_COUNTER_VALID] = 1,
                    [MUSTERD_COUNTER_DISPATCHED] = 1,
                    [MUSTERD_COUNTER_REPLIED] = 1);
    expect_answer(r, MUSTER_OK, "OK");
}

/* `r` ran: counted as valid, dispatched and replied, answered with
 * `status` into *rep (clear it) and its signer into `signer`, audited
 * "accepted". */
static void expect_accepted(const struct mst_request *r, int status,
                            struct mst_reply *rep,
                            char signer[MST_SIGNER_LEN]) {
    EXPECT_COUNTERS([MUSTERD_COUNTER_VALID] = 1,
                    [MUSTERD_COUNTER_DISPATCHED] = 1,
                    [MUSTERD_COUNTER_REPLIED] = 1);
    expect_reply(r, status, rep, signer);
    expect_audit(r->id, "accepted", status, NULL);
}

/* `r` goes to a plugin: nothing is published until its forked worker
 * answers, then as expect_accepted. */
static void expect_worker_accepted(const struct mst_request *r, int status,
                                   struct mst_reply *rep) {
    dispatch(r);
    expect_no_reply(); /* not yet: the worker answers */
    wait_for_worker();
    char signer[MST_SIGNER_LEN];
    expect_accepted(r, status, rep, signer);
}

/* A request refused before anything ran: counted under `c` alone, no
 * reply, an audit line "refused" with no status and `reason_part`. */
static void expect_silent_refusal(enum musterd_counter c, const char *id,
                                  const char *reason_part) {
    uint64_t want[MUSTERD_COUNTER_COUNT] = {0};
    want[c] = 1;
    expect_counters(want);
    expect_no_reply();
    expect_audit(id, "refused", -1, reason_part);
}

/* A verified request refused before anything ran, and told why: counted
 * under `c` and as replied, answered with `status` and a statusmsg holding
 * `msg_part`, audited "refused" with that status and reason. */
static void expect_answered_refusal(enum musterd_counter c,
                                    const struct mst_request *r, int status,
                                    const char *msg_part) {
    uint64_t want[MUSTERD_COUNTER_COUNT] = {0};
    want[c] = 1;
    want[MUSTERD_COUNTER_REPLIED] = 1;
    expect_counters(want);
    expect_answer(r, status, msg_part);
    expect_audit(r->id, "refused", status, msg_part);
}

/* ---- security none: the path of a valid request -----------------------------
 */

START_TEST(valid_request_is_answered) {
    struct mst_request r = request("rpcutil", "ping");
    dispatch(&r);
    struct mst_reply rep;
    char signer[MST_SIGNER_LEN];
    expect_accepted(&r, MUSTER_OK, &rep, signer);
    ck_assert_str_eq(signer, "");
    ck_assert(json_is_integer(json_object_get(rep.data, "pong")));
    ck_assert_str_eq(rep.statusmsg, "OK");
    ck_assert_str_eq(audit_field("caller"), "user=alice");
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

START_TEST(reply_goes_to_the_signed_reply_queue) {
    struct mst_request r = request("rpcutil", "get_fact");
    r.reply_to = "amq.gen-elsewhere";
    set_json(&r.data, "{\"fact\": \"role\"}");
    dispatch(&r);
    struct mst_reply rep;
    char signer[MST_SIGNER_LEN];
    expect_reply(&r, MUSTER_OK, &rep, signer);
    ck_assert_str_eq(json_string_value(json_object_get(rep.data, "value")),
                     "web");
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

START_TEST(matching_filter_is_answered) {
    struct mst_request r = request("rpcutil", "ping");
    set_json(&r.filter,
             "{\"identity\": [\"/^node/\"], \"agent\": [\"test_agent\"], "
             "\"fact\": [{\"fact\": \"role\", \"op\": \"==\", "
             "\"value\": \"web\"}]}");
    dispatch(&r);
    expect_served(&r);
    request_done(&r);
}
END_TEST

START_TEST(second_collective_is_served) {
    struct mst_request r = request("rpcutil", "ping");
    r.collective = "ops";
    dispatch(&r);
    expect_served(&r);
    request_done(&r);
}
END_TEST

/* ---- refusals before anything runs
 * -------------------------------------------- Silent when the request cannot
 * be trusted (its reply queue is not authenticated) or needs no answer;
 * answered with the reason otherwise.
 */

START_TEST(malformed_envelope_is_invalid) {
    static const char junk[] = "this is not msgpack";
    musterd_dispatch(&d, MST_BYTES(junk, sizeof junk - 1));
    expect_silent_refusal(MUSTERD_COUNTER_INVALID, NULL, "");
}
END_TEST

START_TEST(bad_version_is_invalid) {
    size_t len;
    uint8_t *bin = fixture_load("env_bad_version", &len);
    musterd_dispatch(&d, MST_BYTES(bin, len));
    free(bin);
    expect_silent_refusal(MUSTERD_COUNTER_INVALID, NULL, "version");
}
END_TEST

START_TEST(payload_that_is_no_request_is_invalid) {
    static const uint8_t not_a_request[] = {0x81, 0xa1, 'x', 0x01}; /* x:1 */
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(
        mst_security_seal(client_sec,
                          MST_BYTES(not_a_request, sizeof not_a_request), &out,
                          NULL),
        MST_OK);
    musterd_dispatch(&d, mst_buf_view(&out));
    mst_buf_free(&out);
    expect_silent_refusal(MUSTERD_COUNTER_INVALID, NULL, "");
}
END_TEST

START_TEST(expired_request_is_refused) {
    struct mst_request r = request("rpcutil", "ping");
    /* 500 ms short of whole seconds: the age rounds up to them however
     * slowly (ASan, a loaded machine) the dispatch comes */
    r.time_ms -= r.ttl_ms + (int64_t)(SKEW_S + 5) * 1000 - 500;
    dispatch(&r);
    char want[128];
    snprintf(want, sizeof want,
             "expired: request is %lld s old, node allows %lld s (check the "
             "client's clock)",
             (long long)(r.ttl_ms / 1000 + SKEW_S + 5),
             (long long)(r.ttl_ms / 1000 + SKEW_S));
    expect_answered_refusal(MUSTERD_COUNTER_EXPIRED, &r, MUSTER_ABORTED, want);
    request_done(&r);
}
END_TEST

START_TEST(request_from_the_future_is_refused) {
    struct mst_request r = request("rpcutil", "ping");
    r.time_ms += (int64_t)(SKEW_S + 5) * 1000;
    dispatch(&r);
    char want[128];
    snprintf(want, sizeof want,
             "expired: request is dated %d s in the future, node allows %d s "
             "(check the client's clock)",
             SKEW_S + 5, SKEW_S);
    expect_answered_refusal(MUSTERD_COUNTER_EXPIRED, &r, MUSTER_ABORTED, want);
    request_done(&r);
}
END_TEST

START_TEST(ttl_over_max_ttl_is_refused) {
    struct mst_request r = request("rpcutil", "ping");
    r.ttl_ms = (int64_t)(MAX_TTL_S + 1) * 1000;
    dispatch(&r);
    expect_answered_refusal(MUSTERD_COUNTER_EXPIRED, &r, MUSTER_ABORTED,
                            "refused: ttl 601 s outside 1 to 600 s");
    request_done(&r);
}
END_TEST

START_TEST(replayed_request_is_refused) {
    struct mst_request r = request("rpcutil", "ping");
    struct mst_buf out;
    seal(client_sec, &r, &out);
    musterd_dispatch(&d, mst_buf_view(&out));
    musterd_dispatch(&d, mst_buf_view(&out));
    mst_buf_free(&out);
    EXPECT_COUNTERS(
        [MUSTERD_COUNTER_VALID] = 1, [MUSTERD_COUNTER_DISPATCHED] = 1,
        [MUSTERD_COUNTER_REPLIED] = 1, [MUSTERD_COUNTER_REPLAYED] = 1);
    expect_answer(&r, MUSTER_OK, "OK"); /* only the first was answered */
    json_t *lines = audit_lines();
    ck_assert_uint_eq(json_array_size(lines), 2);
    json_t *second = json_array_get(lines, 1);
    ck_assert_str_eq(json_string_value(json_object_get(second, "decision")),
                     "refused");
    ck_assert(json_is_null(json_object_get(second, "status")));
    json_decref(lines);
    request_done(&r);
}
END_TEST

/* Counters, replies and audit lines start again from nothing. */
static void forget_outcomes(void) {
    memset(&d.counters, 0, sizeof d.counters);
    mst_double_clear_published(d.conn);
    ck_assert_int_eq(truncate(d.cfg->audit_file, 0), 0);
}

START_TEST(full_replay_cache_refuses) {
    for (int i = 0; i < REPLAY_CACHE; i++) {
        struct mst_request r = request("rpcutil", "ping");
        dispatch(&r);
        request_done(&r);
    }
    ck_assert_uint_eq(d.counters.v[MUSTERD_COUNTER_REPLIED], REPLAY_CACHE);
    forget_outcomes();
    /* every id is still inside its window: no room for one more */
    struct mst_request r = request("rpcutil", "ping");
    dispatch(&r);
    expect_answered_refusal(MUSTERD_COUNTER_REPLAY_FULL, &r, MUSTER_ABORTED,
                            "busy: replay cache full (16 requests inside "
                            "their window)");
    request_done(&r);
}
END_TEST

/* Pings from alice until one is refused: the burst is 2 at 1 request/s,
 * so the third is unless a second passed (then a later one is). */
START_TEST(caller_over_its_rate_is_answered_and_others_served) {
    struct mst_err err = {0};
    musterd_ratelimit_free(&d.ratelimit);
    ck_assert_int_eq(musterd_ratelimit_new(1, 16, &d.ratelimit, &err), MST_OK);
    struct mst_request r;
    size_t served = 0;
    for (;; served++) {
        ck_assert_uint_le(served, 100);
        forget_outcomes();
        r = request("rpcutil", "ping");
        dispatch(&r);
        if (d.counters.v[MUSTERD_COUNTER_RATE_LIMITED] > 0)
            break;
        expect_served(&r);
        request_done(&r);
    }
    ck_assert_uint_ge(served, 2);
    expect_answered_refusal(
        MUSTERD_COUNTER_RATE_LIMITED, &r, MUSTER_ABORTED,
        "rate limited: caller user=alice over 1 requests/s");
    /* before the replay cache: the flood took none of its room */
    ck_assert_uint_eq(mst_replay_count(d.replay), served);
    request_done(&r);

    forget_outcomes();
    struct mst_request bob = request("rpcutil", "ping");
    bob.caller = "user=bob";
    dispatch(&bob);
    expect_served(&bob);
    request_done(&bob);
}
END_TEST

START_TEST(wrong_collective_is_refused) {
    struct mst_request r = request("rpcutil", "ping");
    r.collective = "elsewhere";
    dispatch(&r);
    expect_silent_refusal(MUSTERD_COUNTER_INVALID, r.id,
                          "not a member of that collective");
    request_done(&r);
}
END_TEST

START_TEST(filter_not_matching_is_silent) {
    const char *filters[] = {
        "{\"identity\": [\"web9\"]}",
        /* one string, split for the line length */
        ("{\"fact\": [{\"fact\": \"role\", \"op\": \"==\", "
         "\"value\": \"db\"}]}"),
        "{\"agent\": [\"puppet\"]}",
    };
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        struct mst_request r = request("rpcutil", "ping");
        set_json(&r.filter, filters[i]);
        dispatch(&r);
        request_done(&r);
    }
    EXPECT_COUNTERS([MUSTERD_COUNTER_FILTERED] = 3);
    expect_no_reply();
    expect_audit_lines(0); /* not for us: nothing to audit */
}
END_TEST

/* Filters every node would fail to evaluate: the operator is told why. */
static const struct {
    const char *filter, *reason;
} unevaluable_filters[] = {
    {"{\"fact\": [{\"fact\": \"role\", \"op\": \"~~\", \"value\": \"web\"}]}",
     "unknown fact operator '~~'"},
    {"{\"compound\": \"((((((((((((((((((((((((((((((((((role=web))))))))))))))"
     "))))))))))))))))))))\"}",
     "compound filter: position 33: nested deeper than 32 levels"},
    {"{\"identity\": [\"" IDENTITY "\\u0000evil\"]}",
     "identity filter entry contains a NUL byte"},
};

START_TEST(unevaluable_filter_is_answered) {
    struct mst_request r = request("rpcutil", "ping");
    json_decref(r.filter);
    r.filter = json_loads(unevaluable_filters[_i].filter, JSON_ALLOW_NUL, NULL);
    ck_assert_ptr_nonnull(r.filter);
    dispatch(&r);
    char want[256];
    snprintf(want, sizeof want,
             "refused: this node cannot evaluate the filter: %s",
             unevaluable_filters[_i].reason);
    expect_answered_refusal(MUSTERD_COUNTER_INVALID, &r, MUSTER_INVALID_DATA,
                            want);
    request_done(&r);
}
END_TEST

/* ---- refusals answered with a status ----------------------------------------
 */

/* Calls refused with a status after the checks: no agent, no action,
 * inputs that fail the DDL (checked before a worker is started too). */
static const struct refused_call {
    const char *agent, *action, *data;
    int status;
    const char *msg;   /* part of the reply's statusmsg */
    const char *audit; /* part of the audit reason */
    int unknown_agent; /* counted as such */
} refused_calls[] = {
    {"nosuch", "ping", "{}", MUSTER_UNKNOWN_ACTION,
     "no agent nosuch on this node", "no agent nosuch", 1},
    {"rpcutil", "nosuch", "{}", MUSTER_UNKNOWN_ACTION,
     "unknown action rpcutil/nosuch", "rpcutil/nosuch", 0},
    {"rpcutil", "get_fact", "{\"fact\": \"no spaces allowed\"}",
     MUSTER_INVALID_DATA, "rpcutil/get_fact", "fact", 0},
    {"rpcutil", "get_fact", "{}", MUSTER_MISSING_DATA, "fact", "fact", 0},
    {"test_agent", "echo", "{\"message\": \"no <tags>\"}", MUSTER_INVALID_DATA,
     "test_agent/echo", "message", 0},
};

START_TEST(refused_call_is_answered) {
    const struct refused_call *c = &refused_calls[_i];
    struct mst_request r = request(c->agent, c->action);
    set_json(&r.data, c->data);
    dispatch(&r); /* answered at once: nothing ran, no worker started */
    EXPECT_COUNTERS([MUSTERD_COUNTER_VALID] = 1,
                    [MUSTERD_COUNTER_UNKNOWN_AGENT] =
                        (uint64_t)c->unknown_agent,
                    [MUSTERD_COUNTER_REPLIED] = 1);
    expect_answer(&r, c->status, c->msg);
    expect_audit(r.id, "refused", c->status, c->audit);
    request_done(&r);
}
END_TEST

START_TEST(denied_by_policy_is_answered) {
    struct mst_request r = request("rpcutil", "daemon_stats");
    r.caller = "user=mallory";
    dispatch(&r);
    EXPECT_COUNTERS([MUSTERD_COUNTER_VALID] = 1, [MUSTERD_COUNTER_DENIED] = 1,
                    [MUSTERD_COUNTER_REPLIED] = 1);
    /* the reply says no more than that; the file and line are for logs */
    expect_answer(&r, MUSTER_ABORTED,
                  "unauthorised: you may not call rpcutil/daemon_stats");
    expect_audit(r.id, "denied", MUSTER_ABORTED, "rpcutil.policy");
    ck_assert_str_eq(audit_field("caller"), "user=mallory");
    request_done(&r);
}
END_TEST

START_TEST(policy_allows_the_same_call_to_alice) {
    struct mst_request r = request("rpcutil", "daemon_stats");
    dispatch(&r);
    struct mst_reply rep;
    char signer[MST_SIGNER_LEN];
    expect_accepted(&r, MUSTER_OK, &rep, signer);
    /* daemon_stats counts this request as valid already */
    ck_assert_int_eq(json_integer_value(json_object_get(rep.data, "valid")), 1);
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

START_TEST(failed_reply_is_counted) {
    struct mst_request r = request("rpcutil", "ping");
    mst_double_fail_next(d.conn, MST_DOUBLE_OP_PUBLISH, MST_ECONNECT, 1);
    dispatch(&r);
    EXPECT_COUNTERS([MUSTERD_COUNTER_VALID] = 1,
                    [MUSTERD_COUNTER_DISPATCHED] = 1,
                    [MUSTERD_COUNTER_REPLY_FAILED] = 1);
    expect_no_reply();
    expect_audit(r.id, "accepted", MUSTER_OK, NULL);
    request_done(&r);
}
END_TEST

/* ---- the plugin, in a forked worker -----------------------------------------
 */

START_TEST(plugin_runs_in_a_worker) {
    struct mst_request r = request("test_agent", "ok");
    struct mst_reply rep;
    expect_worker_accepted(&r, MUSTER_OK, &rep);
    json_int_t pid = json_integer_value(json_object_get(rep.data, "pid"));
    ck_assert_int_gt(pid, 0);
    ck_assert_int_ne(pid, getpid());
    ck_assert_str_eq(json_string_value(json_object_get(rep.data, "message")),
                     "all good");
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

START_TEST(plugin_failure_is_answered) {
    struct mst_request r = request("test_agent", "fail");
    struct mst_reply rep;
    expect_worker_accepted(&r, MUSTER_ABORTED, &rep);
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

/* The `i`th reply published, opened with the client's provider (clear it). */
static void published_reply(size_t i, struct mst_reply *rep) {
    char signer[MST_SIGNER_LEN];
    open_reply(mst_double_published_at(d.conn, i), rep, signer);
}

/*
 * The only worker is busy with an action that runs to its DDL timeout (2
 * s) while `late`, whose expiry is one second away, waits behind it: when
 * the slot frees, `late` is past its expiry and is answered "expired"
 * without being run; the statusmsg ends in `limit` (the one that ran out).
 * Order and outcomes only: the hang cannot end before its timeout, which
 * lies past the expiry.
 */
static void expires_behind_a_hang(struct mst_request late, const char *limit) {
    d.cfg->agents_max_parallel = 1;
    struct mst_request slow = request("test_agent", "hang");
    dispatch(&slow);
    dispatch(&late);
    expect_no_reply();
    while (mst_double_published_count(d.conn) < 2)
        musterd_worker_poll(&d, 100);
    EXPECT_COUNTERS(
        [MUSTERD_COUNTER_VALID] = 2, [MUSTERD_COUNTER_DISPATCHED] = 2,
        [MUSTERD_COUNTER_REPLIED] = 2, [MUSTERD_COUNTER_EXPIRED_IN_QUEUE] = 1);
    struct mst_reply rep;
    published_reply(0, &rep);
    ck_assert_str_eq(rep.id, slow.id);
    ck_assert_ptr_nonnull(strstr(rep.statusmsg, "timed out"));
    mst_reply_clear(&rep);
    published_reply(1, &rep);
    ck_assert_str_eq(rep.id, late.id);
    ck_assert_int_eq(rep.status, MUSTER_ABORTED);
    ck_assert_msg(strstr(rep.statusmsg, "test_agent/ok expired before it "
                                        "could run (waited ") &&
                      strstr(rep.statusmsg, "s in the node's queue; ") &&
                      strstr(rep.statusmsg, limit),
                  "statusmsg '%s'", rep.statusmsg);
    ck_assert_ptr_null(json_object_get(rep.data, "pid")); /* never ran */
    mst_reply_clear(&rep);
    json_t *lines = audit_lines();
    ck_assert_uint_eq(json_array_size(lines), 2);
    json_t *a = json_array_get(lines, 1);
    ck_assert_str_eq(json_string_value(json_object_get(a, "id")), late.id);
    ck_assert_str_eq(json_string_value(json_object_get(a, "decision")),
                     "expired");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "status")),
                     MUSTER_ABORTED);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(a, "reason")),
               "expired before it could run"));
    json_decref(lines);
    request_done(&slow);
    request_done(&late);
}

/* Expiry by the ttl: time + ttl + skew is a second away. */
START_TEST(request_expired_in_the_queue_is_answered_not_run) {
    struct mst_request late = request("test_agent", "ok");
    late.ttl_ms = 1000;
    late.time_ms = mst_wall_ms() - late.ttl_ms - SKEW_S * 1000 + 1000;
    expires_behind_a_hang(late, "; ttl 1 s)");
}
END_TEST

/* Expiry by the client's overall timeout, signed as the deadline: the ttl
 * is a minute, but deadline + skew is a second away. */
START_TEST(request_past_its_clients_timeout_is_answered_not_run) {
    struct mst_request late = request("test_agent", "ok");
    late.time_ms = mst_wall_ms() - 1000 - SKEW_S * 1000 + 1000;
    late.deadline_ms = late.time_ms + 1000;
    expires_behind_a_hang(late, "; the client's timeout 1 s)");
}
END_TEST

/* The same with the clocks' rule far off (time = now, skew 60 s): the
 * request waited in the node longer than the client's whole timeout. */
START_TEST(request_waiting_past_its_clients_timeout_is_not_run) {
    struct mst_request late = request("test_agent", "ok");
    late.deadline_ms = late.time_ms + 1000;
    expires_behind_a_hang(late, "; the client's timeout 1 s)");
}
END_TEST

/* One that arrives after its client's timeout is refused on arrival. */
START_TEST(request_past_its_clients_timeout_is_refused) {
    struct mst_request r = request("rpcutil", "ping");
    r.time_ms -= (int64_t)(SKEW_S + 5) * 1000 + 2000;
    r.deadline_ms = r.time_ms + 2000;
    dispatch(&r);
    /* the seconds ago round up: a slow run may add one (test_request
     * checks the whole text) */
    expect_answered_refusal(MUSTERD_COUNTER_EXPIRED, &r, MUSTER_ABORTED,
                            "expired: the client's timeout of 2 s ended ");
    request_done(&r);
}
END_TEST

START_TEST(external_agent_runs_in_a_worker) {
    struct mst_request r = request("exttest", "ok");
    struct mst_reply rep;
    expect_worker_accepted(&r, MUSTER_OK, &rep);
    ck_assert_str_eq(json_string_value(json_object_get(rep.data, "message")),
                     "all good");
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

/* ---- audit.required with an audit file that cannot be written -------------
 */

static void start_broken_audit(void) {
    start(/* x509 = */ 0, /* broken_audit = */ 1);
}

START_TEST(unwritable_required_audit_refuses) {
    struct mst_request r = request("rpcutil", "ping");
    dispatch(&r);
    EXPECT_COUNTERS([MUSTERD_COUNTER_VALID] = 1,
                    [MUSTERD_COUNTER_AUDIT_FAILED] = 1,
                    [MUSTERD_COUNTER_REPLIED] = 1);
    expect_answer(&r, MUSTER_ABORTED, "cannot write its audit trail");
    request_done(&r);
}
END_TEST

/* ---- x509 ---------------------------------------------------------------- */

START_TEST(signed_request_is_answered_as_the_signer) {
    struct mst_request r = request("rpcutil", "daemon_stats");
    r.caller = "user=mallory"; /* claimed; the certificate says alice */
    dispatch(&r);
    struct mst_reply rep;
    char signer[MST_SIGNER_LEN];
    expect_accepted(&r, MUSTER_OK, &rep, signer);
    ck_assert_str_eq(signer, IDENTITY);
    ck_assert_str_eq(audit_field("caller"), "cert=alice");
    mst_reply_clear(&rep);
    request_done(&r);
}
END_TEST

/* Sealed without a signature, or signed under another CA. */
static const struct {
    const char *ca_dir, *name;
} foreign_signers[] = {{NULL, NULL}, {other_pki, "alice"}};

START_TEST(request_not_signed_under_the_site_ca_is_unverified) {
    struct mst_security *sec =
        pki_provider(foreign_signers[_i].ca_dir, foreign_signers[_i].name,
                     MST_SECURITY_CLIENT);
    struct mst_request r = request("rpcutil", "ping");
    dispatch_sealed(sec, &r);
    mst_security_free(&sec);
    expect_silent_refusal(MUSTERD_COUNTER_UNVERIFIED, r.id,
                          "(names unverified)");
    request_done(&r);
}
END_TEST

START_TEST(tampered_request_is_unverified) {
    struct mst_request r = request("rpcutil", "ping");
    struct mst_buf out;
    seal(client_sec, &r, &out);
    /* the same length, still a valid payload: only the signature can tell */
    uint8_t *action = memmem(out.data, out.len, "ping", 4);
    ck_assert_ptr_nonnull(action);
    action[0] = 'p', action[1] = 'o', action[2] = 'n', action[3] = 'g';
    musterd_dispatch(&d, mst_buf_view(&out));
    mst_buf_free(&out);
    expect_silent_refusal(MUSTERD_COUNTER_UNVERIFIED, r.id,
                          "(names unverified)");
    request_done(&r);
}
END_TEST

/* ---- the I/O loop (daemon.c) over the double ------------------------------
 */

/* A script for musterd_run: what the broker holds, and when to stop. */
static struct {
    struct mst_buf req[2]; /* two sealed requests */
    int phase;             /* what the idle broker does next */
    int drop_after_reply;  /* lose the connection after the first reply */
} loop;

static void loop_idle(struct mst_connector *c, void *ud) {
    (void)ud;
    /* reconnect test: the second request comes on the new connection */
    if (loop.drop_after_reply && loop.phase == 0 &&
        mst_double_generation(c) == 2) {
        struct mst_double_message m = {.kind = MST_MESSAGE_DELIVERY,
                                       .body = mst_buf_view(&loop.req[1])};
        ck_assert_int_eq(mst_double_queue(c, &m), MST_OK);
        loop.phase = 1;
        return;
    }
    d.stop = 1; /* the queue ran dry: end musterd_run */
}

static void loop_published(struct mst_connector *c,
                           const struct mst_double_published *pub, void *ud) {
    (void)pub, (void)ud;
    if (loop.drop_after_reply && mst_double_generation(c) == 1)
        mst_double_drop(c, "double: connection reset");
}

/* musterd_run makes its own connector: script it as it is made.  The
 * first request waits in the queue; without a drop an oversized delivery
 * and the second request follow it. */
static void loop_on_new(struct mst_connector *c, void *ud) {
    (void)ud;
    mst_double_on_idle(c, loop_idle, NULL);
    mst_double_on_publish(c, loop_published, NULL);
    struct mst_double_message m = {.kind = MST_MESSAGE_DELIVERY};
    m.body = mst_buf_view(&loop.req[0]);
    ck_assert_int_eq(mst_double_queue(c, &m), MST_OK);
    if (loop.drop_after_reply)
        return;
    struct mst_double_message big = {.kind = MST_MESSAGE_DELIVERY,
                                     .oversized = 1};
    ck_assert_int_eq(mst_double_queue(c, &big), MST_OK);
    m.body = mst_buf_view(&loop.req[1]);
    ck_assert_int_eq(mst_double_queue(c, &m), MST_OK);
}

/* Run the daemon's loop over two fresh ping requests. */
static void run_loop(int drop_after_reply) {
    mst_connector_free(&d.conn); /* musterd_run makes its own */
    memset(&loop, 0, sizeof loop);
    loop.drop_after_reply = drop_after_reply;
    for (int i = 0; i < 2; i++) {
        struct mst_request r = request("rpcutil", "ping");
        seal(client_sec, &r, &loop.req[i]);
        request_done(&r);
    }
    mst_double_on_new(loop_on_new, NULL);
    ck_assert_int_eq(musterd_run(&d), MST_OK);
    mst_double_on_new(NULL, NULL);
    for (int i = 0; i < 2; i++)
        mst_buf_free(&loop.req[i]);
}

START_TEST(loop_receives_dispatches_and_acks) {
    run_loop(/* drop_after_reply = */ 0);
    EXPECT_COUNTERS(
        [MUSTERD_COUNTER_RECEIVED] = 3, [MUSTERD_COUNTER_OVERSIZED] = 1,
        [MUSTERD_COUNTER_VALID] = 2, [MUSTERD_COUNTER_DISPATCHED] = 2,
        [MUSTERD_COUNTER_REPLIED] = 2);
    ck_assert_uint_eq(mst_double_published_count(d.conn), 2);
    ck_assert_str_eq(mst_double_node_queue(d.conn), "amq.gen-node-1");
    /* acks ride on the replies: the last covers all three deliveries */
    int multiple = 0;
    ck_assert_uint_eq(mst_double_acked_tag(d.conn, &multiple), 3);
    ck_assert_int_eq(multiple, 1);
}
END_TEST

START_TEST(loop_reconnects_after_a_lost_connection) {
    run_loop(/* drop_after_reply = */ 1);
    EXPECT_COUNTERS([MUSTERD_COUNTER_RECEIVED] = 2, [MUSTERD_COUNTER_VALID] = 2,
                    [MUSTERD_COUNTER_DISPATCHED] = 2,
                    [MUSTERD_COUNTER_REPLIED] = 2,
                    [MUSTERD_COUNTER_RECONNECTS] = 1);
    /* a new connection with a new, server-named node queue */
    ck_assert_uint_eq(mst_double_generation(d.conn), 2);
    ck_assert_str_eq(mst_double_node_queue(d.conn), "amq.gen-node-2");
    ck_assert_uint_eq(mst_double_published_count(d.conn), 2);
    ck_assert_uint_eq(mst_double_published_at(d.conn, 0)->generation, 1);
    ck_assert_uint_eq(mst_double_published_at(d.conn, 1)->generation, 2);
    /* tags start again on the new connection */
    ck_assert_uint_eq(mst_double_acked_tag(d.conn, NULL), 1);
}
END_TEST

/* ---- registration (registration.c) over the double ------------------------
 */

/* Published registration `i`, opened as a collector would: `full` or not. */
static void expect_registration(size_t i, const char *exchange, int full,
                                struct mst_registration *reg) {
    const struct mst_double_published *p = mst_double_published_at(d.conn, i);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->exchange, exchange);
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    memset(reg, 0, sizeof *reg);
    ck_assert_msg(mst_registration_open(client_sec, MST_BYTES(p->body, p->len),
                                        NULL, reg, signer, &err) == MST_OK,
                  "%s", err.msg);
    ck_assert_str_eq(reg->sender, IDENTITY);
    ck_assert_int_eq(mst_registration_full(reg), full);
    ck_assert_int_eq(reg->interval_s, 300);
}

/* Replace the node's facts as a refresh would. */
static void new_facts(const char *json) {
    write_file(in_dir("facts.json"), json);
    mst_facts_free(&d.facts);
    mst_strv_free(&d.classes);
    ck_assert_int_eq(musterd_load_knowledge(d.cfg, &d.facts, &d.classes, NULL),
                     MST_OK);
}

START_TEST(registration_full_still_here_and_change) {
    d.cfg->registration_interval_s = 300;
    musterd_registration_tick(&d); /* nothing planned before a connection */
    ck_assert_uint_eq(mst_double_published_count(d.conn), 0);
    musterd_registration_connected(&d);
    musterd_registration_tick(&d);
    /* one per collective, in full */
    struct mst_registration reg, again;
    expect_registration(0, "muster.registration", 1, &reg);
    expect_registration(1, "ops.registration", 1, &again);
    ck_assert_str_eq(json_string_value(json_object_get(reg.facts, "role")),
                     "web");
    ck_assert_ptr_nonnull(
        json_object_get(json_array_get(reg.agents, 0), "version"));
    mst_registration_clear(&again);
    musterd_registration_tick(&d); /* not due yet */
    ck_assert_uint_eq(mst_double_published_count(d.conn), 2);
    /* due: unchanged, so "still here" with the same digest */
    d.registration.due_ms = 1;
    musterd_registration_tick(&d);
    expect_registration(2, "muster.registration", 0, &again);
    ck_assert_str_eq(again.digest, reg.digest);
    mst_registration_clear(&again);
    /* facts changed: in full at once */
    new_facts("{\"role\": \"db\"}\n");
    musterd_registration_changed(&d);
    musterd_registration_tick(&d);
    expect_registration(4, "muster.registration", 1, &again);
    ck_assert_str_ne(again.digest, reg.digest);
    ck_assert_str_eq(json_string_value(json_object_get(again.facts, "role")),
                     "db");
    mst_registration_clear(&again);
    /* the same facts loaded again: nothing to say */
    new_facts("{\"role\": \"db\"}\n");
    musterd_registration_changed(&d);
    musterd_registration_tick(&d);
    ck_assert_uint_eq(mst_double_published_count(d.conn), 6);
    EXPECT_COUNTERS([MUSTERD_COUNTER_REGISTRATIONS] = 3);
    mst_registration_clear(&reg);
}
END_TEST

START_TEST(registration_full_every_nth) {
    d.cfg->registration_interval_s = 300;
    musterd_registration_connected(&d);
    for (int i = 0; i <= MUSTERD_REGISTRATION_FULL_EVERY; i++) {
        d.registration.due_ms = 1;
        musterd_registration_tick(&d);
        struct mst_registration reg;
        int full = i == 0 || i == MUSTERD_REGISTRATION_FULL_EVERY;
        expect_registration(2 * (size_t)i, "muster.registration", full, &reg);
        mst_registration_clear(&reg);
    }
}
END_TEST

START_TEST(registration_too_big_is_still_here) {
    d.cfg->registration_interval_s = 300;
    d.cfg->registration_max_bytes = 4096;
    char big[8192];
    snprintf(big, sizeof big, "{\"blob\": \"%06000d\"}\n", 0);
    new_facts(big);
    musterd_registration_connected(&d);
    musterd_registration_tick(&d);
    struct mst_registration reg;
    expect_registration(0, "muster.registration", 0, &reg);
    ck_assert_uint_le(mst_double_published_at(d.conn, 0)->len, 4096);
    mst_registration_clear(&reg);
    EXPECT_COUNTERS([MUSTERD_COUNTER_REGISTRATIONS] = 1,
                    [MUSTERD_COUNTER_REGISTRATION_TOO_BIG] = 1);
}
END_TEST

START_TEST(registration_off_and_failed) {
    musterd_registration_connected(&d); /* interval 0: off */
    d.registration.due_ms = 1;
    musterd_registration_tick(&d);
    ck_assert_uint_eq(mst_double_published_count(d.conn), 0);
    d.cfg->registration_interval_s = 300;
    musterd_registration_connected(&d);
    mst_double_fail_next(d.conn, MST_DOUBLE_OP_PUBLISH, MST_EPROTO, 1);
    musterd_registration_tick(&d);
    EXPECT_COUNTERS([MUSTERD_COUNTER_REGISTRATION_FAILED] = 1);
    /* planned again, at the interval: not in a loop */
    ck_assert(d.registration.due_ms > mst_now_ms() + 200 * 1000);
}
END_TEST

/* The I/O loop registers on its first connection and after a reconnect. */
START_TEST(loop_registers_after_reconnect) {
    d.cfg->registration_interval_s = 300;
    run_loop(/* drop_after_reply = */ 1);
    size_t at_gen[3] = {0};
    for (size_t i = 0; i < mst_double_published_count(d.conn); i++) {
        const struct mst_double_published *p =
            mst_double_published_at(d.conn, i);
        if (strcmp(p->exchange, "muster.registration") == 0)
            at_gen[p->generation < 3 ? p->generation : 0]++;
    }
    ck_assert_uint_eq(at_gen[1], 1);
    ck_assert_uint_eq(at_gen[2], 1);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("dispatch");
    TCase *none = mst_test_case(s, "none", start_none, stop, 30);
    tcase_add_test(none, valid_request_is_answered);
    tcase_add_test(none, reply_goes_to_the_signed_reply_queue);
    tcase_add_test(none, matching_filter_is_answered);
    tcase_add_test(none, second_collective_is_served);
    tcase_add_test(none, malformed_envelope_is_invalid);
    tcase_add_test(none, bad_version_is_invalid);
    tcase_add_test(none, payload_that_is_no_request_is_invalid);
    tcase_add_test(none, expired_request_is_refused);
    tcase_add_test(none, request_from_the_future_is_refused);
    tcase_add_test(none, ttl_over_max_ttl_is_refused);
    tcase_add_test(none, replayed_request_is_refused);
    tcase_add_test(none, full_replay_cache_refuses);
    tcase_add_test(none, caller_over_its_rate_is_answered_and_others_served);
    tcase_add_test(none, wrong_collective_is_refused);
    tcase_add_test(none, filter_not_matching_is_silent);
    tcase_add_loop_test(none, unevaluable_filter_is_answered, 0,
                        sizeof unevaluable_filters /
                            sizeof unevaluable_filters[0]);
    tcase_add_loop_test(none, refused_call_is_answered, 0,
                        sizeof refused_calls / sizeof refused_calls[0]);
    tcase_add_test(none, denied_by_policy_is_answered);
    tcase_add_test(none, policy_allows_the_same_call_to_alice);
    tcase_add_test(none, failed_reply_is_counted);
    tcase_add_test(none, plugin_runs_in_a_worker);
    tcase_add_test(none, plugin_failure_is_answered);
    tcase_add_test(none, external_agent_runs_in_a_worker);
    tcase_add_test(none, request_expired_in_the_queue_is_answered_not_run);
    tcase_add_test(none, request_past_its_clients_timeout_is_answered_not_run);
    tcase_add_test(none, request_waiting_past_its_clients_timeout_is_not_run);
    tcase_add_test(none, request_past_its_clients_timeout_is_refused);
    tcase_add_test(none, loop_receives_dispatches_and_acks);
    tcase_add_test(none, loop_reconnects_after_a_lost_connection);
    tcase_add_test(none, registration_full_still_here_and_change);
    tcase_add_test(none, registration_full_every_nth);
    tcase_add_test(none, registration_too_big_is_still_here);
    tcase_add_test(none, registration_off_and_failed);
    tcase_add_test(none, loop_registers_after_reconnect);

    TCase *audit =
        mst_test_case(s, "audit_required", start_broken_audit, stop, 30);
    tcase_add_test(audit, unwritable_required_audit_refuses);

    TCase *x509 = mst_test_case(s, "x509", start_x509, stop, 30);
    tcase_add_unchecked_fixture(x509, pki_setup, pki_teardown);
    tcase_add_test(x509, signed_request_is_answered_as_the_signer);
    tcase_add_loop_test(x509,
                        request_not_signed_under_the_site_ca_is_unverified, 0,
                        sizeof foreign_signers / sizeof foreign_signers[0]);
    tcase_add_test(x509, tampered_request_is_unverified);
    return s;
}

int main(void) {
    return mst_test_run(suite());
}
