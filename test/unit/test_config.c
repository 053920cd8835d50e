/*
 * test_config.c - config loading: values, defaults, and one fixture per
 * kind of error, each checked for the "FILE:LINE: key" it must name.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/status.h"
#include "mst_build.h"
#include "runner.h"

#define DATA MST_TEST_DATA "/config/"
#define CONF MST_TEST_DATA "/../../conf/"

/* What an unset identity defaults to: the host name. */
static const char *host_name(void) {
    static char host[256];
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        snprintf(host, sizeof host, "localhost");
    return host;
}

static struct mst_config *load_ok(const char *path, enum mst_config_role role) {
    struct mst_config *cfg = NULL;
    struct mst_err err = {0, ""};
    int rc = mst_config_load(path, role, &cfg, &err);
    ck_assert_msg(rc == MST_OK, "%s: %s", path, err.msg);
    ck_assert_ptr_nonnull(cfg);
    return cfg;
}

START_TEST(full_server_file) {
    struct mst_config *c = load_ok(DATA "valid-server.cfg", MST_CONFIG_SERVER);
    ck_assert_str_eq(c->path, DATA "valid-server.cfg");
    ck_assert_str_eq(c->identity, "node-7.example.net");
    ck_assert_uint_eq(c->collectives.n, 2);
    ck_assert_str_eq(c->collectives.v[0], "muster");
    ck_assert_str_eq(c->collectives.v[1], "dc1");
    ck_assert_uint_eq(c->broker_urls.n, 2);
    ck_assert_str_eq(c->broker_urls.v[0], "amqps://u:p@rabbit1:5671/%2f");
    ck_assert_str_eq(c->broker_urls.v[1], "amqp://rabbit2");
    ck_assert_int_eq(c->broker_heartbeat, 0);
    ck_assert_int_eq(c->broker_prefetch, 10000);
    ck_assert_int_eq(c->broker_queue_max_length, 50);
    ck_assert_str_eq(c->broker_queue_overflow, "reject-publish");
    ck_assert_int_eq(c->broker_reconnect_max_ms, 3600 * 1000);
    ck_assert_uint_eq(c->facts_files.n, 2);
    ck_assert_str_eq(c->facts_files.v[1], "/b.json");
    ck_assert_str_eq(c->facts_dir, "/f.d");
    ck_assert_str_eq(c->classes_file, "/classes.txt");
    ck_assert_str_eq(c->filter_semantics, "choria"); /* the default */
    ck_assert_str_eq(c->agents_dir, "/agents");
    ck_assert_str_eq(c->security_provider, "none");
    ck_assert_ptr_null(c->security_ca);
    ck_assert_int_eq(c->security_skew_ms, 0);
    ck_assert_int_eq(c->security_max_ttl_ms, 86400 * 1000);
    ck_assert_str_eq(c->authorization_policy_dir, "/policy");
    ck_assert_int_eq(c->authorization_default_allow, 1);
    ck_assert_str_eq(c->audit_file, "/audit.log");
    ck_assert_str_eq(c->log_file, "/log");
    ck_assert_int_eq(c->log_level, MST_LOG_DEBUG);
    mst_config_free(&c);
    ck_assert_ptr_null(c);
}
END_TEST

START_TEST(client_file_with_seconds) {
    struct mst_config *c = load_ok(DATA "valid-client.cfg", MST_CONFIG_CLIENT);
    ck_assert_uint_eq(c->collectives.n, 1); /* from a ( list ) */
    ck_assert_str_eq(c->broker_urls.v[0], "amqp://h:5672/vh");
    ck_assert_str_eq(c->security_provider, "x509");
    ck_assert_str_eq(c->security_key, "/k");
    ck_assert_int_eq(c->discovery_timeout_ms, 500);
    ck_assert_int_eq(c->timeout_ms, 3000);
    ck_assert_int_eq(c->ttl_ms, 120250);
    ck_assert_int_eq(c->broker_reply_queue_max_length, 7);
    ck_assert_int_eq(c->broker_reconnect_max_ms, 1500);
    ck_assert_int_eq(c->client_verify_threads, 3);
    ck_assert_int_eq(c->discovery_adaptive, 0);
    ck_assert_int_eq(c->security_cert_cache, 70000);
    mst_config_free(&c);
}
END_TEST

static void assert_defaults(const struct mst_config *c) {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    ck_assert_str_eq(c->identity, host[0] ? host : "localhost");
    ck_assert_uint_eq(c->collectives.n, 1);
    ck_assert_str_eq(c->collectives.v[0], "muster");
    ck_assert_uint_eq(c->broker_urls.n, 1);
    ck_assert_str_eq(c->broker_urls.v[0], "amqp://guest:guest@127.0.0.1:5672");
    ck_assert_int_eq(c->broker_heartbeat, 30);
    ck_assert_int_eq(c->broker_prefetch, 32);
    ck_assert_int_eq(c->broker_queue_max_length, 1000);
    ck_assert_int_eq(c->broker_reply_queue_max_length, 100000);
    ck_assert_str_eq(c->broker_queue_overflow, "drop-head");
    ck_assert_int_eq(c->broker_reconnect_max_ms, 30000);
    ck_assert_uint_eq(c->facts_files.n, 0);
    ck_assert_ptr_null(c->facts_dir);
    ck_assert_ptr_null(c->classes_file);
    ck_assert_str_eq(c->agents_dir, MST_AGENTDIR);
    ck_assert_int_eq(c->security_skew_ms, 60000);
    ck_assert_int_eq(c->security_max_ttl_ms, 3600 * 1000);
    ck_assert_ptr_null(c->log_file);
    ck_assert_int_eq(c->log_level, MST_LOG_INFO);
    ck_assert_int_eq(c->discovery_timeout_ms, 2000);
    ck_assert_int_eq(c->discovery_adaptive, 1);
    ck_assert_int_eq(c->client_verify_threads, 0);
    ck_assert_int_eq(c->security_cert_cache, 0);
    ck_assert_int_eq(c->timeout_ms, 10000);
    ck_assert_int_eq(c->ttl_ms, 60000);
    ck_assert_ptr_null(c->authorization_policy_dir);
    ck_assert_int_eq(c->authorization_default_allow, 0);
    ck_assert_ptr_null(c->audit_file);
}

START_TEST(absent_keys_take_defaults) {
    struct mst_config *c = load_ok(DATA "empty.cfg", MST_CONFIG_CLIENT);
    assert_defaults(c);
    ck_assert_str_eq(c->security_provider, "none");
    mst_config_free(&c);
}
END_TEST

START_TEST(defaults_without_a_file) {
    struct mst_config *c = NULL;
    ck_assert_int_eq(mst_config_defaults(MST_CONFIG_SERVER, &c, NULL), MST_OK);
    assert_defaults(c);
    ck_assert_ptr_null(c->path);
    ck_assert_str_eq(c->security_provider, "x509");
    ck_assert_int_eq(c->security_max_requests_per_s, 200);
    mst_config_free(&c);
    mst_config_free(&c); /* NULL is fine */
    mst_config_free(NULL);
}
END_TEST

/* A client file of `text` in a temporary file, loaded. */
static int load_text(const char *text, struct mst_config **c_r,
                     struct mst_err *err) {
    char path[] = "/tmp/test_config.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int rc = mst_config_load(path, MST_CONFIG_CLIENT, c_r, err);
    unlink(path);
    return rc;
}

START_TEST(a_store_in_the_file_makes_inventory_the_discovery_method) {
    struct mst_config *c = NULL;
    struct mst_err err = {0, ""};
    ck_assert_int_eq(
        load_text("security: { provider = \"none\"; };\n", &c, &err), MST_OK);
    ck_assert_str_eq(c->inventory_db, "/var/lib/muster/inventory.db");
    ck_assert_int_eq(c->inventory_history_days, 90);
    ck_assert_int_eq(c->inventory_known_certs, 1);
    ck_assert_str_eq(c->discovery_method, "broadcast");
    mst_config_free(&c);
    ck_assert_int_eq(load_text("security: { provider = \"none\"; };\n"
                               "inventory: { db = \"/x.db\"; "
                               "history_days = 0; known_certs = false; };\n",
                               &c, &err),
                     MST_OK);
    ck_assert_str_eq(c->inventory_db, "/x.db");
    ck_assert_int_eq(c->inventory_history_days, 0);
    ck_assert_int_eq(c->inventory_known_certs, 0);
    ck_assert_str_eq(c->discovery_method, "inventory");
    mst_config_free(&c);
    ck_assert_int_eq(load_text("security: { provider = \"none\"; };\n"
                               "inventory: { db = \"/x.db\"; };\n"
                               "discovery_method = \"broadcast\";\n",
                               &c, &err),
                     MST_OK);
    ck_assert_str_eq(c->discovery_method, "broadcast");
    mst_config_free(&c);
    ck_assert_int_eq(load_text("discovery_method = \"guess\";\n", &c, &err),
                     MST_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg,
                                 ":1: discovery_method: \"guess\" must be "
                                 "\"broadcast\" or \"inventory\""));
    ck_assert_int_eq(
        load_text("inventory: { history_days = -1; };\n", &c, &err),
        MST_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "inventory.history_days"));
}
END_TEST

START_TEST(sample_server_cfg) {
    struct mst_config *c = load_ok(CONF "server.cfg", MST_CONFIG_SERVER);
    /* The packaged default: nothing that differs from node to node, and
     * no file it names but those the package ships or the site makes. */
    ck_assert_str_eq(c->identity, host_name());
    ck_assert_str_eq(c->broker_urls.v[0], "amqp://guest:guest@127.0.0.1:5672");
    ck_assert_uint_eq(c->facts_files.n, 0);
    ck_assert_str_eq(c->facts_dir, "/etc/muster/facts.d");
    ck_assert_ptr_null(c->classes_file);
    ck_assert_str_eq(c->agents_dir, MST_AGENTDIR);
    ck_assert_str_eq(c->security_cert, "/etc/muster/ssl/server.pem");
    ck_assert_str_eq(c->security_key, "/etc/muster/ssl/server.key");
    ck_assert_str_eq(c->security_provider, "x509");
    ck_assert_str_eq(c->security_ca, "/etc/muster/ssl/ca.pem");
    ck_assert_int_eq(c->security_max_requests_per_s, 200);
    ck_assert_str_eq(c->authorization_policy_dir, "/etc/muster/policy");
    ck_assert_int_eq(c->authorization_default_allow, 0);
    ck_assert_int_eq(c->log_level, MST_LOG_INFO);
    ck_assert_int_eq(c->registration_interval_s, 300);
    ck_assert_int_eq(c->registration_max_bytes, 262144);
    mst_config_free(&c);
}
END_TEST

START_TEST(sample_client_cfg) {
    struct mst_config *c = load_ok(CONF "client.cfg", MST_CONFIG_CLIENT);
    ck_assert_str_eq(c->identity, host_name());
    ck_assert_uint_eq(c->ddl_path.n, 1);
    ck_assert_str_eq(c->ddl_path.v[0], MST_DDLDIR);
    ck_assert_str_eq(c->broker_urls.v[0], "amqp://guest:guest@127.0.0.1:5672");
    ck_assert_str_eq(c->security_cert, "/etc/muster/ssl/admin.pem");
    ck_assert_int_eq(c->log_level, MST_LOG_WARNING);
    ck_assert_int_eq(c->discovery_timeout_ms, 2000);
    ck_assert_int_eq(c->timeout_ms, 10000);
    ck_assert_int_eq(c->ttl_ms, 60000);
    ck_assert_str_eq(c->inventory_queue, "muster.collector");
    ck_assert_int_eq(c->inventory_queue_max_length, 100000);
    ck_assert_int_eq(c->inventory_batch, 500);
    ck_assert_int_eq(c->discovery_adaptive, 1);
    ck_assert_int_eq(c->client_verify_threads, 0);
    mst_config_free(&c);
}
END_TEST

/* One hostile fixture: the role it is read in and what the error says. */
struct bad_case {
    const char *file;
    enum mst_config_role role;
    int code;
    const char *where; /* "FILE:LINE: key" after the data directory */
    const char *what;  /* a phrase of the reason */
};

static const struct bad_case bad_cases[] = {
    {"unknown-top.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "unknown-top.cfg:2: colectives", "unknown key"},
    {"unknown-section.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "unknown-section.cfg:3: broker.hearbeat", "unknown key"},
    {"type-string-for-int.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "type-string-for-int.cfg:2: broker.heartbeat",
     "expected an integer, got a string"},
    {"type-int-for-string.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "type-int-for-string.cfg:3: log.level",
     "expected a string, got an integer"},
    {"type-scalar-for-list.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "type-scalar-for-list.cfg:2: collectives", "expected a list of strings"},
    {"type-int-in-list.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "type-int-in-list.cfg:2: broker.urls[0]",
     "expected a string, got an integer"},
    {"type-section-scalar.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "type-section-scalar.cfg:1: log", "expected a section"},
    {"bool-for-int.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bool-for-int.cfg:2: security.skew", "got a boolean"},
    {"float-for-int.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "float-for-int.cfg:1: broker.heartbeat", "got a float"},
    {"range.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "range.cfg:2: broker.heartbeat", "3601 is out of range (0 to 3600)"},
    {"rate-range.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "rate-range.cfg:3: security.max_requests_per_s",
     "-1 is out of range (0 to 1000000)"},
    {"queue-length-range.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "queue-length-range.cfg:2: broker.queue_max_length",
     "0 is out of range (1 to 10000000)"},
    {"queue-length-string.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "queue-length-string.cfg:1: broker.queue_max_length",
     "expected an integer, got a string"},
    {"queue-overflow.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "queue-overflow.cfg:1: broker.queue_overflow",
     "\"drop-head\" or \"reject-publish\""},
    {"reconnect-range.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "reconnect-range.cfg:1: broker.reconnect_max", "out of range"},
    {"reply-queue-server.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "reply-queue-server.cfg:2: broker.reply_queue_max_length",
     "only allowed in the client configuration"},
    {"range-seconds.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "range-seconds.cfg:2: discovery_timeout", "out of range"},
    {"bad-url.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bad-url.cfg:3: broker.urls[1]", "must start with amqp://"},
    {"trailing-slash.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "trailing-slash.cfg:2: broker.urls[0]", "remove the \"/\""},
    {"bad-port.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bad-port.cfg:1: broker.urls[0]", "bad port"},
    {"bad-collective.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bad-collective.cfg:2: collectives[1]", "\"bad name\""},
    {"dup-collective.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "dup-collective.cfg:1: collectives[1]", "listed twice"},
    {"empty-list.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "empty-list.cfg:1: broker.urls", "must not be empty"},
    {"bad-level.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bad-level.cfg:3: log.level", "\"verbose\" is not a log level"},
    {"bad-provider.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bad-provider.cfg:1: security.provider", "\"x509\" or \"none\""},
    {"bad-semantics.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "bad-semantics.cfg:1: filter_semantics", "\"choria\" or \"mcollective\""},
    {"server-only.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "server-only.cfg:2: facts", "only allowed in the server configuration"},
    {"client-only.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "client-only.cfg:2: timeout", "only allowed in the client configuration"},
    {"client-section-server.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "client-section-server.cfg:2: client",
     "only allowed in the client configuration"},
    {"verify-threads-range.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "verify-threads-range.cfg:2: client.verify_threads",
     "65 is out of range (0 to 64)"},
    {"duplicate.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "duplicate.cfg:3: identity", "duplicate setting"},
    {"duplicate-section.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "duplicate-section.cfg:4: heartbeat", "duplicate setting"},
    {"syntax.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "syntax.cfg:3: ", "syntax error"},
    {"missing.cfg", MST_CONFIG_SERVER, MST_EIO, "missing.cfg: cannot open",
     "No such file"},
    {"x509-missing-key.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "x509-missing-key.cfg:1: security.key",
     "required when security.provider is \"x509\""},
    {"x509-no-section.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "x509-no-section.cfg: security.ca", "required"},
    {"dt-over-timeout.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "dt-over-timeout.cfg:3: discovery_timeout", "longer than timeout"},
    {"include-main.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "include-part.cfg:2: bogus", "unknown key"},
    {"registration-range.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "registration-range.cfg:2: registration.interval",
     "86401 is out of range (0 to 86400)"},
    {"inventory-queue.cfg", MST_CONFIG_CLIENT, MST_ECONFIG,
     "inventory-queue.cfg:3: inventory.queue", "not start with \"amq.\""},
    {"inventory-server.cfg", MST_CONFIG_SERVER, MST_ECONFIG,
     "inventory-server.cfg:2: inventory",
     "only allowed in the client configuration"},
};

START_TEST(bad_file_names_file_line_key) {
    const struct bad_case *bc = &bad_cases[_i];
    char path[512];
    snprintf(path, sizeof path, "%s%s", DATA, bc->file);
    char where[512];
    snprintf(where, sizeof where, "%s%s", DATA, bc->where);
    struct mst_config *cfg = NULL;
    struct mst_err err = {0, ""};
    int rc = mst_config_load(path, bc->role, &cfg, &err);
    ck_assert_msg(rc == bc->code, "%s: rc %d, want %d (%s)", bc->file, rc,
                  bc->code, err.msg);
    ck_assert_int_eq(err.code, bc->code);
    ck_assert_ptr_null(cfg);
    ck_assert_msg(strncmp(err.msg, where, strlen(where)) == 0,
                  "%s: message \"%s\" does not start with \"%s\"", bc->file,
                  err.msg, where);
    ck_assert_msg(strstr(err.msg, bc->what) != NULL,
                  "%s: message \"%s\" lacks \"%s\"", bc->file, err.msg,
                  bc->what);
}
END_TEST

/* The samples are role-specific: the server's has server-only sections. */
START_TEST(server_sample_refused_as_client) {
    struct mst_config *cfg = NULL;
    struct mst_err err = {0, ""};
    ck_assert_int_eq(
        mst_config_load(CONF "server.cfg", MST_CONFIG_CLIENT, &cfg, &err),
        MST_ECONFIG);
    ck_assert_ptr_nonnull(
        strstr(err.msg, ": broker.queue_max_length: only allowed"));
}
END_TEST

START_TEST(null_err_is_fine) {
    struct mst_config *cfg = NULL;
    ck_assert_int_eq(
        mst_config_load(DATA "range.cfg", MST_CONFIG_SERVER, &cfg, NULL),
        MST_ECONFIG);
    ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(strv_push_and_free) {
    struct mst_strv sv = {NULL, 0};
    char word[] = "one";
    ck_assert_int_eq(mst_strv_push(&sv, word), MST_OK);
    word[0] = 'X'; /* the vector holds its own copy */
    ck_assert_int_eq(mst_strv_push(&sv, "two"), MST_OK);
    ck_assert_uint_eq(sv.n, 2);
    ck_assert_str_eq(sv.v[0], "one");
    ck_assert_str_eq(sv.v[1], "two");
    mst_strv_free(&sv);
    ck_assert_uint_eq(sv.n, 0);
    ck_assert_ptr_null(sv.v);
    mst_strv_free(&sv);
    mst_strv_free(NULL);
}
END_TEST

int main(void) {
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, full_server_file);
    tcase_add_test(tc, client_file_with_seconds);
    tcase_add_test(tc, absent_keys_take_defaults);
    tcase_add_test(tc, defaults_without_a_file);
    tcase_add_test(tc, sample_server_cfg);
    tcase_add_test(tc, sample_client_cfg);
    tcase_add_test(tc, server_sample_refused_as_client);
    tcase_add_test(tc, null_err_is_fine);
    tcase_add_test(tc, strv_push_and_free);
    tcase_add_test(tc,
                   a_store_in_the_file_makes_inventory_the_discovery_method);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("errors");
    tcase_add_loop_test(bad, bad_file_names_file_line_key, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    suite_add_tcase(s, bad);
    return mst_test_run(s);
}
