/*
 * security_x509.c - the "x509" provider: sign the exact payload bytes with
 * the local key and send the DER certificate; verify the sender's
 * certificate against the site CA (chain, validity dates, usage) and the
 * signature, and name the certificate's CN as the signer.
 *
 * Chain verification costs far more than a P-256 signature check, so
 * certificates that verified are kept in a cache keyed by the SHA-256 of
 * their DER bytes.  A hit re-checks the validity dates (a certificate may
 * expire while cached) and skips the chain walk and the parsing (OpenSSL
 * 3.0 takes ~150 us to decode a certificate's key): the bytes are the same
 * certificate the CA vouched for.  An entry keeps only what a hit needs -
 * the public key, the dates, the CN and the kind - not the whole X509
 * (about 2.4 kB per entry instead of 5.1 kB, measured on P-256), and the
 * prepared verify context below (about 600 bytes more).
 *
 * Per message, OpenSSL 3.0's EVP_DigestSignInit/EVP_DigestVerifyInit
 * fetch the digest and the signature algorithm by name (under a global
 * lock) and build a context for the key: several microseconds that are
 * the same every time.  So SHA-256 is fetched once, the payload hashed
 * here, and the hash signed or verified with a context prepared once -
 * for the own key at start-up, for a sender's key when its certificate
 * enters the cache (see struct cached).  Ed25519 signs the message
 * itself, not a hash, and keeps the one-shot calls.
 *
 * The cache dies with the process; a trusted key source
 * (mst_security_options.known: the collector's store) carries verified
 * certificates over to the next one.  What it gives back is used only
 * under the CA it was verified by - the SHA-256 of the CA file's
 * certificates, so a new CA file trusts nothing old - and while its dates
 * hold; it then costs a key rebuilt from ~100 bytes instead of a parse and
 * a chain check (see known_key).
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "base/util.h"
#include "security/cert.h"
#include "security/security_provider.h"

/*
 * Verified certificates kept, by role: a node sees few client certificates,
 * a client one per node that answers it, so the client's default holds a
 * fleet of 50,000 with room for the 4-way sets to be uneven.  The cache is
 * set associative on the fingerprint, so a lookup is O(1) however large it
 * is (two sets of CACHE_WAYS per certificate, see cache_set); the least
 * recently used of their entries is replaced.  Slots are
 * allocated up front (sizeof (struct cached) each, 88 bytes) but only
 * touched, and their key allocated, as certificates arrive.
 */
#define CACHE_DEFAULT_SERVER 256
#define CACHE_DEFAULT_CLIENT 65536
#define CACHE_WAYS 4
/* Largest certificate accepted in an envelope, in bytes. */
#define CERT_MAX 16384

struct cached {
    uint8_t fpr[32];
    EVP_PKEY *key; /* the certificate's public key; NULL: free slot */
    /* A verify context prepared for `key` (NULL: Ed25519, or taken by a
     * verification running now: a thread takes it out under the lock and
     * puts it back after, so no two threads share one). */
    EVP_PKEY_CTX *vctx;
    char *cn; /* owned */
    time_t not_before, not_after;
    uint64_t used; /* tick of the last use, for LRU */
    enum mst_cert_kind kind;
};

struct x509_state {
    enum mst_security_role role;
    X509_STORE *store;  /* the site CA */
    uint8_t ca_fpr[32]; /* its certificates' SHA-256 (ca_fingerprint) */
    struct mst_known_certs known; /* all NULL: no trusted key source */
    X509 *cert;                   /* own certificate */
    EVP_PKEY *key;                /* own key */
    EVP_MD *sha256;               /* fetched once */
    pthread_mutex_t sign_lock;    /* guards sign_ctx: a provider may be shared
                                     by threads (the library's callers) */
    EVP_PKEY_CTX *sign_ctx;       /* prepared for `key`; NULL: Ed25519 */
    char own_cn[MST_CERT_CN_LEN];
    uint8_t *der; /* own certificate, DER, sent in every envelope */
    size_t der_len;
    pthread_mutex_t lock; /* guards the cache */
    struct cached *cache;
    size_t cache_size;
    uint64_t tick;
};

static void x509_destroy(void *state) {
    struct x509_state *s = state;
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->cache_size; i++) {
        EVP_PKEY_CTX_free(s->cache[i].vctx);
        EVP_PKEY_free(s->cache[i].key);
        free(s->cache[i].cn);
    }
    free(s->cache);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->sign_lock);
    EVP_PKEY_CTX_free(s->sign_ctx);
    EVP_MD_free(s->sha256);
    OPENSSL_free(s->der);
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    X509_STORE_free(s->store);
    free(s);
}

/*
 * A context to sign (`sign`) or verify SHA-256 hashes with `key`, or NULL
 * for Ed25519 (and when OpenSSL cannot make one: the caller then takes
 * the one-shot path, which reports why).
 */
static EVP_PKEY_CTX *prepare(const struct x509_state *s, EVP_PKEY *key,
                             int sign) {
    if (mst_cert_sign_md(key) == NULL)
        return NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    int ok =
        ctx != NULL &&
        (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) == 1 &&
        EVP_PKEY_CTX_set_signature_md(ctx, s->sha256) == 1;
    if (ok)
        return ctx;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
}

static int sha256(const struct x509_state *s, struct mst_bytes data,
                  uint8_t out[32]) {
    unsigned int n = 32;
    return EVP_Digest(data.ptr, data.len, out, &n, s->sha256, NULL) == 1;
}

/* Chain and dates of `cert` against the CA; the reason in `err`. */
static int verify_chain(X509_STORE *store, X509 *cert, struct mst_err *err) {
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL || X509_STORE_CTX_init(ctx, store, cert, NULL) != 1) {
        X509_STORE_CTX_free(ctx);
        return mst_cert_ssl_error(err, MST_ENOMEM, "certificate check");
    }
    int ok = X509_verify_cert(ctx) == 1;
    int code = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    if (ok)
        return MST_OK;
    return mst_err_set(err, MST_ESECURITY, "certificate not trusted: %s",
                       X509_verify_cert_error_string(code));
}

/* The role's own certificate must be of the matching kind. */
static int check_own(struct x509_state *s, const struct mst_security_options *o,
                     struct mst_err *err) {
    if (X509_check_private_key(s->cert, s->key) != 1) {
        ERR_clear_error();
        return mst_err_set(err, MST_ESECURITY,
                           "key %s does not match certificate %s", o->key,
                           o->cert);
    }
    int rc = verify_chain(s->store, s->cert, err);
    if (rc != MST_OK)
        return mst_err_prefix(err, "%s", o->cert);
    rc = mst_cert_cn(s->cert, s->own_cn, err);
    if (rc != MST_OK)
        return mst_err_prefix(err, "%s", o->cert);
    enum mst_cert_kind want =
        o->role == MST_SECURITY_SERVER ? MST_CERT_SERVER : MST_CERT_CLIENT;
    if (mst_cert_kind(s->cert) != want)
        return mst_err_set(err, MST_ESECURITY,
                           "%s is a %s certificate; this side needs a %s one "
                           "(muster cert issue ... --%s)",
                           o->cert, mst_cert_kind_name(mst_cert_kind(s->cert)),
                           mst_cert_kind_name(want), mst_cert_kind_name(want));
    return MST_OK;
}

/*
 * The SHA-256 of the DER of every certificate the CA file put in the
 * store, in the store's (sorted) order: for the usual file of one CA, the
 * fingerprint `muster cert show` prints for it.
 */
static int ca_fingerprint(struct x509_state *s, struct mst_err *err) {
    STACK_OF(X509) *certs = X509_STORE_get1_all_certs(s->store);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = certs != NULL && md != NULL &&
             EVP_DigestInit_ex(md, s->sha256, NULL) == 1;
    for (int i = 0; ok && i < sk_X509_num(certs); i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(sk_X509_value(certs, i), &der);
        ok = len > 0 && EVP_DigestUpdate(md, der, (size_t)len) == 1;
        OPENSSL_free(der);
    }
    ok = ok && EVP_DigestFinal_ex(md, s->ca_fpr, NULL) == 1;
    EVP_MD_CTX_free(md);
    sk_X509_pop_free(certs, X509_free);
    return ok ? MST_OK
              : mst_cert_ssl_error(err, MST_ESECURITY, "CA fingerprint");
}

static int load_all(struct x509_state *s, const struct mst_security_options *o,
                    struct mst_err *err) {
    if (o->ca == NULL || o->cert == NULL || o->key == NULL)
        return mst_err_set(err, MST_ECONFIG,
                           "x509 needs security.ca, "
                           "security.cert and security.key");
    s->store = X509_STORE_new();
    if (s->store == NULL || X509_STORE_load_file(s->store, o->ca) != 1)
        return mst_cert_ssl_error(err, MST_ESECURITY, o->ca);
    int rc = ca_fingerprint(s, err);
    if (rc == MST_OK)
        rc = mst_cert_load(o->cert, &s->cert, err);
    if (rc == MST_OK)
        rc = mst_cert_load_key(o->key, &s->key, err);
    if (rc == MST_OK)
        rc = check_own(s, o, err);
    if (rc != MST_OK)
        return rc;
    int len = i2d_X509(s->cert, &s->der);
    if (len <= 0)
        return mst_cert_ssl_error(err, MST_ESECURITY, o->cert);
    s->der_len = (size_t)len;
    s->sign_ctx = prepare(s, s->key, 1);
    return MST_OK;
}

static int x509_create(const struct mst_security_options *o, void **state_r,
                       struct mst_err *err) {
    struct x509_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->sign_lock, NULL);
    s->role = o->role;
    if (o->known != NULL)
        s->known = *o->known;
    s->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    if (s->sha256 == NULL) {
        x509_destroy(s);
        return mst_cert_ssl_error(err, MST_ESECURITY, "SHA-256");
    }
    size_t want = o->cert_cache > 0                ? (size_t)o->cert_cache
                  : o->role == MST_SECURITY_CLIENT ? CACHE_DEFAULT_CLIENT
                                                   : CACHE_DEFAULT_SERVER;
    /* a whole number of sets */
    s->cache_size = o->cert_cache < 0
                        ? 0
                        : (want + CACHE_WAYS - 1) / CACHE_WAYS * CACHE_WAYS;
    if (s->cache_size > 0) {
        s->cache = calloc(s->cache_size, sizeof *s->cache);
        if (s->cache == NULL) {
            x509_destroy(s);
            return mst_err_set(err, MST_ENOMEM, "out of memory");
        }
    }
    int rc = load_all(s, o, err);
    if (rc != MST_OK) {
        x509_destroy(s);
        return rc;
    }
    *state_r = s;
    return MST_OK;
}

/* Sign `payload` into `sig` (*len: its size, then the signature's). */
static int sign_payload(struct x509_state *s, struct mst_bytes payload,
                        uint8_t *sig, size_t *len) {
    if ((size_t)EVP_PKEY_get_size(s->key) > *len)
        return 0;
    if (s->sign_ctx != NULL) {
        uint8_t hash[32];
        if (!sha256(s, payload, hash))
            return 0;
        pthread_mutex_lock(&s->sign_lock);
        int ok = EVP_PKEY_sign(s->sign_ctx, sig, len, hash, sizeof hash) == 1;
        pthread_mutex_unlock(&s->sign_lock);
        return ok;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL &&
             EVP_DigestSignInit(md, NULL, mst_cert_sign_md(s->key), NULL,
                                s->key) == 1 &&
             EVP_DigestSign(md, sig, len, payload.ptr, payload.len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static int x509_sign(void *state, struct mst_envelope *env,
                     struct mst_buf *sig_buf, struct mst_err *err) {
    struct x509_state *s = state;
    uint8_t sig[1024]; /* RSA 8192 at most */
    size_t len = sizeof sig;
    if (!sign_payload(s, env->payload, sig, &len))
        return mst_cert_ssl_error(err, MST_ESECURITY, "signing");
    size_t at = sig_buf->len;
    int rc = mst_buf_append(sig_buf, sig, len);
    if (rc != MST_OK)
        return mst_err_set(err, rc, "signature buffer full");
    env->sig = MST_BYTES(sig_buf->data + at, len);
    env->cert = MST_BYTES(s->der, s->der_len);
    return MST_OK;
}

/* Dates only: the chain was verified when the entry was made. */
static int check_dates(time_t not_before, time_t not_after,
                       struct mst_err *err) {
    time_t now = time(NULL);
    if (now < not_before)
        return mst_err_set(err, MST_ESECURITY,
                           "certificate not trusted: certificate is not yet "
                           "valid");
    if (now > not_after)
        return mst_err_set(err, MST_ESECURITY,
                           "certificate not trusted: certificate has expired");
    return MST_OK;
}

/* An ASN.1 time as seconds since the epoch; `fallback` if unreadable. */
static time_t asn1_seconds(const ASN1_TIME *t, time_t fallback) {
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return fallback;
    return timegm(&tm);
}

static void drop_entry(struct cached *c) {
    EVP_PKEY_CTX_free(c->vctx);
    EVP_PKEY_free(c->key);
    free(c->cn);
    c->vctx = NULL;
    c->key = NULL;
    c->cn = NULL;
}

/*
 * The CACHE_WAYS slots of choice `which` (0 or 1) where `fpr` may be kept
 * (cache_size > 0).  Two choices per certificate, from two independent
 * parts of its SHA-256 (already uniform), so that a fleet filling most of
 * the cache still finds a free or stale slot: with one choice, 50,000
 * certificates in 65,536 4-way slots overflow one set in five, and an
 * overflowing set missed on every reply of a broadcast (its LRU order is
 * the broadcast's order).
 */
static struct cached *cache_set(struct x509_state *s, const uint8_t fpr[32],
                                int which) {
    uint64_t h;
    memcpy(&h, fpr + 8 * which, sizeof h);
    return &s->cache[h % (s->cache_size / CACHE_WAYS) * CACHE_WAYS];
}

/* The slot holding `fpr`, or NULL (lock held). */
static struct cached *cache_slot(struct x509_state *s, const uint8_t fpr[32]) {
    for (int which = 0; which < 2; which++) {
        struct cached *set = cache_set(s, fpr, which);
        for (size_t i = 0; i < CACHE_WAYS; i++)
            if (set[i].key != NULL && memcmp(set[i].fpr, fpr, 32) == 0)
                return &set[i];
    }
    return NULL;
}

/* A cached entry for `fpr` whose dates still hold, or NULL (lock held). */
static struct cached *cache_find(struct x509_state *s, const uint8_t fpr[32],
                                 struct mst_err *err, int *rc_r) {
    if (s->cache_size == 0)
        return NULL;
    struct cached *c = cache_slot(s, fpr);
    if (c == NULL)
        return NULL;
    *rc_r = check_dates(c->not_before, c->not_after, err);
    if (*rc_r != MST_OK) {
        drop_entry(c);
        return NULL;
    }
    c->used = ++s->tick;
    return c;
}

/* Where a new entry goes: a free slot of either set, else the least
 * recently used of both. */
static struct cached *cache_victim(struct x509_state *s,
                                   const uint8_t fpr[32]) {
    struct cached *victim = NULL;
    for (int which = 0; which < 2; which++) {
        struct cached *set = cache_set(s, fpr, which);
        for (size_t i = 0; i < CACHE_WAYS; i++) {
            if (set[i].key == NULL)
                return &set[i];
            if (victim == NULL || set[i].used < victim->used)
                victim = &set[i];
        }
    }
    return victim;
}

/* What the cache and a trusted key source keep of a verified certificate. */
struct verified {
    EVP_PKEY *key; /* borrowed */
    const char *cn;
    enum mst_cert_kind kind;
    time_t not_before, not_after;
};

/* Keep a verified certificate (lock held); another thread may have. */
static void cache_put(struct x509_state *s, const uint8_t fpr[32],
                      const struct verified *v) {
    if (s->cache_size == 0 || cache_slot(s, fpr) != NULL)
        return;
    char *cn_copy = strdup(v->cn);
    EVP_PKEY *key = v->key;
    if (cn_copy == NULL || key == NULL || EVP_PKEY_up_ref(key) != 1) {
        free(cn_copy); /* not kept: the next use verifies again */
        return;
    }
    struct cached *victim = cache_victim(s, fpr);
    drop_entry(victim);
    victim->key = key;
    victim->cn = cn_copy;
    victim->not_before = v->not_before;
    victim->not_after = v->not_after;
    memcpy(victim->fpr, fpr, 32);
    victim->kind = v->kind;
    victim->used = ++s->tick;
}

/* Parse and fully verify a certificate not in the cache. */
static int verify_new(struct x509_state *s, struct mst_bytes der, X509 **cert_r,
                      char cn_r[MST_CERT_CN_LEN], struct mst_err *err) {
    const unsigned char *p = der.ptr;
    X509 *cert = d2i_X509(NULL, &p, (long)der.len);
    if (cert == NULL || p != der.ptr + der.len) {
        X509_free(cert);
        ERR_clear_error();
        return mst_err_set(err, MST_ESECURITY,
                           "certificate is not one DER "
                           "X.509 certificate");
    }
    int rc = verify_chain(s->store, cert, err);
    if (rc == MST_OK)
        rc = mst_cert_cn(cert, cn_r, err);
    if (rc != MST_OK) {
        X509_free(cert);
        return rc;
    }
    *cert_r = cert;
    return MST_OK;
}

/* Requests must come from client certificates, replies from server ones. */
static int check_kind(const struct x509_state *s, enum mst_cert_kind kind,
                      const char *cn, struct mst_err *err) {
    enum mst_cert_kind want =
        s->role == MST_SECURITY_SERVER ? MST_CERT_CLIENT : MST_CERT_SERVER;
    if (kind == want)
        return MST_OK;
    return mst_err_set(err, MST_ESECURITY,
                       "signed by %s with a %s certificate; %s need a %s "
                       "certificate",
                       cn, mst_cert_kind_name(kind),
                       want == MST_CERT_CLIENT ? "requests" : "replies",
                       mst_cert_kind_name(want));
}

/* What a verification needs of the sender, found or verified. */
struct sender {
    uint8_t fpr[32];   /* of its certificate's DER */
    EVP_PKEY *key;     /* a reference */
    EVP_PKEY_CTX *ctx; /* prepared for `key`, owned until given back;
                          NULL: made here if possible */
    char cn[MST_CERT_CN_LEN];
    enum mst_cert_kind kind;
};

static int check_signature(const struct x509_state *s, struct sender *from,
                           const struct mst_envelope *env,
                           struct mst_err *err) {
    if (from->ctx == NULL)
        from->ctx = prepare(s, from->key, 0);
    int ok;
    uint8_t hash[32];
    if (from->ctx != NULL) {
        ok = sha256(s, env->payload, hash) &&
             EVP_PKEY_verify(from->ctx, env->sig.ptr, env->sig.len, hash,
                             sizeof hash) == 1;
    } else {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        ok = md != NULL &&
             EVP_DigestVerifyInit(md, NULL, mst_cert_sign_md(from->key), NULL,
                                  from->key) == 1 &&
             EVP_DigestVerify(md, env->sig.ptr, env->sig.len, env->payload.ptr,
                              env->payload.len) == 1;
        EVP_MD_CTX_free(md);
    }
    ERR_clear_error();
    return ok ? MST_OK
              : mst_err_set(err, MST_ESECURITY,
                            "bad signature: the payload was not signed by the "
                            "key of the certificate sent");
}

/* A P-256 key's DER SubjectPublicKeyInfo up to its point (RFC 5480). */
static const uint8_t P256_SPKI[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a,
                                    0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                                    0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                                    0x01, 0x07, 0x03, 0x42, 0x00};
#define P256_POINT 65 /* 04 || X || Y */

/* A P-256 public key from its uncompressed point (checked on the curve). */
static EVP_PKEY *p256_key(const uint8_t *point) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         (char *)"prime256v1", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                          (void *)point, P256_POINT),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/*
 * A public key from its DER (NULL: not one).  OpenSSL 3.0's d2i_PUBKEY
 * sets up a decoder per call, most of what d2i_X509 costs; P-256, the
 * default, is built from its point instead.
 */
static EVP_PKEY *key_from_der(const uint8_t *der, size_t len) {
    EVP_PKEY *key = NULL;
    if (len == sizeof P256_SPKI + P256_POINT &&
        memcmp(der, P256_SPKI, sizeof P256_SPKI) == 0) {
        key = p256_key(der + sizeof P256_SPKI);
    } else {
        const unsigned char *p = der;
        key = d2i_PUBKEY(NULL, &p, (long)len);
        if (key != NULL && p != der + len) {
            EVP_PKEY_free(key);
            key = NULL;
        }
    }
    ERR_clear_error();
    return key;
}

/* security.h cannot see cert.h (OpenSSL's headers): the size it spells. */
_Static_assert(sizeof((struct mst_known_cert *)0)->cn == MST_CERT_CN_LEN,
               "mst_known_cert.cn holds a certificate's CN");

static enum mst_cert_kind kind_of(int kind) {
    return kind == MST_CERT_CLIENT   ? MST_CERT_CLIENT
           : kind == MST_CERT_SERVER ? MST_CERT_SERVER
                                     : MST_CERT_OTHER;
}

/*
 * The sender's key from the trusted key source, without parsing its
 * certificate: 1 when the source knows the fingerprint under the CA
 * loaded now and the dates hold (from->key a new reference, `v` filled),
 * else 0 and the caller verifies in full.  CN and kind are checked by
 * the caller as for a parsed certificate.
 */
static int known_key(struct x509_state *s, struct sender *from,
                     struct verified *v) {
    struct mst_known_cert k;
    if (s->known.lookup == NULL ||
        s->known.lookup(s->known.ud, from->fpr, s->ca_fpr, &k) != 1)
        return 0;
    if (memcmp(k.fpr, from->fpr, 32) != 0 ||
        memcmp(k.ca_fpr, s->ca_fpr, 32) != 0 || k.key_len > sizeof k.key ||
        check_dates((time_t)k.not_before_s, (time_t)k.not_after_s, NULL) !=
            MST_OK)
        return 0;
    EVP_PKEY *key = key_from_der(k.key, k.key_len);
    if (key == NULL)
        return 0;
    k.cn[sizeof k.cn - 1] = '\0';
    mst_strlcpy(from->cn, k.cn, MST_CERT_CN_LEN);
    from->key = key;
    from->kind = kind_of(k.kind);
    *v = (struct verified){key, from->cn, from->kind, (time_t)k.not_before_s,
                           (time_t)k.not_after_s};
    return 1;
}

/*
 * Hand a certificate verified in full to the trusted key source.  The key
 * is the certificate's own SubjectPublicKeyInfo, re-encoded from the parsed
 * ASN.1 (0.2 us; i2d_PUBKEY of the EVP_PKEY runs OpenSSL 3.0's encoder
 * set-up, ~50 us).
 */
static void remember(struct x509_state *s, const uint8_t fpr[32], X509 *cert,
                     const struct verified *v) {
    if (s->known.remember == NULL)
        return;
    struct mst_known_cert k = {.kind = (int)v->kind,
                               .not_before_s = (int64_t)v->not_before,
                               .not_after_s = (int64_t)v->not_after};
    const X509_PUBKEY *spki = X509_get_X509_PUBKEY(cert);
    int len = i2d_X509_PUBKEY(spki, NULL);
    unsigned char *p = k.key;
    if (len <= 0 || (size_t)len > sizeof k.key ||
        i2d_X509_PUBKEY(spki, &p) != len) {
        ERR_clear_error(); /* not kept: the next run verifies in full */
        return;
    }
    k.key_len = (size_t)len;
    memcpy(k.fpr, fpr, 32);
    memcpy(k.ca_fpr, s->ca_fpr, 32);
    mst_strlcpy(k.cn, v->cn, sizeof k.cn);
    s->known.remember(s->known.ud, &k);
}

/* Parse the certificate, check its chain, and pass it on to the source. */
static int verify_full(struct x509_state *s, struct mst_bytes der,
                       struct sender *from, struct verified *v,
                       struct mst_err *err) {
    X509 *cert = NULL;
    int rc = verify_new(s, der, &cert, from->cn, err);
    if (rc != MST_OK)
        return rc;
    from->kind = mst_cert_kind(cert);
    from->key = X509_get_pubkey(cert);
    *v = (struct verified){from->key, from->cn, from->kind,
                           asn1_seconds(X509_get0_notBefore(cert), INT64_MAX),
                           asn1_seconds(X509_get0_notAfter(cert), 0)};
    if (from->key != NULL)
        remember(s, from->fpr, cert, v);
    X509_free(cert);
    return from->key != NULL
               ? MST_OK
               : mst_cert_ssl_error(err, MST_ESECURITY, "certificate key");
}

/*
 * Find the sender's certificate in the cache by the hash of its bytes
 * (taking the entry's prepared context), else from the trusted key
 * source, else verify it; then cache it.
 */
static int trusted_key(struct x509_state *s, struct mst_bytes der,
                       struct sender *from, struct mst_err *err) {
    if (!sha256(s, der, from->fpr))
        return mst_cert_ssl_error(err, MST_ESECURITY, "fingerprint");
    int rc = MST_OK;
    pthread_mutex_lock(&s->lock);
    struct cached *c = cache_find(s, from->fpr, err, &rc);
    if (c != NULL && EVP_PKEY_up_ref(c->key) != 1)
        c = NULL; /* verified again below */
    if (c != NULL) {
        from->key = c->key;
        from->ctx = c->vctx;
        c->vctx = NULL;
        mst_strlcpy(from->cn, c->cn, MST_CERT_CN_LEN);
        from->kind = c->kind;
    }
    pthread_mutex_unlock(&s->lock);
    if (c != NULL || rc != MST_OK)
        return rc;
    struct verified v;
    if (!known_key(s, from, &v))
        rc = verify_full(s, der, from, &v, err);
    if (rc == MST_OK) {
        pthread_mutex_lock(&s->lock);
        cache_put(s, from->fpr, &v);
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

/* Put the prepared context back in the sender's entry if that still
 * exists without one (else free it), and drop the key reference. */
static void give_back(struct x509_state *s, struct sender *from) {
    if (from->ctx != NULL && s->cache_size > 0) {
        pthread_mutex_lock(&s->lock);
        struct cached *c = cache_slot(s, from->fpr);
        if (c != NULL && c->vctx == NULL) {
            c->vctx = from->ctx;
            from->ctx = NULL;
        }
        pthread_mutex_unlock(&s->lock);
    }
    EVP_PKEY_CTX_free(from->ctx);
    EVP_PKEY_free(from->key);
}

static int x509_verify(void *state, const struct mst_envelope *env,
                       char signer_r[MST_SIGNER_LEN], struct mst_err *err) {
    struct x509_state *s = state;
    if (env->sig.len == 0 || env->cert.len == 0)
        return mst_err_set(err, MST_ESECURITY,
                           "unsigned message (no signature or certificate)");
    if (env->cert.len > CERT_MAX)
        return mst_err_set(err, MST_ESECURITY,
                           "certificate of %zu bytes (at most %d)",
                           env->cert.len, CERT_MAX);
    struct sender from = {.key = NULL, .ctx = NULL, .kind = MST_CERT_OTHER};
    int rc = trusted_key(s, env->cert, &from, err);
    if (rc == MST_OK)
        rc = check_kind(s, from.kind, from.cn, err);
    if (rc == MST_OK)
        rc = check_signature(s, &from, env, err);
    if (rc == MST_OK)
        mst_strlcpy(signer_r, from.cn, MST_SIGNER_LEN);
    give_back(s, &from);
    return rc;
}

static const char *x509_own_name(void *state) {
    return ((struct x509_state *)state)->own_cn;
}

const struct mst_security_ops mst_security_x509_ops = {
    .name = "x509",
    .create = x509_create,
    .sign = x509_sign,
    .verify = x509_verify,
    .own_name = x509_own_name,
    .destroy = x509_destroy,
};
