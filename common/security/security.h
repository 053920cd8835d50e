/*
 * security.h - the seam through which messages are signed and verified.
 *
 * A provider signs the exact payload bytes of an envelope and verifies the
 * envelopes it receives.  "none" signs nothing and trusts the caller field
 * (only when configured explicitly); "x509" (security_x509.c) signs with
 * the local key and verifies certificate chains against the site CA.  The codec
 * never knows which provider is in use.
 */
#ifndef MST_SECURITY_H
#define MST_SECURITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "wire/envelope.h"

struct mst_security;

enum mst_security_role {
    MST_SECURITY_CLIENT, /* signs requests, verifies replies */
    MST_SECURITY_SERVER, /* verifies requests, signs replies */
};

/* The longest public key kept for a known certificate (DER
 * SubjectPublicKeyInfo): RSA 8192 is ~1,060 bytes, P-256 91. */
#define MST_KNOWN_KEY_MAX 1100

/*
 * A certificate verified in full once (chain to the CA, dates, CN), as
 * a "trusted key source" keeps it so that a later process can trust its
 * bytes again without parsing them or checking the chain.  Plain data.
 */
struct mst_known_cert {
    uint8_t fpr[32];    /* SHA-256 of the certificate's DER */
    uint8_t ca_fpr[32]; /* the CA that verified it (mst_security's) */
    uint8_t key[MST_KNOWN_KEY_MAX]; /* its public key, DER (i2d_PUBKEY) */
    size_t key_len;
    char cn[256];         /* its subject CN (MST_CERT_CN_LEN) */
    int kind;             /* enum mst_cert_kind */
    int64_t not_before_s; /* validity, s since the epoch */
    int64_t not_after_s;
};

/*
 * An optional trusted key source for the x509 provider (the collector's
 * store, client/lib/known.c).  On a certificate missing from its
 * in-process cache the provider first asks `lookup` for that fingerprint
 * under its CA; it uses what comes back only if the fingerprints match,
 * the CA is the one it loaded and the dates hold now, and otherwise
 * verifies in full as without a source.  After each full verification
 * that passed it calls `remember`.  Both are called on the verifying
 * threads, concurrently: the source serialises what it must.  A record
 * is borrowed for the call.
 */
struct mst_known_certs {
    /* 1 and *cert_r filled, or 0: not known under `ca_fpr` */
    int (*lookup)(void *ud, const uint8_t fpr[32], const uint8_t ca_fpr[32],
                  struct mst_known_cert *cert_r);
    void (*remember)(void *ud, const struct mst_known_cert *cert);
    void *ud;
};

struct mst_security_options {
    const char *provider; /* "none" or "x509" */
    enum mst_security_role role;
    const char *ca;   /* CA certificate file (PEM) */
    const char *cert; /* own certificate (PEM) */
    const char *key;  /* own private key (PEM) */
    int cert_cache;   /* x509: verified certificates to keep; 0 = the
                         role's default (node 256, client 16384), < 0 =
                         none (benchmarks); rounded up to a multiple of 4 */
    const struct mst_known_certs *known; /* x509: NULL = none; borrowed for
                                            the provider's life */
};

/* The longest signer name a provider reports, plus NUL. */
#define MST_SIGNER_LEN 256

/*
 * mst_security_new - create a provider.  Returns MST_OK and a new object in
 * *sec_r (free with mst_security_free), or with the reason in `err`:
 * MST_ECONFIG (no or unknown provider name), MST_EUNSUPPORTED (a known
 * provider not built into this library), MST_ESECURITY (unreadable key...),
 * MST_ENOMEM.
 */
int mst_security_new(const struct mst_security_options *opts,
                     struct mst_security **sec_r, struct mst_err *err);

/* mst_security_free - release `*sec` and set it to NULL.  NULL is fine. */
void mst_security_free(struct mst_security **sec);

/* mst_security_provider - the provider's name ("none", "x509"). */
const char *mst_security_provider(const struct mst_security *sec);

/*
 * mst_security_own_name - the name receivers will verify this side as (the
 * CN of its certificate), or "" for a provider that does not sign.  Owned
 * by `sec`.
 */
const char *mst_security_own_name(const struct mst_security *sec);

/*
 * mst_security_sign - fill env->sig and env->cert for env->payload.
 * The signature bytes are appended to `sig_buf` (caller-owned, initialised);
 * env->sig points into it and env->cert into `sec`, so both stay valid
 * until `sig_buf` is freed or changed and `sec` is freed.
 * Returns MST_OK or MST_ESECURITY.  Thread-safe for distinct sig_bufs.
 */
int mst_security_sign(struct mst_security *sec, struct mst_envelope *env,
                      struct mst_buf *sig_buf, struct mst_err *err);

/*
 * mst_security_verify - check env->sig over env->payload with env->cert.
 * On MST_OK, `signer_r` holds the verified signer name (certificate CN) or
 * "" when the provider does not verify (none): the caller then falls back
 * to the unverified field and must say so.  Returns MST_OK or MST_ESECURITY
 * with the reason in `err`.
 */
int mst_security_verify(struct mst_security *sec,
                        const struct mst_envelope *env,
                        char signer_r[MST_SIGNER_LEN], struct mst_err *err);

/*
 * mst_security_seal - sign `payload` with `sec` and append the envelope to
 * `out` (caller-owned).  The whole envelope must fit the default message
 * limit (mst_mpack_default_limits.max_bytes) so that receivers will accept
 * it.  Returns MST_OK, MST_EINVAL (empty payload), MST_ETOOBIG,
 * MST_ENOMEM or MST_ESECURITY; `out` is unchanged on failure.
 */
int mst_security_seal(struct mst_security *sec, struct mst_bytes payload,
                      struct mst_buf *out, struct mst_err *err);

/*
 * mst_security_open - decode the envelope in `in` (untrusted) with the
 * default limits and verify it with `sec`.  On MST_OK, `env_r` views point
 * into `in` and `signer_r` holds the verified signer ("" under none).
 * Returns MST_OK, MST_EDECODE/ETOOBIG/ETOODEEP or MST_ESECURITY.
 */
int mst_security_open(struct mst_security *sec, struct mst_bytes in,
                      struct mst_envelope *env_r, char signer_r[MST_SIGNER_LEN],
                      struct mst_err *err);

/* Encoders and decoders of payloads (requests, replies) for the below. */
typedef int (*mst_security_encode_fn)(const void *obj, struct mst_buf *out,
                                      struct mst_err *err);
typedef int (*mst_security_decode_fn)(struct mst_bytes payload, void *obj_r,
                                      struct mst_err *err);

/*
 * mst_security_seal_with - encode `obj` with `encode` into a bounded
 * payload, then mst_security_seal it into `out`.
 */
int mst_security_seal_with(struct mst_security *sec,
                           mst_security_encode_fn encode, const void *obj,
                           struct mst_buf *out, struct mst_err *err);

/*
 * mst_security_open_with - mst_security_open `in`, then `decode` the
 * payload into `obj_r`.  On any failure `signer_r` is "".
 */
int mst_security_open_with(struct mst_security *sec, struct mst_bytes in,
                           mst_security_decode_fn decode, void *obj_r,
                           char signer_r[MST_SIGNER_LEN], struct mst_err *err);

#endif
