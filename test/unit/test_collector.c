/*
 * test_collector.c - the inventory collector (client/lib/collect.c) over
 * the connector double and the store double: what verifies is stored,
 * what does not (a client certificate, another node's certificate,
 * garbage) is counted and never stored, nothing is acknowledged before
 * its transaction is committed, a store failure acknowledges nothing, a
 * follow run stops on its flag, the lock keeps a second run out, and a
 * second run trusts the certificates the first verified (under the same
 * CA only).
 */
#include <check.h>
#include <signal.h>
#include <unistd.h>

#include "base/config.h"
#include "base/status.h"
#include "collect.h"
#include "connector_double.h"
#include "pki.h"
#include "runner.h"
#include "store_double.h"

static char dir[64];
static struct mst_config *cfg;
static struct mst_store *st;

/* Sealed registrations, queued on the collector's connector when made. */
static struct mst_buf msgs[64];
static size_t n_msgs;
static volatile sig_atomic_t stop_flag;

static void setup(void) {
    pki_init(dir, MST_KEY_EC);
    pki_issue(dir, "web1", MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_issue(dir, "web2", MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_issue(dir, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    ck_assert_int_eq(mst_config_defaults(MST_CONFIG_CLIENT, &cfg, NULL),
                     MST_OK);
    struct {
        const char *key, *value;
    } set[] = {
        {"security.ca", pki_path(dir, "ca", "pem")},
        {"security.cert", pki_path(dir, "alice", "pem")},
        {"security.key", pki_path(dir, "alice", "key")},
        {"inventory.batch", "2"},
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        struct mst_err err = {0};
        ck_assert_msg(mst_config_set(cfg, MST_CONFIG_CLIENT, set[i].key,
                                     set[i].value, &err) == MST_OK,
                      "%s", err.msg);
    }
    store_double_reset();
    ck_assert_int_eq(mst_store_open("x", MST_STORE_WRITE, &st, NULL), MST_OK);
    n_msgs = 0;
    stop_flag = 0;
}

static void teardown(void) {
    for (size_t i = 0; i < n_msgs; i++)
        mst_buf_free(&msgs[i]);
    mst_store_close(&st);
    mst_config_free(&cfg);
    pki_remove(dir);
}

/* A registration of `sender` sealed by `signer` (a node, or "alice" with
 * a client-role provider) with the fact role = `role`; full or "still
 * here" with `digest`. */
static void add_registration_as(const char *signer, const char *sender,
                                const char *role, int full,
                                const char *digest) {
    enum mst_security_role sec_role = strcmp(signer, "alice") == 0
                                          ? MST_SECURITY_CLIENT
                                          : MST_SECURITY_SERVER;
    struct mst_security *sec = pki_provider(dir, signer, sec_role);
    struct mst_registration reg = {
        .sender = (char *)sender,
        .version = "0.1.0",
        .time_ms = mst_wall_ms(),
        .interval_s = 300,
        .collectives = json_pack("[s]", "muster"),
        .facts = json_pack("{s:s}", "role", role),
        .classes = json_array(),
        .agents = json_array(),
    };
    ck_assert_int_eq(mst_registration_digest(reg.facts, reg.classes, reg.agents,
                                             reg.digest, NULL),
                     MST_OK);
    if (!full) {
        memcpy(reg.digest, digest, MST_DIGEST_LEN);
        json_decref(reg.facts);
        json_decref(reg.classes);
        json_decref(reg.agents);
        reg.facts = reg.classes = reg.agents = NULL;
    }
    struct mst_buf *out = &msgs[n_msgs++];
    mst_buf_init(out, 0);
    struct mst_err err = {0};
    ck_assert_msg(mst_registration_seal(sec, &reg, out, &err) == MST_OK, "%s",
                  err.msg);
    json_decref(reg.collectives);
    json_decref(reg.facts);
    json_decref(reg.classes);
    json_decref(reg.agents);
    mst_security_free(&sec);
}

static void add_registration(const char *signer, const char *sender, int full,
                             const char *digest) {
    add_registration_as(signer, sender, sender, full, digest);
}

/* The digest of what add_registration sends in full for `sender`. */
static void digest_of(const char *sender, char out[MST_DIGEST_LEN]) {
    json_t *f = json_pack("{s:s}", "role", sender), *none = json_array();
    ck_assert_int_eq(mst_registration_digest(f, none, none, out, NULL), MST_OK);
    json_decref(f);
    json_decref(none);
}

static void add_raw(const char *bytes) {
    struct mst_buf *out = &msgs[n_msgs++];
    mst_buf_init(out, 0);
    ck_assert_int_eq(mst_buf_append(out, bytes, strlen(bytes)), MST_OK);
}

static void on_idle_stop(struct mst_connector *c, void *ud) {
    (void)c, (void)ud;
    stop_flag = 1;
}

static void on_new(struct mst_connector *c, void *ud) {
    for (size_t i = 0; i < n_msgs; i++) {
        struct mst_double_message m = {.kind = MST_MESSAGE_DELIVERY,
                                       .body = mst_buf_view(&msgs[i])};
        ck_assert_int_eq(mst_double_queue(c, &m), MST_OK);
    }
    if (ud != NULL)
        mst_double_on_idle(c, on_idle_stop, NULL);
}

/* Refusals are counted by the collector; the test counts the calls. */
static int refusal_calls;
static void on_refused(void *ud, const char *why) {
    (void)ud;
    ck_assert_ptr_nonnull(strstr(why, "refused"));
    refusal_calls++;
}

static int run(int follow, struct mst_collect_stats *stats,
               struct mst_err *err) {
    struct mst_collect_handlers h = {.refused = on_refused};
    mst_double_on_new(on_new, follow ? (void *)1 : NULL);
    int rc = mst_collect_queue(cfg, st, follow, &stop_flag, &h, stats, err);
    mst_double_on_new(NULL, NULL);
    return rc;
}

START_TEST(one_shot_stores_what_verifies) {
    char d1[MST_DIGEST_LEN], zero[MST_DIGEST_LEN];
    digest_of("web1", d1);
    memset(zero, '0', MST_DIGEST_LEN - 1);
    zero[MST_DIGEST_LEN - 1] = '\0';
    add_registration("web1", "web1", 1, NULL);
    add_registration("web2", "web2", 1, NULL);
    add_registration("alice", "alice", 1, NULL); /* a client certificate */
    add_registration("web2", "web1", 1, NULL);   /* another node's */
    add_raw("not msgpack");
    add_registration("web1", "web1", 0, d1);   /* still here, known */
    add_registration("web2", "web2", 0, zero); /* a body never seen */
    struct mst_collect_stats stats = {0};
    struct mst_err err = {0};
    ck_assert_msg(run(0, &stats, &err) == MST_OK, "%s", err.msg);
    ck_assert_uint_eq(stats.received, 7);
    ck_assert_uint_eq(stats.stored, 3);
    ck_assert_uint_eq(stats.refused, 3);
    ck_assert_int_eq(refusal_calls, 3);
    ck_assert_uint_eq(stats.unknown, 1);
    ck_assert_uint_eq(store_double_stored("web1"), 2);
    ck_assert_uint_eq(store_double_stored("web2"), 1);
    ck_assert_uint_eq(store_double_stored("alice"), 0);
    /* batches of two; each acknowledged only after its commit */
    ck_assert_uint_eq(stats.batches, 4);
    ck_assert_uint_eq(store_double.committed, 5); /* and the upkeep's */
    ck_assert_uint_eq(store_double.expired, 1);
    for (unsigned k = 0; k < 4; k++)
        ck_assert_uint_eq(store_double.acked_at_commit[k], 2 * k);
    ck_assert_uint_eq(mst_double_last_ack(), 7);
}
END_TEST

/* A batch big enough to be opened on several threads keeps its order. */
static char order[64][16];
static size_t n_order;
static void on_stored(void *ud, const char *who, int full) {
    (void)ud, (void)full;
    snprintf(order[n_order++ % 64], sizeof order[0], "%s", who);
}

START_TEST(parallel_batch_keeps_order_and_refusals) {
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_config_set(cfg, MST_CONFIG_CLIENT, "inventory.batch", "64", &err),
        MST_OK);
    for (int i = 0; i < 60; i++)
        add_registration(i % 3 == 2 ? "alice"
                         : i % 3    ? "web2"
                                    : "web1",
                         i % 3 == 2 ? "alice"
                         : i % 3    ? "web2"
                                    : "web1",
                         1, NULL);
    struct mst_collect_stats stats = {0};
    struct mst_collect_handlers h = {.refused = on_refused,
                                     .stored = on_stored};
    mst_double_on_new(on_new, NULL);
    ck_assert_msg(mst_collect_queue(cfg, st, 0, &stop_flag, &h, &stats, &err) ==
                      MST_OK,
                  "%s", err.msg);
    mst_double_on_new(NULL, NULL);
    ck_assert_uint_eq(stats.stored, 40);
    ck_assert_uint_eq(stats.refused, 20);
    ck_assert_uint_eq(stats.batches, 1);
    for (size_t i = 0; i < 40; i++)
        ck_assert_str_eq(order[i], i % 2 ? "web2" : "web1");
    ck_assert_uint_eq(mst_double_last_ack(), 60);
}
END_TEST

START_TEST(store_failure_acknowledges_nothing) {
    add_registration("web1", "web1", 1, NULL);
    add_registration("web2", "web2", 1, NULL);
    store_double.fail_put = 1;
    struct mst_collect_stats stats = {0};
    struct mst_err err = {0};
    ck_assert_int_eq(run(0, &stats, &err), MST_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "disk on fire"));
    ck_assert_uint_eq(mst_double_last_ack(), 0);
    ck_assert_uint_eq(store_double.committed, 0);
}
END_TEST

START_TEST(empty_queue_one_shot_does_the_upkeep) {
    struct mst_collect_stats stats = {0};
    ck_assert_int_eq(run(0, &stats, NULL), MST_OK);
    ck_assert_uint_eq(stats.received, 0);
    /* nothing stored, but the upkeep ran: who went stale meanwhile */
    ck_assert_uint_eq(store_double.n_puts, 0);
    ck_assert_uint_eq(store_double.expired, 1);
    ck_assert_uint_eq(store_double.committed, 1);
}
END_TEST

START_TEST(follow_commits_and_stops_on_its_flag) {
    add_registration("web1", "web1", 1, NULL);
    struct mst_collect_stats stats = {0};
    struct mst_err err = {0};
    ck_assert_msg(run(1, &stats, &err) == MST_OK, "%s", err.msg);
    ck_assert_uint_eq(stats.stored, 1);
    ck_assert_uint_eq(store_double_stored("web1"), 1);
    ck_assert_uint_eq(mst_double_last_ack(), 1);
}
END_TEST

START_TEST(lock_keeps_a_second_run_out) {
    char db[128];
    snprintf(db, sizeof db, "%s/inventory.db", dir);
    int fd = -1, fd2 = -1;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_collect_lock(db, &fd, &err), MST_OK);
    ck_assert_int_eq(mst_collect_lock(db, &fd2, &err), MST_EBUSY);
    ck_assert_ptr_nonnull(strstr(err.msg, "another muster collect"));
    ck_assert_ptr_nonnull(strstr(err.msg, "inventory.db.lock"));
    close(fd);
    ck_assert_int_eq(mst_collect_lock(db, &fd2, &err), MST_OK);
    close(fd2);
}
END_TEST

static void cfg_set(const char *key, const char *value) {
    struct mst_err err = {0};
    ck_assert_msg(mst_config_set(cfg, MST_CONFIG_CLIENT, key, value, &err) ==
                      MST_OK,
                  "%s", err.msg);
}

START_TEST(a_second_run_trusts_what_the_first_verified_under_its_ca) {
    add_registration("web1", "web1", 1, NULL);
    struct mst_collect_stats one = {0}, two = {0}, three = {0};
    struct mst_err err = {0};
    ck_assert_msg(run(0, &one, &err) == MST_OK, "%s", err.msg);
    ck_assert_uint_eq(one.stored, 1);
    ck_assert_uint_eq(one.certs_verified, 1);
    ck_assert_uint_eq(one.certs_known, 0);
    ck_assert_uint_eq(store_double.n_known, 1);
    ck_assert_str_eq(store_double.known[0].cn, "web1");
    ck_assert_int_eq(store_double.readers, 0); /* closed with the run */
    /* the same message again, in a new run: from the store */
    ck_assert_msg(run(0, &two, &err) == MST_OK, "%s", err.msg);
    ck_assert_uint_eq(two.stored, 1);
    ck_assert_uint_eq(two.certs_known, 1);
    ck_assert_uint_eq(two.certs_verified, 0);
    ck_assert_uint_eq(store_double.n_known, 1);
    /* a new CA file (the collector's own certificate re-issued by it):
     * web1's certificate, known under the old one, is not trusted */
    char dir2[64];
    pki_init(dir2, MST_KEY_EC);
    pki_issue(dir2, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    cfg_set("security.ca", pki_path(dir2, "ca", "pem"));
    cfg_set("security.cert", pki_path(dir2, "alice", "pem"));
    cfg_set("security.key", pki_path(dir2, "alice", "key"));
    ck_assert_msg(run(0, &three, &err) == MST_OK, "%s", err.msg);
    pki_remove(dir2);
    ck_assert_uint_eq(three.refused, 1);
    ck_assert_uint_eq(three.stored, 0);
    ck_assert_uint_eq(three.certs_known, 0);
    ck_assert_uint_eq(three.certs_verified, 0);
}
END_TEST

START_TEST(known_certs_off_verifies_every_run_in_full) {
    cfg_set("inventory.known_certs", "false");
    add_registration("web1", "web1", 1, NULL);
    for (int i = 0; i < 2; i++) {
        struct mst_collect_stats stats = {0};
        struct mst_err err = {0};
        ck_assert_msg(run(0, &stats, &err) == MST_OK, "%s", err.msg);
        ck_assert_uint_eq(stats.stored, 1);
        ck_assert_uint_eq(stats.certs_known + stats.certs_verified, 0);
    }
    ck_assert_uint_eq(store_double.n_known, 0);
}
END_TEST

/* The last put of `who`: full (with JSON values) or not, and its digest. */
static const struct store_double_put *last_put(const char *who) {
    const struct store_double_put *last = NULL;
    for (size_t i = 0; i < store_double.n_puts; i++)
        if (strcmp(store_double.puts[i].identity, who) == 0)
            last = &store_double.puts[i];
    ck_assert_ptr_nonnull(last);
    return last;
}

/* A first run stores web1's full body, whose digest goes to `d1`. */
static void web1_stored_in_full(char d1[MST_DIGEST_LEN]) {
    digest_of("web1", d1);
    add_registration("web1", "web1", 1, NULL);
    struct mst_collect_stats one = {0};
    struct mst_err err = {0};
    ck_assert_msg(run(0, &one, &err) == MST_OK, "%s", err.msg);
    ck_assert_int_eq(last_put("web1")->full, 1);
}

/* A full body the store already has is checked against its digest and
 * put without being turned into JSON: to the store, a "still here". */
START_TEST(a_body_the_store_has_is_not_decoded_again) {
    char d1[MST_DIGEST_LEN];
    web1_stored_in_full(d1);
    struct mst_collect_stats two = {0};
    struct mst_err err = {0};
    ck_assert_msg(run(0, &two, &err) == MST_OK, "%s", err.msg);
    ck_assert_uint_eq(two.stored, 1);
    ck_assert_uint_eq(two.unknown + two.refused, 0);
    ck_assert_int_eq(last_put("web1")->full, 0);
    ck_assert_str_eq(last_put("web1")->digest, d1);
}
END_TEST

/*
 * Opened against the store as committed (body D1), then stored after a
 * body D2 of the same node in the same batch: the kept D1 is read after
 * all and stored in full, not lost as an unknown "still here".
 */
START_TEST(a_kept_body_is_read_when_the_store_moved_on) {
    char d1[MST_DIGEST_LEN];
    web1_stored_in_full(d1);
    struct mst_collect_stats two = {0};
    struct mst_err err = {0};
    for (size_t i = 0; i < n_msgs; i++)
        mst_buf_free(&msgs[i]);
    n_msgs = 0;
    add_registration_as("web1", "web1", "db", 1, NULL); /* D2 */
    add_registration("web1", "web1", 1, NULL);          /* D1 again */
    ck_assert_msg(run(0, &two, &err) == MST_OK, "%s", err.msg);
    ck_assert_uint_eq(two.stored, 2);
    ck_assert_uint_eq(two.unknown + two.refused, 0);
    ck_assert_uint_eq(two.batches, 1);
    ck_assert_int_eq(last_put("web1")->full, 1);
    ck_assert_str_eq(last_put("web1")->digest, d1);
}
END_TEST

int main(void) {
    Suite *s = suite_create("collector");
    TCase *tc = mst_test_case(s, "collector", setup, teardown, 60);
    tcase_add_test(tc, one_shot_stores_what_verifies);
    tcase_add_test(tc, store_failure_acknowledges_nothing);
    tcase_add_test(tc, parallel_batch_keeps_order_and_refusals);
    tcase_add_test(tc, empty_queue_one_shot_does_the_upkeep);
    tcase_add_test(tc, follow_commits_and_stops_on_its_flag);
    tcase_add_test(tc, lock_keeps_a_second_run_out);
    tcase_add_test(tc,
                   a_second_run_trusts_what_the_first_verified_under_its_ca);
    tcase_add_test(tc, known_certs_off_verifies_every_run_in_full);
    tcase_add_test(tc, a_body_the_store_has_is_not_decoded_again);
    tcase_add_test(tc, a_kept_body_is_read_when_the_store_moved_on);
    return mst_test_run(s);
}
