/*
 * cert.h - the site CA and its certificates, on OpenSSL 3's C API.
 *
 * `muster cert init|issue|show` is a thin layer over this module, and the
 * x509 security provider uses its helpers to load and classify
 * certificates.  A directory made by mst_cert_init holds:
 *
 *   DIR/ca.pem  DIR/ca.key        the site CA (key 0600)
 *   DIR/NAME.pem  DIR/NAME.key    what mst_cert_issue made (key 0600)
 *
 * Client and server certificates differ in extendedKeyUsage: a client
 * certificate has clientAuth only; a server (node) certificate has
 * serverAuth, and clientAuth too so that the same certificate can log in
 * to RabbitMQ over TLS.  mst_cert_kind() tells them apart.
 *
 * Nothing here keeps state: every function is thread-safe.
 */
#ifndef MST_CERT_H
#define MST_CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/strv.h"

enum mst_key_type {
    MST_KEY_EC,      /* ECDSA P-256: the default, fast to sign and verify */
    MST_KEY_RSA,     /* RSA 2048 */
    MST_KEY_ED25519, /* Ed25519 */
};

enum mst_cert_kind {
    MST_CERT_OTHER,  /* neither: refused for signing messages */
    MST_CERT_CLIENT, /* clientAuth and not serverAuth */
    MST_CERT_SERVER, /* serverAuth (clientAuth allowed) */
};

/* Longest CN we accept, plus NUL (a CN is a muster identity or caller). */
#define MST_CERT_CN_LEN 256
/* A SHA-256 fingerprint as "AB:CD:..." plus NUL. */
#define MST_CERT_FPR_LEN (32 * 3)

struct mst_cert_request {
    const char *name;        /* the CN; must be a name (mst_is_name) */
    enum mst_cert_kind kind; /* MST_CERT_CLIENT or MST_CERT_SERVER */
    enum mst_key_type key_type;
    int days;                    /* validity, 1..36500 */
    int start_days;              /* shift notBefore by this many days (tests:
                                    < 0 for expired, > 0 not yet valid) */
    const struct mst_strv *sans; /* server: extra DNS names or IPs; NULL ok */
};

/*
 * mst_cert_parse_key_type - "ec" (or "p256"), "rsa", "ed25519" into
 * *type_r.  Returns MST_OK or MST_EINVAL.
 */
int mst_cert_parse_key_type(const char *text, enum mst_key_type *type_r);

/*
 * mst_cert_init - make `dir` (mode 0700 if it does not exist) and a
 * self-signed site CA in it (CN "muster CA <dir's base name>"), valid for
 * `days`.  Refuses to overwrite an existing ca.key or ca.pem.  Returns
 * MST_OK, MST_EINVAL (days out of range), MST_EIO (with the path and
 * errno text) or MST_ESECURITY (an OpenSSL failure).
 */
int mst_cert_init(const char *dir, enum mst_key_type type, int days,
                  struct mst_err *err);

/*
 * mst_cert_issue - a key and a certificate signed by DIR's CA, written to
 * DIR/NAME.key (0600) and DIR/NAME.pem.  Refuses to overwrite either.
 * Returns MST_OK, MST_EINVAL (bad name, kind, days or SAN), MST_EIO or
 * MST_ESECURITY.
 */
int mst_cert_issue(const char *dir, const struct mst_cert_request *req,
                   struct mst_err *err);

/*
 * mst_cert_show - print the subject, issuer, validity, usage, key type and
 * SHA-256 fingerprint of the PEM certificate in `path` to `out`.
 * Returns MST_OK, MST_EIO or MST_ESECURITY (not a certificate).
 */
int mst_cert_show(const char *path, FILE *out, struct mst_err *err);

/*
 * mst_cert_load - read a PEM certificate.  On MST_OK the caller owns
 * *cert_r (X509_free).  Returns MST_OK, MST_EIO or MST_ESECURITY.
 */
int mst_cert_load(const char *path, X509 **cert_r, struct mst_err *err);

/*
 * mst_cert_load_key - read a PEM private key after checking that neither
 * group nor others can read it (a key readable by others is refused: it
 * may already be compromised).  On MST_OK the caller owns *key_r
 * (EVP_PKEY_free).  Returns MST_OK, MST_EIO or MST_ESECURITY.
 */
int mst_cert_load_key(const char *path, EVP_PKEY **key_r, struct mst_err *err);

/*
 * mst_cert_cn - copy the subject CN of `cert` into `cn_r`.  Returns MST_OK,
 * or MST_ESECURITY when there is no CN, more than one, or it is not a
 * name (mst_is_name, at most MST_CERT_CN_LEN - 1 bytes).
 */
int mst_cert_cn(X509 *cert, char cn_r[MST_CERT_CN_LEN], struct mst_err *err);

/*
 * mst_cert_ssl_error - set `err` to `code` with "WHAT: <OpenSSL's latest
 * error>" and clear OpenSSL's error queue (thread-local).  Returns `code`.
 */
int mst_cert_ssl_error(struct mst_err *err, int code, const char *what);

/*
 * mst_cert_sign_md - the digest to sign with `key`: NULL for Ed25519
 * (which signs the message itself, "pure"), SHA-256 for the others.
 */
const EVP_MD *mst_cert_sign_md(EVP_PKEY *key);

/* mst_cert_kind - client, server or other, from extendedKeyUsage. */
enum mst_cert_kind mst_cert_kind(X509 *cert);

/* mst_cert_kind_name - "client", "server" or "other". */
const char *mst_cert_kind_name(enum mst_cert_kind kind);

/*
 * mst_cert_fingerprint - the SHA-256 of the DER certificate in `der`.
 */
void mst_cert_fingerprint(const uint8_t *der, size_t len, uint8_t out[32]);

/* mst_cert_fingerprint_text - "AB:CD:..." of a 32-byte fingerprint. */
void mst_cert_fingerprint_text(const uint8_t fpr[32],
                               char text_r[MST_CERT_FPR_LEN]);

#endif
