/*
 * cert.c - site CA, certificate issue and inspection (OpenSSL 3).
 */
#include "security/cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"

#define MAX_DAYS 36500
#define PATH_LEN 4096
#define SAN_TEXT_LEN 2048

int mst_cert_ssl_error(struct mst_err *err, int code, const char *what) {
    unsigned long e = ERR_peek_last_error();
    char buf[160] = "unknown OpenSSL error";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return mst_err_set(err, code, "%s: %s", what, buf);
}

static int ssl_fail(struct mst_err *err, const char *what) {
    return mst_cert_ssl_error(err, MST_ESECURITY, what);
}

int mst_cert_parse_key_type(const char *text, enum mst_key_type *type_r) {
    if (strcmp(text, "ec") == 0 || strcmp(text, "p256") == 0)
        *type_r = MST_KEY_EC;
    else if (strcmp(text, "rsa") == 0)
        *type_r = MST_KEY_RSA;
    else if (strcmp(text, "ed25519") == 0)
        *type_r = MST_KEY_ED25519;
    else
        return MST_EINVAL;
    return MST_OK;
}

static EVP_PKEY *gen_key(enum mst_key_type type) {
    switch (type) {
    case MST_KEY_EC:
        return EVP_EC_gen("P-256");
    case MST_KEY_RSA:
        return EVP_RSA_gen(2048);
    case MST_KEY_ED25519:
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    }
    return NULL;
}

const EVP_MD *mst_cert_sign_md(EVP_PKEY *key) {
    return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

/* Create `path` exclusively with `mode`, so nothing is ever overwritten. */
static FILE *create_file(const char *path, mode_t mode, struct mst_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        mst_err_set(err, MST_EIO, "%s: %s%s", path, strerror(errno),
                    errno == EEXIST ? " (refusing to overwrite it)" : "");
        return NULL;
    }
    /* The umask may only have narrowed `mode`; make it exact. */
    if (fchmod(fd, mode) != 0) {
        mst_err_set(err, MST_EIO, "%s: chmod: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
    }
    return f;
}

/* Finish a file made by create_file; on any failure it is removed. */
static int close_file(FILE *f, const char *path, int ok, struct mst_err *err) {
    if (fclose(f) != 0 && ok) {
        ok = 0;
        mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
    } else if (!ok) {
        ssl_fail(err, path);
    }
    if (!ok)
        unlink(path);
    return ok ? MST_OK : (err ? err->code : MST_EIO);
}

static int write_key(const char *path, EVP_PKEY *key, struct mst_err *err) {
    FILE *f = create_file(path, 0600, err);
    if (f == NULL)
        return MST_EIO;
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    return close_file(f, path, ok, err);
}

static int write_cert(const char *path, X509 *cert, struct mst_err *err) {
    FILE *f = create_file(path, 0644, err);
    if (f == NULL)
        return MST_EIO;
    int ok = PEM_write_X509(f, cert) == 1;
    return close_file(f, path, ok, err);
}

/* 127 random bits: unique without a serial file to keep in step. */
static int set_serial(X509 *cert) {
    BIGNUM *bn = BN_new();
    int ok = bn != NULL &&
             BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1;
    ASN1_INTEGER *serial = ok ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    ok = serial != NULL && X509_set_serialNumber(cert, serial) == 1;
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return ok;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

/* A certificate for `cn` and `key`; self-signed when issuer is NULL. */
static X509 *new_cert(const char *cn, EVP_PKEY *key, int days, int start_days,
                      X509 *issuer) {
    X509 *cert = X509_new();
    X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
    int ok =
        name != NULL && X509_set_version(cert, X509_VERSION_3) == 1 &&
        set_serial(cert) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)cn, -1, -1, 0) == 1 &&
        X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer)
                                          : name) == 1 &&
        X509_time_adj_ex(X509_getm_notBefore(cert), start_days, 0, NULL) !=
            NULL &&
        X509_time_adj_ex(X509_getm_notAfter(cert), start_days + days, 0,
                         NULL) != NULL &&
        X509_set_pubkey(cert, key) == 1 &&
        add_ext(cert, issuer ? issuer : cert, NID_subject_key_identifier,
                "hash");
    if (ok && issuer != NULL)
        ok =
            add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always");
    if (!ok)
        X509_free(cert);
    return ok ? cert : NULL;
}

static int path_in(char out[PATH_LEN], const char *dir, const char *name,
                   const char *ext, struct mst_err *err) {
    int n = snprintf(out, PATH_LEN, "%s/%s%s", dir, name, ext);
    if (n < 0 || n >= PATH_LEN)
        return mst_err_set(err, MST_EINVAL, "%s: path too long", dir);
    return MST_OK;
}

int mst_cert_init(const char *dir, enum mst_key_type type, int days,
                  struct mst_err *err) {
    char key_path[PATH_LEN], cert_path[PATH_LEN], base[PATH_LEN], cn[128];
    if (days < 1 || days > MAX_DAYS)
        return mst_err_set(err, MST_EINVAL, "days must be 1 to %d", MAX_DAYS);
    int rc = path_in(key_path, dir, "ca", ".key", err);
    if (rc == MST_OK)
        rc = path_in(cert_path, dir, "ca", ".pem", err);
    if (rc != MST_OK)
        return rc;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return mst_err_set(err, MST_EIO, "%s: %s", dir, strerror(errno));
    if (access(cert_path, F_OK) == 0)
        return mst_err_set(err, MST_EIO,
                           "%s exists (refusing to overwrite "
                           "it)",
                           cert_path);
    mst_strlcpy(base, dir, sizeof base);
    snprintf(cn, sizeof cn, "muster CA %.100s", basename(base));
    EVP_PKEY *key = gen_key(type);
    X509 *cert = key ? new_cert(cn, key, days, 0, NULL) : NULL;
    int ok =
        cert != NULL &&
        add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE") &&
        add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") &&
        X509_sign(cert, key, mst_cert_sign_md(key)) > 0;
    rc = ok ? write_key(key_path, key, err) : ssl_fail(err, "making the CA");
    if (rc == MST_OK) {
        rc = write_cert(cert_path, cert, err);
        if (rc != MST_OK)
            unlink(key_path);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* "DNS:a,IP:b" for the subjectAltName of a server certificate. */
static int san_text(const struct mst_cert_request *req, char *out, size_t size,
                    struct mst_err *err) {
    size_t at = (size_t)snprintf(out, size, "DNS:%s", req->name);
    for (size_t i = 0; req->sans != NULL && i < req->sans->n; i++) {
        const char *s = req->sans->v[i];
        unsigned char addr[16];
        int ip = inet_pton(AF_INET, s, addr) == 1 ||
                 inet_pton(AF_INET6, s, addr) == 1;
        /* Anything but a host name or address could inject another
         * extension value into OpenSSL's config-string syntax. */
        if (!ip && (!mst_is_name(s, 253) || strchr(s, '_') != NULL))
            return mst_err_set(err, MST_EINVAL,
                               "--san %.64s: not a host name or IP address", s);
        at += (size_t)snprintf(out + at, size > at ? size - at : 0, ",%s:%s",
                               ip ? "IP" : "DNS", s);
        if (at >= size)
            return mst_err_set(err, MST_EINVAL, "too many --san values");
    }
    return MST_OK;
}

static int check_request(const struct mst_cert_request *req,
                         struct mst_err *err) {
    if (req->name == NULL || !mst_is_name(req->name, MST_CERT_CN_LEN - 1) ||
        strcmp(req->name, "ca") == 0)
        return mst_err_set(err, MST_EINVAL,
                           "certificate name \"%.64s\" must be 1 to 255 of "
                           "A-Z a-z 0-9 _ . - (and not \"ca\")",
                           req->name ? req->name : "");
    if (req->kind != MST_CERT_CLIENT && req->kind != MST_CERT_SERVER)
        return mst_err_set(err, MST_EINVAL, "say --client or --server");
    if (req->days < 1 || req->days > MAX_DAYS)
        return mst_err_set(err, MST_EINVAL, "days must be 1 to %d", MAX_DAYS);
    if (req->kind == MST_CERT_CLIENT && req->sans && req->sans->n > 0)
        return mst_err_set(err, MST_EINVAL,
                           "--san is for server "
                           "certificates");
    return MST_OK;
}

/* The extensions that make a leaf a muster client or server certificate. */
static int leaf_exts(X509 *cert, X509 *ca, const struct mst_cert_request *req,
                     EVP_PKEY *key, const char *sans) {
    /* TLS 1.2 RSA key exchange needs keyEncipherment on RSA server keys. */
    const char *usage = EVP_PKEY_get_id(key) == EVP_PKEY_RSA
                            ? "critical,digitalSignature,keyEncipherment"
                            : "critical,digitalSignature";
    /* Nodes log in to RabbitMQ with their certificate too: clientAuth. */
    const char *eku =
        req->kind == MST_CERT_SERVER ? "serverAuth,clientAuth" : "clientAuth";
    int ok = add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(cert, ca, NID_key_usage, usage) &&
             add_ext(cert, ca, NID_ext_key_usage, eku);
    if (ok && req->kind == MST_CERT_SERVER)
        ok = add_ext(cert, ca, NID_subject_alt_name, sans);
    return ok;
}

/* Load DIR's CA certificate and key. */
static int load_ca(const char *dir, X509 **ca_r, EVP_PKEY **key_r,
                   struct mst_err *err) {
    char path[PATH_LEN];
    int rc = path_in(path, dir, "ca", ".pem", err);
    if (rc == MST_OK)
        rc = mst_cert_load(path, ca_r, err);
    if (rc == MST_OK)
        rc = path_in(path, dir, "ca", ".key", err);
    if (rc == MST_OK)
        rc = mst_cert_load_key(path, key_r, err);
    if (rc == MST_OK && X509_check_private_key(*ca_r, *key_r) != 1)
        rc = ssl_fail(err, "the CA key does not match ca.pem");
    if (rc != MST_OK) {
        X509_free(*ca_r);
        *ca_r = NULL;
    }
    return rc;
}

int mst_cert_issue(const char *dir, const struct mst_cert_request *req,
                   struct mst_err *err) {
    char key_path[PATH_LEN], cert_path[PATH_LEN], sans[SAN_TEXT_LEN] = "";
    X509 *ca = NULL, *cert = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    int rc = check_request(req, err);
    if (rc == MST_OK && req->kind == MST_CERT_SERVER)
        rc = san_text(req, sans, sizeof sans, err);
    if (rc == MST_OK)
        rc = path_in(key_path, dir, req->name, ".key", err);
    if (rc == MST_OK)
        rc = path_in(cert_path, dir, req->name, ".pem", err);
    if (rc == MST_OK)
        rc = load_ca(dir, &ca, &ca_key, err);
    if (rc != MST_OK)
        goto out;
    key = gen_key(req->key_type);
    cert =
        key ? new_cert(req->name, key, req->days, req->start_days, ca) : NULL;
    if (cert == NULL || !leaf_exts(cert, ca, req, key, sans) ||
        X509_sign(cert, ca_key, mst_cert_sign_md(ca_key)) <= 0) {
        rc = ssl_fail(err, "issuing the certificate");
        goto out;
    }
    rc = write_key(key_path, key, err);
    if (rc == MST_OK && (rc = write_cert(cert_path, cert, err)) != MST_OK)
        unlink(key_path);
out:
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}

int mst_cert_load(const char *path, X509 **cert_r, struct mst_err *err) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (cert == NULL)
        return ssl_fail(err, path);
    *cert_r = cert;
    return MST_OK;
}

int mst_cert_load_key(const char *path, EVP_PKEY **key_r, struct mst_err *err) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
        fclose(f);
        return mst_err_set(err, MST_ESECURITY,
                           "%s: private key is accessible by group or others "
                           "(mode %04o); chmod 600 it",
                           path, (unsigned)(st.st_mode & 07777));
    }
    /* No passphrase callback: an encrypted key fails instead of prompting
     * a daemon's closed stdin. */
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
    fclose(f);
    if (key == NULL)
        return ssl_fail(err, path);
    *key_r = key;
    return MST_OK;
}

int mst_cert_cn(X509 *cert, char cn_r[MST_CERT_CN_LEN], struct mst_err *err) {
    X509_NAME *name = X509_get_subject_name(cert);
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0)
        return mst_err_set(err, MST_ESECURITY, "certificate has no CN");
    if (X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
        return mst_err_set(err, MST_ESECURITY, "certificate has two CNs");
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    int len = ASN1_STRING_length(s);
    const unsigned char *p = ASN1_STRING_get0_data(s);
    if (len <= 0 || len >= MST_CERT_CN_LEN ||
        memchr(p, '\0', (size_t)len) != NULL)
        return mst_err_set(err, MST_ESECURITY, "certificate CN is not a name");
    memcpy(cn_r, p, (size_t)len);
    cn_r[len] = '\0';
    if (!mst_is_name(cn_r, MST_CERT_CN_LEN - 1)) {
        cn_r[0] = '\0';
        return mst_err_set(err, MST_ESECURITY, "certificate CN is not a name");
    }
    return MST_OK;
}

enum mst_cert_kind mst_cert_kind(X509 *cert) {
    uint32_t xku = X509_get_extended_key_usage(cert);
    if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE))
        return MST_CERT_OTHER; /* no EKU: we always write one */
    if (xku & XKU_SSL_SERVER)
        return MST_CERT_SERVER;
    if (xku & XKU_SSL_CLIENT)
        return MST_CERT_CLIENT;
    return MST_CERT_OTHER;
}

const char *mst_cert_kind_name(enum mst_cert_kind kind) {
    switch (kind) {
    case MST_CERT_CLIENT:
        return "client";
    case MST_CERT_SERVER:
        return "server";
    case MST_CERT_OTHER:
        break;
    }
    return "other";
}

void mst_cert_fingerprint(const uint8_t *der, size_t len, uint8_t out[32]) {
    unsigned int n = 32;
    EVP_Digest(der, len, out, &n, EVP_sha256(), NULL);
}

void mst_cert_fingerprint_text(const uint8_t fpr[32],
                               char text_r[MST_CERT_FPR_LEN]) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < 32; i++) {
        text_r[i * 3] = hex[fpr[i] >> 4];
        text_r[i * 3 + 1] = hex[fpr[i] & 15];
        text_r[i * 3 + 2] = i == 31 ? '\0' : ':';
    }
}

static void print_name(FILE *out, const char *label, X509_NAME *name) {
    fprintf(out, "%-12s", label);
    X509_NAME_print_ex_fp(out, name, 0,
                          XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    fputc('\n', out);
}

static void print_time(FILE *out, const char *label, const ASN1_TIME *t) {
    BIO *bio = BIO_new_fp(out, BIO_NOCLOSE);
    fprintf(out, "%-12s", label);
    fflush(out);
    if (bio != NULL) {
        ASN1_TIME_print(bio, t);
        BIO_free(bio);
    }
    fputc('\n', out);
}

/* "valid", "EXPIRED" or "NOT YET VALID" now. */
static const char *validity_now(X509 *cert) {
    if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
        return "NOT YET VALID";
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
        return "EXPIRED";
    return "valid";
}

int mst_cert_show(const char *path, FILE *out, struct mst_err *err) {
    X509 *cert = NULL;
    int rc = mst_cert_load(path, &cert, err);
    if (rc != MST_OK)
        return rc;
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    if (len <= 0) {
        X509_free(cert);
        return ssl_fail(err, path);
    }
    uint8_t fpr[32];
    char text[MST_CERT_FPR_LEN];
    mst_cert_fingerprint(der, (size_t)len, fpr);
    mst_cert_fingerprint_text(fpr, text);
    OPENSSL_free(der);
    print_name(out, "subject:", X509_get_subject_name(cert));
    print_name(out, "issuer:", X509_get_issuer_name(cert));
    print_time(out, "not before:", X509_get0_notBefore(cert));
    print_time(out, "not after:", X509_get0_notAfter(cert));
    fprintf(out, "%-12s%s\n", "status:", validity_now(cert));
    fprintf(out, "%-12s%s\n", "usage:",
            X509_check_ca(cert) ? "CA"
                                : mst_cert_kind_name(mst_cert_kind(cert)));
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    fprintf(out, "%-12s%s %d bits\n",
            "key:", pub ? EVP_PKEY_get0_type_name(pub) : "?",
            pub ? EVP_PKEY_get_bits(pub) : 0);
    fprintf(out, "%-12s%s\n", "sha256:", text);
    X509_free(cert);
    return MST_OK;
}
