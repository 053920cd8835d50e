/*
 * test_registration.c - the registration message: round trips of a full
 * and a "still here" body, the canonical digest, every refusal of the
 * strict decoder, and sealing: signed by the node's server certificate it
 * opens; signed by a client certificate, by another node, or by another
 * CA it does not.
 */
#include <check.h>

#include "base/status.h"
#include "fixture.h"
#include "pki.h"
#include "runner.h"
#include "wire/mpack.h"
#include "wire/registration.h"

static char dir[64], other[64];

static void setup(void) {
    pki_init(dir, MST_KEY_EC);
    pki_init(other, MST_KEY_EC);
    pki_issue(dir, "web1", MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_issue(dir, "web2", MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_issue(dir, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    pki_issue(other, "web1", MST_CERT_SERVER, MST_KEY_EC, 0);
}

static void teardown(void) {
    pki_remove(dir);
    pki_remove(other);
}

/* A full registration of `sender`, digest filled in. */
static void fill(struct mst_registration *reg, const char *sender) {
    memset(reg, 0, sizeof *reg);
    reg->sender = strdup(sender);
    reg->version = strdup("0.1.0");
    reg->time_ms = 1700000000000;
    reg->started_ms = 1690000000000;
    reg->interval_s = 300;
    reg->collectives = json_pack("[s]", "muster");
    reg->facts = json_pack("{s:s, s:{s:s}, s:i}", "role", "web", "os", "family",
                           "Debian", "cpus", 4);
    reg->classes = json_pack("[s,s]", "apache", "base");
    reg->agents =
        json_pack("[{s:s, s:s}]", "name", "rpcutil", "version", "1.0.0");
    ck_assert_int_eq(mst_registration_digest(reg->facts, reg->classes,
                                             reg->agents, reg->digest, NULL),
                     MST_OK);
}

/* The same registration as a "still here". */
static void shorten(struct mst_registration *reg) {
    json_decref(reg->facts);
    json_decref(reg->classes);
    json_decref(reg->agents);
    reg->facts = reg->classes = reg->agents = NULL;
}

static int decode_json(const char *text, struct mst_err *err) {
    json_t *j = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(j);
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, &buf);
    ck_assert_int_eq(mst_mpack_pack_json(&pk, j), MST_OK);
    struct mst_registration reg = {0};
    int rc = mst_registration_decode(mst_buf_view(&buf), &reg, err);
    if (rc != MST_OK)
        ck_assert_ptr_null(reg.sender);
    mst_registration_clear(&reg);
    mst_buf_free(&buf);
    json_decref(j);
    return rc;
}

START_TEST(round_trip_full_and_short) {
    struct mst_registration reg, got = {0};
    fill(&reg, "web1");
    for (int pass = 0; pass < 2; pass++) {
        struct mst_buf buf;
        mst_buf_init(&buf, 0);
        struct mst_err err = {0};
        ck_assert_int_eq(mst_registration_encode(&reg, &buf, &err), MST_OK);
        ck_assert_msg(mst_registration_decode(mst_buf_view(&buf), &got, &err) ==
                          MST_OK,
                      "%s", err.msg);
        ck_assert_str_eq(got.sender, "web1");
        ck_assert_str_eq(got.version, "0.1.0");
        ck_assert_str_eq(got.digest, reg.digest);
        ck_assert(got.time_ms == reg.time_ms);
        ck_assert(got.started_ms == reg.started_ms);
        ck_assert(got.interval_s == 300);
        ck_assert(json_equal(got.collectives, reg.collectives));
        ck_assert_int_eq(mst_registration_full(&got), pass == 0);
        if (pass == 0) {
            ck_assert(json_equal(got.facts, reg.facts));
            ck_assert(json_equal(got.classes, reg.classes));
            ck_assert(json_equal(got.agents, reg.agents));
        } else {
            ck_assert_ptr_null(got.classes);
            ck_assert_ptr_null(got.agents);
        }
        mst_registration_clear(&got);
        mst_buf_free(&buf);
        shorten(&reg);
    }
    mst_registration_clear(&reg);
}
END_TEST

START_TEST(digest_is_canonical) {
    json_t *a =
        json_loads("{\"b\":1,\"a\":{\"y\":2,\"x\":[1,\"z\"]}}", 0, NULL);
    json_t *b =
        json_loads("{\"a\":{\"x\":[1,\"z\"],\"y\":2},\"b\":1}", 0, NULL);
    json_t *c =
        json_loads("{\"a\":{\"x\":[\"z\",1],\"y\":2},\"b\":1}", 0, NULL);
    json_t *none = json_array();
    char da[MST_DIGEST_LEN], db[MST_DIGEST_LEN], dc[MST_DIGEST_LEN],
        dd[MST_DIGEST_LEN];
    ck_assert_int_eq(mst_registration_digest(a, none, none, da, NULL), MST_OK);
    ck_assert_int_eq(mst_registration_digest(b, none, none, db, NULL), MST_OK);
    ck_assert_int_eq(mst_registration_digest(c, none, none, dc, NULL), MST_OK);
    ck_assert_str_eq(da, db); /* key order does not matter */
    ck_assert_str_ne(da, dc); /* list order does */
    ck_assert_int_eq(strlen(da), 64);
    /* a class moved into the facts is another body */
    json_t *cls = json_pack("[s]", "b");
    json_t *f = json_object();
    ck_assert_int_eq(mst_registration_digest(f, cls, none, dd, NULL), MST_OK);
    ck_assert_int_eq(mst_registration_digest(f, none, cls, dc, NULL), MST_OK);
    ck_assert_str_ne(dd, dc);
    /* the documented form: SHA-256 of the msgpack map {"agents": [],
     * "classes": [], "facts": {}} (docs/protocol.md) */
    ck_assert_int_eq(mst_registration_digest(f, none, none, dd, NULL), MST_OK);
    ck_assert_str_eq(
        dd, "9819cf04f3b5f5fbe90a1400f2423cb7d669ed40a16b6d0c1a954df067ec12c7");
    ck_assert_int_eq(mst_registration_digest(NULL, none, none, dd, NULL),
                     MST_EINVAL);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(cls);
    json_decref(f);
    json_decref(none);
}
END_TEST

/* A valid short body as JSON, with `extra` spliced in before the end. */
#define SHORT_BODY                                                             \
    "\"sender\":\"web1\",\"time\":1,\"started\":1,\"version\":\"0.1\","        \
    "\"interval\":300,\"collectives\":[\"muster\"]"
#define DIGEST0                                                                \
    "\"digest\":\"000000000000000000000000000000000000000000000000000000000"   \
    "0000000\""

START_TEST(decoder_refusals) {
    static const struct {
        const char *json, *why;
    } cases[] = {
        {"{" SHORT_BODY "}", "missing \"digest\""},
        {"{" SHORT_BODY "," DIGEST0 ",\"x\":1}", "unknown key \"x\""},
        {"{" SHORT_BODY ","
         "\"digest\":\"ABCDEF0000000000000000000000000000000000000000000000000"
         "000000000\"}",
         "64 lower-case hex"},
        {"{" SHORT_BODY ",\"digest\":\"00\"}", "64 lower-case hex"},
        {"{\"sender\":\"\",\"time\":1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":300,\"collectives\":[\"muster\"]," DIGEST0 "}",
         "sender: empty"},
        {"{\"sender\":\"web1\",\"time\":-1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":300,\"collectives\":[\"muster\"]," DIGEST0 "}",
         "time"},
        {"{\"sender\":\"web1\",\"time\":1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":86401,\"collectives\":[\"muster\"]," DIGEST0 "}",
         "interval"},
        {"{\"sender\":\"web1\",\"time\":1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":300,\"collectives\":[]," DIGEST0 "}",
         "collectives: not a list of 1"},
        {"{\"sender\":\"web1\",\"time\":1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":300,\"collectives\":[\"a b\"]," DIGEST0 "}",
         "collectives[0]"},
        /* not a string at all (found by fuzz_registration) */
        {"{\"sender\":\"web1\",\"time\":1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":300,\"collectives\":[1]," DIGEST0 "}",
         "collectives[0]"},
        {"{\"sender\":\"web1\",\"time\":1,\"started\":1,\"version\":\"0.1\","
         "\"interval\":300,\"collectives\":\"muster\"," DIGEST0 "}",
         "collectives: not a list"},
        /* facts without classes and agents */
        {"{" SHORT_BODY "," DIGEST0 ",\"facts\":{}}", "missing \"classes\""},
        {"{" SHORT_BODY "," DIGEST0
         ",\"facts\":[],\"classes\":[],\"agents\":[]}",
         "facts: not a map"},
        {"{" SHORT_BODY "," DIGEST0
         ",\"facts\":{},\"classes\":[1],\"agents\":[]}",
         "classes[0]"},
        {"{" SHORT_BODY "," DIGEST0
         ",\"facts\":{},\"classes\":[],\"agents\":[{\"name\":\"x\"}]}",
         "agents[0]"},
        {"{" SHORT_BODY "," DIGEST0 ",\"facts\":{},\"classes\":[],"
         "\"agents\":[{\"name\":\"x\",\"version\":\"1\",\"y\":1}]}",
         "agents[0]"},
        {"{" SHORT_BODY "," DIGEST0 ",\"facts\":{},\"classes\":[],"
         "\"agents\":[{\"name\":7,\"version\":\"1\"}]}",
         "agents[0]"},
        /* well-formed, but the digest is not that of the body */
        {"{" SHORT_BODY "," DIGEST0
         ",\"facts\":{},\"classes\":[],\"agents\":[]}",
         "does not match"},
        {"[1]", "not a map"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mst_err err = {0};
        ck_assert_msg(decode_json(cases[i].json, &err) == MST_EDECODE,
                      "case %zu decoded", i);
        ck_assert_msg(strstr(err.msg, cases[i].why) != NULL,
                      "case %zu: \"%s\" lacks \"%s\"", i, err.msg,
                      cases[i].why);
    }
    /* the empty body with its right digest is fine */
    struct mst_err err = {0};
    char json[1024];
    snprintf(
        json, sizeof json,
        "{" SHORT_BODY
        ",\"digest\":\"%s\",\"facts\":{},\"classes\":[],\"agents\":[]}",
        "9819cf04f3b5f5fbe90a1400f2423cb7d669ed40a16b6d0c1a954df067ec12c7");
    ck_assert_msg(decode_json(json, &err) == MST_OK, "%s", err.msg);
    /* and bytes that are not msgpack at all */
    struct mst_registration reg = {0};
    ck_assert_int_eq(mst_registration_decode(MST_BYTES("\xc1", 1), &reg, &err),
                     MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "registration"));
}
END_TEST

/*
 * A receiver checks the digest over the bytes it got, in the sorted form
 * only: a body whose facts are sent with their keys out of order is
 * refused, the same body sorted is taken.
 */
START_TEST(digest_is_over_the_bytes_sent) {
    json_t *facts = json_pack("{s:i, s:i}", "b", 1, "a", 2);
    json_t *none = json_array();
    char d[MST_DIGEST_LEN], json[1024];
    ck_assert_int_eq(mst_registration_digest(facts, none, none, d, NULL),
                     MST_OK);
    static const char *bodies[] = {"{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}"};
    for (int sorted = 0; sorted < 2; sorted++) {
        struct mst_err err = {0};
        snprintf(json, sizeof json,
                 "{" SHORT_BODY ",\"digest\":\"%s\",\"facts\":%s,"
                 "\"classes\":[],\"agents\":[]}",
                 d, bodies[sorted]);
        int rc = decode_json(json, &err);
        ck_assert_msg(rc == (sorted ? MST_OK : MST_EDECODE), "%d: %s", sorted,
                      err.msg);
        if (!sorted)
            ck_assert_ptr_nonnull(strstr(err.msg, "not in byte order"));
    }
    json_decref(facts);
    json_decref(none);
}
END_TEST

/* A receiver that says it has every body, and counts the questions. */
static int questions;
static bool has_all(void *ctx, const char *sender, const char *digest) {
    (void)ctx;
    ck_assert_str_eq(sender, "web1");
    ck_assert_int_eq(strlen(digest), 64);
    questions++;
    return true;
}

/*
 * A body the receiver has is kept as the bytes of its digest, not turned
 * into JSON; mst_registration_expand gives the same values a plain decode
 * does; a kept body is still checked against its digest, and is not
 * encoded again.
 */
START_TEST(a_body_the_receiver_has_is_kept_as_bytes) {
    struct mst_security *node = pki_provider(dir, "web1", MST_SECURITY_SERVER);
    struct mst_security *coll = pki_provider(dir, "alice", MST_SECURITY_CLIENT);
    struct mst_registration reg, got = {0};
    fill(&reg, "web1");
    struct mst_buf out;
    mst_buf_init(&out, 0);
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    struct mst_registration_known known = {has_all, NULL};
    questions = 0;
    ck_assert_int_eq(mst_registration_seal(node, &reg, &out, NULL), MST_OK);
    ck_assert_msg(mst_registration_open(coll, mst_buf_view(&out), &known, &got,
                                        signer, &err) == MST_OK,
                  "%s", err.msg);
    ck_assert_int_eq(questions, 1);
    ck_assert(mst_registration_full(&got));
    ck_assert_ptr_null(got.facts);
    ck_assert_uint_gt(got.body.len, 0);
    struct mst_buf again;
    mst_buf_init(&again, 0);
    ck_assert_int_eq(mst_registration_encode(&got, &again, &err), MST_EINVAL);
    ck_assert_int_eq(mst_registration_expand(&got, &err), MST_OK);
    ck_assert_uint_eq(got.body.len, 0);
    ck_assert(json_equal(got.facts, reg.facts));
    ck_assert(json_equal(got.classes, reg.classes));
    ck_assert(json_equal(got.agents, reg.agents));
    mst_registration_clear(&got);
    mst_buf_free(&out);
    /* a kept body whose digest is another's: refused all the same */
    memset(reg.digest, 'a', MST_DIGEST_LEN - 1);
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_registration_seal(node, &reg, &out, NULL), MST_OK);
    ck_assert_int_eq(mst_registration_open(coll, mst_buf_view(&out), &known,
                                           &got, signer, &err),
                     MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
    ck_assert_uint_eq(got.body.len, 0);
    /* a "still here" asks nothing */
    shorten(&reg);
    mst_buf_free(&out);
    mst_buf_init(&out, 0);
    questions = 0;
    ck_assert_int_eq(mst_registration_seal(node, &reg, &out, NULL), MST_OK);
    ck_assert_int_eq(mst_registration_open(coll, mst_buf_view(&out), &known,
                                           &got, signer, &err),
                     MST_OK);
    ck_assert_int_eq(questions, 0);
    ck_assert(!mst_registration_full(&got));
    mst_registration_clear(&got);
    mst_registration_clear(&reg);
    mst_buf_free(&out);
    mst_buf_free(&again);
    mst_security_free(&node);
    mst_security_free(&coll);
}
END_TEST

START_TEST(encoder_refusals) {
    struct mst_registration reg;
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    struct mst_err err = {0};
    fill(&reg, "web1");
    json_decref(reg.classes);
    reg.classes = NULL; /* facts without classes */
    ck_assert_int_eq(mst_registration_encode(&reg, &buf, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "go together"));
    mst_registration_clear(&reg);
    fill(&reg, "web1");
    reg.digest[0] = 'X';
    ck_assert_int_eq(mst_registration_encode(&reg, &buf, &err), MST_EINVAL);
    mst_registration_clear(&reg);
    fill(&reg, "web1");
    json_array_append_new(reg.collectives, json_string("bad name"));
    ck_assert_int_eq(mst_registration_encode(&reg, &buf, &err), MST_EINVAL);
    ck_assert_int_eq(err.code, MST_EINVAL);
    ck_assert_int_eq(buf.len, 0);
    mst_registration_clear(&reg);
    mst_buf_free(&buf);
}
END_TEST

/* Seal `sender`'s registration as `name` of `d`, open it as a collector. */
static int seal_open(const char *d, const char *name, const char *sender,
                     char signer[MST_SIGNER_LEN], struct mst_err *err) {
    /* a client-role provider to sign with a client certificate */
    enum mst_security_role role =
        strcmp(name, "alice") == 0 ? MST_SECURITY_CLIENT : MST_SECURITY_SERVER;
    struct mst_security *node = pki_provider(d, name, role);
    struct mst_security *collector =
        pki_provider(dir, "alice", MST_SECURITY_CLIENT);
    struct mst_registration reg, got = {0};
    fill(&reg, sender);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_registration_seal(node, &reg, &out, err), MST_OK);
    int rc = mst_registration_open(collector, mst_buf_view(&out), NULL, &got,
                                   signer, err);
    if (rc == MST_OK)
        ck_assert(json_equal(got.facts, reg.facts));
    else
        ck_assert_ptr_null(got.sender);
    mst_registration_clear(&got);
    mst_registration_clear(&reg);
    mst_buf_free(&out);
    mst_security_free(&node);
    mst_security_free(&collector);
    return rc;
}

START_TEST(sealed_by_its_node_only) {
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    ck_assert_msg(seal_open(dir, "web1", "web1", signer, &err) == MST_OK, "%s",
                  err.msg);
    ck_assert_str_eq(signer, "web1");
    /* another node's certificate */
    ck_assert_int_eq(seal_open(dir, "web2", "web1", signer, &err),
                     MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "signed by web2"));
    ck_assert_str_eq(signer, "");
    /* a client certificate, even with the right name in it */
    ck_assert_int_eq(seal_open(dir, "alice", "alice", signer, &err),
                     MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "server"));
    /* another CA */
    ck_assert_int_eq(seal_open(other, "web1", "web1", signer, &err),
                     MST_ESECURITY);
}
END_TEST

START_TEST(provider_none_trusts_the_field) {
    struct mst_security *node = pki_provider(NULL, NULL, MST_SECURITY_SERVER);
    struct mst_security *coll = pki_provider(NULL, NULL, MST_SECURITY_CLIENT);
    struct mst_registration reg, got = {0};
    fill(&reg, "web9");
    shorten(&reg);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    char signer[MST_SIGNER_LEN];
    ck_assert_int_eq(mst_registration_seal(node, &reg, &out, NULL), MST_OK);
    ck_assert_int_eq(mst_registration_open(coll, mst_buf_view(&out), NULL, &got,
                                           signer, NULL),
                     MST_OK);
    ck_assert_str_eq(signer, "");
    ck_assert_str_eq(got.sender, "web9");
    ck_assert(!mst_registration_full(&got));
    mst_registration_clear(&got);
    mst_registration_clear(&reg);
    mst_buf_free(&out);
    mst_security_free(&node);
    mst_security_free(&coll);
}
END_TEST

/* The files make_fixtures.py writes: the digest is computed in Python. */
START_TEST(reg_fixtures) {
    static const struct fixture_case cases[] = {
        {"reg_full", MST_OK},
        {"reg_short", MST_OK},
        {"reg_digest_wrong", MST_EDECODE},
        /* digests over their own bytes, in a form values do not encode
         * back to: refused, not taken and then mis-digested */
        {"reg_unsorted_own_digest", MST_EDECODE},
        {"reg_float32_own_digest", MST_EDECODE},
        {"reg_facts_alone", MST_EDECODE},
        {"reg_agent_no_version", MST_EDECODE},
        {"reg_collectives_empty", MST_EDECODE},
        {"reg_dup_sender", MST_EDECODE},
        {"rep_ok", MST_EDECODE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *data = fixture_load(cases[i].name, &len);
        struct mst_registration reg = {0};
        struct mst_err err = {0};
        int rc = mst_registration_decode(MST_BYTES(data, len), &reg, &err);
        ck_assert_msg(rc == cases[i].status, "%s: %d (%s)", cases[i].name, rc,
                      err.msg);
        mst_registration_clear(&reg);
        free(data);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("registration");
    TCase *tc = mst_test_case(s, "registration", setup, teardown, 60);
    tcase_add_test(tc, round_trip_full_and_short);
    tcase_add_test(tc, digest_is_canonical);
    tcase_add_test(tc, digest_is_over_the_bytes_sent);
    tcase_add_test(tc, a_body_the_receiver_has_is_kept_as_bytes);
    tcase_add_test(tc, decoder_refusals);
    tcase_add_test(tc, encoder_refusals);
    tcase_add_test(tc, sealed_by_its_node_only);
    tcase_add_test(tc, provider_none_trusts_the_field);
    tcase_add_test(tc, reg_fixtures);
    return mst_test_run(s);
}
