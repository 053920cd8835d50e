/*
 * test_security.c - the x509 provider: sign/verify round trips for P-256,
 * RSA and Ed25519, and every refusal (unsigned, tampered, wrong key,
 * other CA, expired, not yet valid, wrong usage, bad DER, start-up checks),
 * and a trusted key source (used only under its CA and in date).
 */
#include <check.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "pki.h"
#include "runner.h"
#include "security/security.h"
#include "wire/envelope.h"
#include "wire/reply.h"
#include "wire/request.h"

static char dir[64], other[64];

static void setup(void) {
    pki_init(dir, MST_KEY_EC);
    pki_init(other, MST_KEY_EC);
    pki_issue(dir, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    pki_issue(dir, "carol", MST_CERT_CLIENT, MST_KEY_RSA, 0);
    pki_issue(dir, "dave", MST_CERT_CLIENT, MST_KEY_ED25519, 0);
    pki_issue(dir, "web1", MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_issue(dir, "old", MST_CERT_CLIENT, MST_KEY_EC, -10);
    pki_issue(dir, "soon", MST_CERT_CLIENT, MST_KEY_EC, 5);
    pki_issue(other, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
}

static void teardown(void) {
    pki_remove(dir);
    pki_remove(other);
}

static struct mst_security *provider(const char *d, const char *name,
                                     enum mst_security_role role, int cache) {
    struct mst_security *sec = NULL;
    struct mst_err err = {0};
    struct mst_security_options o = {.provider = "x509",
                                     .role = role,
                                     .ca = pki_path(dir, "ca", "pem"),
                                     .cert = pki_path(d, name, "pem"),
                                     .key = pki_path(d, name, "key"),
                                     .cert_cache = cache};
    ck_assert_msg(mst_security_new(&o, &sec, &err) == MST_OK, "%s", err.msg);
    return sec;
}

static void fill_request(struct mst_request *req) {
    memset(req, 0, sizeof *req);
    strcpy(req->id, "0123456789abcdef0123456789abcdef");
    req->time_ms = 1700000000000;
    req->ttl_ms = 60000;
    req->collective = "muster";
    req->agent = "rpcutil";
    req->action = "ping";
    req->caller = "cert=x";
    req->sender = "c1";
    req->reply_to = "q";
    req->filter = json_object();
    req->data = json_object();
}

/* Seal a request as `name` of `d` into `out`. */
static void seal_as(const char *d, const char *name, struct mst_buf *out) {
    struct mst_security *sec = provider(d, name, MST_SECURITY_CLIENT, 0);
    struct mst_request req;
    fill_request(&req);
    mst_buf_init(out, 0);
    ck_assert_int_eq(mst_request_seal(sec, &req, out, NULL), MST_OK);
    json_decref(req.filter);
    json_decref(req.data);
    mst_security_free(&sec);
}

/* Sign as `name` of `d` with OpenSSL directly: the provider refuses to
 * start with an expired, not yet valid or foreign certificate. */
static void seal_raw(const char *d, const char *name, struct mst_buf *out) {
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    ck_assert_int_eq(mst_cert_load(pki_path(d, name, "pem"), &cert, NULL),
                     MST_OK);
    ck_assert_int_eq(mst_cert_load_key(pki_path(d, name, "key"), &key, NULL),
                     MST_OK);
    struct mst_request req;
    fill_request(&req);
    struct mst_buf p;
    mst_buf_init(&p, 0);
    ck_assert_int_eq(mst_request_encode(&req, &p, NULL), MST_OK);
    uint8_t sig[512];
    size_t len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ck_assert_int_eq(
        EVP_DigestSignInit(md, NULL, mst_cert_sign_md(key), NULL, key), 1);
    ck_assert_int_eq(EVP_DigestSign(md, sig, &len, p.data, p.len), 1);
    unsigned char *der = NULL;
    int der_len = i2d_X509(cert, &der);
    struct mst_envelope env = {.payload = mst_buf_view(&p),
                               .sig = MST_BYTES(sig, len),
                               .cert = MST_BYTES(der, (size_t)der_len)};
    mst_buf_init(out, 0);
    ck_assert_int_eq(mst_envelope_encode(&env, out, NULL), MST_OK);
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    mst_buf_free(&p);
    json_decref(req.filter);
    json_decref(req.data);
    X509_free(cert);
    EVP_PKEY_free(key);
}

/* Open `in` on a node; returns the status and the reason in `err`. */
static int node_open(struct mst_bytes in, char signer[MST_SIGNER_LEN],
                     struct mst_err *err) {
    struct mst_security *node = provider(dir, "web1", MST_SECURITY_SERVER, 0);
    struct mst_request req = {0};
    int rc = mst_request_open(node, in, &req, signer, err);
    mst_request_clear(&req);
    mst_security_free(&node);
    return rc;
}

/* A node opens `out`, signed by `name`; `out` is freed. */
static void expect_opens(struct mst_buf *out, const char *name) {
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    ck_assert_msg(node_open(mst_buf_view(out), signer, &err) == MST_OK,
                  "%s: %s", name, err.msg);
    ck_assert_str_eq(signer, name);
    mst_buf_free(out);
}

static const char *every_key_type[] = {"alice", "carol", "dave"};

START_TEST(round_trip_every_key_type) {
    for (size_t i = 0; i < 3; i++) {
        struct mst_buf out;
        seal_as(dir, every_key_type[i], &out);
        expect_opens(&out, every_key_type[i]);
    }
}
END_TEST

/* An OK reply from web1 with empty data (the caller decrefs rep.data). */
static struct mst_reply web1_reply(void) {
    struct mst_reply rep = {
        .sender = "web1", .statusmsg = "OK", .data = json_object()};
    strcpy(rep.id, "0123456789abcdef0123456789abcdef");
    return rep;
}

START_TEST(reply_round_trip_and_usage) {
    struct mst_security *node = provider(dir, "web1", MST_SECURITY_SERVER, 0);
    struct mst_security *cli = provider(dir, "alice", MST_SECURITY_CLIENT, 0);
    struct mst_reply rep = web1_reply();
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_reply_seal(node, &rep, &out, NULL), MST_OK);
    struct mst_reply got = {0};
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_reply_open(cli, mst_buf_view(&out), &got, signer, &err), MST_OK);
    ck_assert_str_eq(signer, "web1");
    mst_reply_clear(&got);
    /* a reply signed with a client certificate is refused */
    mst_buf_free(&out);
    ck_assert_int_eq(mst_reply_seal(cli, &rep, &out, NULL), MST_OK);
    ck_assert_int_eq(
        mst_reply_open(cli, mst_buf_view(&out), &got, signer, &err),
        MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "replies need a server"));
    ck_assert_str_eq(signer, "");
    /* and a node refuses what a server certificate signed */
    mst_buf_free(&out);
    ck_assert_int_eq(mst_reply_seal(node, &rep, &out, NULL), MST_OK);
    ck_assert_int_eq(node_open(mst_buf_view(&out), signer, &err),
                     MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "with a server certificate"));
    json_decref(rep.data);
    mst_buf_free(&out);
    mst_security_free(&node);
    mst_security_free(&cli);
}
END_TEST

/* Our signature must be what OpenSSL's one-shot calls make and accept
 * (the provider hashes and signs with prepared contexts): a raw-signed
 * request opens, and a sealed one verifies with EVP_DigestVerify. */
START_TEST(signatures_are_standard) {
    for (size_t i = 0; i < 3; i++) {
        const char *name = every_key_type[i];
        struct mst_buf out;
        seal_raw(dir, name, &out);
        expect_opens(&out, name);
        seal_as(dir, name, &out);
        struct mst_envelope env;
        ck_assert_int_eq(
            mst_envelope_decode(mst_buf_view(&out), NULL, &env, NULL), MST_OK);
        EVP_PKEY *key = NULL;
        ck_assert_int_eq(
            mst_cert_load_key(pki_path(dir, name, "key"), &key, NULL), MST_OK);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        ck_assert_int_eq(
            EVP_DigestVerifyInit(md, NULL, mst_cert_sign_md(key), NULL, key),
            1);
        ck_assert_msg(EVP_DigestVerify(md, env.sig.ptr, env.sig.len,
                                       env.payload.ptr, env.payload.len) == 1,
                      "%s: OpenSSL refuses the signature", name);
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(key);
        mst_buf_free(&out);
    }
}
END_TEST

/* Re-encode the envelope in `buf` after `change` edited it. */
static void rewrap(struct mst_buf *buf, int what, const struct mst_buf *src) {
    struct mst_envelope env;
    ck_assert_int_eq(mst_envelope_decode(mst_buf_view(buf), NULL, &env, NULL),
                     MST_OK);
    uint8_t *copy = malloc(buf->len);
    memcpy(copy, buf->data, buf->len);
    env.payload.ptr = copy + (env.payload.ptr - buf->data);
    env.sig.ptr = copy + (env.sig.ptr - buf->data);
    env.cert.ptr = copy + (env.cert.ptr - buf->data);
    struct mst_envelope other_env;
    if (src != NULL)
        ck_assert_int_eq(
            mst_envelope_decode(mst_buf_view(src), NULL, &other_env, NULL),
            MST_OK);
    switch (what) {
    case 0: /* unsigned */
        env.sig = env.cert = MST_BYTES(NULL, 0);
        break;
    case 1: /* flip a payload byte */
        copy[env.payload.ptr - copy + env.payload.len - 2] ^= 1;
        break;
    case 2: /* carry another certificate */
        env.cert = other_env.cert;
        break;
    case 3: /* garbage certificate */
        env.cert = MST_BYTES("\x30\x03\x02\x01\x00", 5);
        break;
    }
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_envelope_encode(&env, &out, NULL), MST_OK);
    free(copy);
    mst_buf_free(buf);
    *buf = out;
}

static void expect_refused(struct mst_buf *b, const char *why) {
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    ck_assert_int_eq(node_open(mst_buf_view(b), signer, &err), MST_ESECURITY);
    ck_assert_msg(strstr(err.msg, why) != NULL, "'%s' not in '%s'", why,
                  err.msg);
    ck_assert_str_eq(signer, "");
    mst_buf_free(b);
}

START_TEST(refusals) {
    struct mst_buf b, carol;
    seal_as(dir, "alice", &b);
    rewrap(&b, 0, NULL);
    expect_refused(&b, "unsigned message");
    seal_as(dir, "alice", &b);
    rewrap(&b, 1, NULL);
    expect_refused(&b, "bad signature");
    seal_as(dir, "alice", &b);
    seal_as(dir, "carol", &carol);
    rewrap(&b, 2, &carol); /* alice's signature, carol's certificate */
    expect_refused(&b, "bad signature");
    mst_buf_free(&carol);
    seal_as(dir, "alice", &b);
    rewrap(&b, 3, NULL);
    expect_refused(&b, "not one DER");
    seal_raw(other, "alice", &b);
    expect_refused(&b, "unable to get local issuer");
    seal_raw(dir, "old", &b);
    expect_refused(&b, "expired");
    seal_raw(dir, "soon", &b);
    expect_refused(&b, "not yet valid");
}
END_TEST

START_TEST(cache_hits_and_disabled) {
    struct mst_security *node = provider(dir, "web1", MST_SECURITY_SERVER, 2);
    struct mst_security *none = provider(dir, "web1", MST_SECURITY_SERVER, -1);
    static const char *names[] = {"alice", "carol", "dave", "alice", "dave"};
    for (size_t i = 0; i < 5; i++) {
        struct mst_buf b;
        char signer[MST_SIGNER_LEN];
        seal_as(dir, names[i], &b);
        struct mst_request req = {0};
        ck_assert_int_eq(
            mst_request_open(node, mst_buf_view(&b), &req, signer, NULL),
            MST_OK);
        ck_assert_str_eq(signer, names[i]);
        mst_request_clear(&req);
        ck_assert_int_eq(
            mst_request_open(none, mst_buf_view(&b), &req, signer, NULL),
            MST_OK);
        mst_request_clear(&req);
        /* a cached certificate still needs a good signature */
        rewrap(&b, 1, NULL);
        ck_assert_int_eq(
            mst_request_open(node, mst_buf_view(&b), &req, signer, NULL),
            MST_ESECURITY);
        mst_buf_free(&b);
    }
    mst_security_free(&node);
    mst_security_free(&none);
}
END_TEST

/* Threads verifying replies of one node on one client (as the client's
 * verifier threads do) take the cached certificate's prepared context in
 * turn or make their own: every good reply passes, every tampered fails. */
struct race {
    struct mst_security *cli;
    const struct mst_buf *good, *bad;
    int wrong; /* results that were not as expected */
};

static void *verify_many(void *arg) {
    struct race *r = arg;
    for (int i = 0; i < 200; i++) {
        const struct mst_buf *b = i % 3 == 0 ? r->bad : r->good;
        struct mst_reply got = {0};
        char signer[MST_SIGNER_LEN];
        int rc = mst_reply_open(r->cli, mst_buf_view(b), &got, signer, NULL);
        r->wrong += (rc == MST_OK) != (b == r->good);
        mst_reply_clear(&got);
    }
    return NULL;
}

START_TEST(concurrent_verifies) {
    struct mst_security *node = provider(dir, "web1", MST_SECURITY_SERVER, 0);
    struct mst_security *cli = provider(dir, "alice", MST_SECURITY_CLIENT, 0);
    struct mst_reply rep = web1_reply();
    struct mst_buf good, bad;
    mst_buf_init(&good, 0);
    ck_assert_int_eq(mst_reply_seal(node, &rep, &good, NULL), MST_OK);
    mst_buf_init(&bad, 0);
    ck_assert_int_eq(mst_buf_append(&bad, good.data, good.len), MST_OK);
    rewrap(&bad, 1, NULL);
    struct race r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct race){.cli = cli, .good = &good, .bad = &bad};
        ck_assert_int_eq(pthread_create(&t[i], NULL, verify_many, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(r[i].wrong, 0);
    }
    json_decref(rep.data);
    mst_buf_free(&good);
    mst_buf_free(&bad);
    mst_security_free(&node);
    mst_security_free(&cli);
}
END_TEST

START_TEST(startup_checks) {
    struct mst_security *sec = NULL;
    struct mst_err err = {0};
    struct mst_security_options o = {.provider = "x509",
                                     .role = MST_SECURITY_SERVER,
                                     .ca = pki_path(dir, "ca", "pem"),
                                     .cert = pki_path(dir, "web1", "pem"),
                                     .key = pki_path(dir, "alice", "key")};
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
    o.key = pki_path(dir, "web1", "key");
    chmod(o.key, 0644);
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "group or others"));
    chmod(o.key, 0600);
    /* a node with a client certificate, a client with a server one */
    o.cert = pki_path(dir, "alice", "pem");
    o.key = pki_path(dir, "alice", "key");
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ESECURITY);
    ck_assert_msg(strstr(err.msg, "needs a server one") != NULL, "%s", err.msg);
    o.cert = pki_path(other, "alice", "pem");
    o.key = pki_path(other, "alice", "key");
    o.role = MST_SECURITY_CLIENT;
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ESECURITY);
    ck_assert_ptr_null(sec);
    o.cert = pki_path(dir, "alice", "pem");
    o.key = pki_path(dir, "alice", "key");
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_OK);
    ck_assert_str_eq(mst_security_own_name(sec), "alice");
    mst_security_free(&sec);
}
END_TEST

/* A trusted key source in memory that gives back whatever it holds for
 * a fingerprint - whatever the CA or the dates: the provider checks. */
struct fake_source {
    struct mst_known_cert kept[8];
    size_t n;
    int hits;
};

static int fake_lookup(void *ud, const uint8_t fpr[32],
                       const uint8_t ca_fpr[32],
                       struct mst_known_cert *cert_r) {
    struct fake_source *f = ud;
    (void)ca_fpr;
    for (size_t i = 0; i < f->n; i++)
        if (memcmp(f->kept[i].fpr, fpr, 32) == 0) {
            *cert_r = f->kept[i];
            f->hits++;
            return 1;
        }
    return 0;
}

static void fake_remember(void *ud, const struct mst_known_cert *cert) {
    struct fake_source *f = ud;
    ck_assert_uint_lt(f->n, 8);
    f->kept[f->n++] = *cert;
}

/* web1 verifying requests with `src` and no cache of its own: each open
 * goes to the source. */
static int open_with(struct fake_source *src, struct mst_buf *b,
                     struct mst_err *err) {
    struct mst_known_certs known = {fake_lookup, fake_remember, src};
    struct mst_security_options o = {.provider = "x509",
                                     .role = MST_SECURITY_SERVER,
                                     .ca = pki_path(dir, "ca", "pem"),
                                     .cert = pki_path(dir, "web1", "pem"),
                                     .key = pki_path(dir, "web1", "key"),
                                     .cert_cache = -1,
                                     .known = &known};
    struct mst_security *sec = NULL;
    ck_assert_int_eq(mst_security_new(&o, &sec, NULL), MST_OK);
    struct mst_request req = {0};
    char signer[MST_SIGNER_LEN];
    int rc = mst_request_open(sec, mst_buf_view(b), &req, signer, err);
    mst_request_clear(&req);
    mst_security_free(&sec);
    return rc;
}

START_TEST(a_known_certificate_skips_the_chain_not_the_checks) {
    for (size_t k = 0; k < 3; k++) { /* P-256, RSA, Ed25519 */
        struct fake_source src = {0};
        struct mst_buf b;
        struct mst_err err = {0};
        seal_as(dir, every_key_type[k], &b);
        ck_assert_msg(open_with(&src, &b, &err) == MST_OK, "%s", err.msg);
        ck_assert_uint_eq(src.n, 1); /* verified in full, remembered */
        ck_assert_str_eq(src.kept[0].cn, every_key_type[k]);
        ck_assert_int_eq(src.kept[0].kind, MST_CERT_CLIENT);
        ck_assert_msg(open_with(&src, &b, &err) == MST_OK, "%s", err.msg);
        ck_assert_int_eq(src.hits, 1);
        ck_assert_uint_eq(src.n, 1); /* from the source: nothing new */
        /* the key rebuilt from the source still checks the signature */
        rewrap(&b, 1, NULL);
        ck_assert_int_eq(open_with(&src, &b, &err), MST_ESECURITY);
        ck_assert_ptr_nonnull(strstr(err.msg, "bad signature"));
        mst_buf_free(&b);
    }
}
END_TEST

START_TEST(a_known_certificate_of_another_ca_or_out_of_date_is_checked) {
    struct fake_source src = {0};
    struct mst_buf b;
    struct mst_err err = {0};
    seal_as(dir, "alice", &b);
    ck_assert_int_eq(open_with(&src, &b, NULL), MST_OK);
    src.kept[0].ca_fpr[0] ^= 1; /* verified under another CA */
    ck_assert_int_eq(open_with(&src, &b, NULL), MST_OK);
    ck_assert_uint_eq(src.n, 2); /* in full again */
    src.n = 1;
    src.kept[0] = src.kept[1];
    src.kept[0].not_after_s = time(NULL) - 1; /* expired since */
    ck_assert_int_eq(open_with(&src, &b, NULL), MST_OK);
    ck_assert_uint_eq(src.n, 2);
    src.kept[0].not_after_s = src.kept[1].not_after_s;
    src.kept[0].not_before_s = time(NULL) + 60; /* not yet valid */
    ck_assert_int_eq(open_with(&src, &b, NULL), MST_OK);
    ck_assert_uint_eq(src.n, 3);
    mst_buf_free(&b);
    /* a server certificate is no requester's, known or not */
    struct fake_source srv = {0};
    seal_raw(dir, "web1", &b);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(open_with(&srv, &b, &err), MST_ESECURITY);
        ck_assert_ptr_nonnull(strstr(err.msg, "server certificate"));
    }
    ck_assert_int_eq(srv.hits, 1);
    mst_buf_free(&b);
}
END_TEST

int main(void) {
    Suite *s = suite_create("security");
    TCase *tc = tcase_create("x509");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip_every_key_type);
    tcase_add_test(tc, reply_round_trip_and_usage);
    tcase_add_test(tc, signatures_are_standard);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, cache_hits_and_disabled);
    tcase_add_test(tc, concurrent_verifies);
    tcase_add_test(tc, startup_checks);
    tcase_add_test(tc, a_known_certificate_skips_the_chain_not_the_checks);
    tcase_add_test(tc,
                   a_known_certificate_of_another_ca_or_out_of_date_is_checked);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
