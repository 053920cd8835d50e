/*
 * certcheck.c - the certificate checks of `muster doctor` and `musterd
 * --check` (certcheck.h).
 *
 * Chain and dates are checked apart: X509_verify_cert() stops at the first
 * problem, and "expired" would hide "signed by another CA".  The chain is
 * verified with X509_V_FLAG_NO_CHECK_TIME, then each date is compared
 * with the clock, so every finding is reported and each gets its own fix.
 */
#include "security/certcheck.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/status.h"
#include "base/util.h"

#define CHECK_CERT "certificate"
#define CHECK_KEY "key"
#define CHECK_CA "ca"

/* One run: what to check, where findings go, and the re-issue command
 * most fixes name (the CA's directory, the name to issue, the kind). */
struct ctx {
    const struct mst_certcheck *c;
    struct mst_findings *fs;
    char ca_dir[PATH_MAX];
    char name[MST_CERT_CN_LEN]; /* the CN to issue: identity or found CN */
    char reissue[PATH_MAX + 3 * MST_CERT_CN_LEN + 128];
};

static void set_reissue(struct ctx *x) {
    /* `muster cert issue` never overwrites: say so in the fix. */
    snprintf(x->reissue, sizeof x->reissue,
             "muster cert issue %s %s --%s (on the CA's host, after moving "
             "the old %s.pem and %s.key aside)",
             x->ca_dir, x->name, mst_cert_kind_name(x->c->kind), x->name,
             x->name);
}

/* Days from now to `t` (negative: in the past), rounded towards zero. */
static int days_until(const ASN1_TIME *t) {
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, NULL, t) != 1)
        return 0;
    return days;
}

/* Dates of `cert` (the file `path`), reported as `check` with `fix`. */
static void check_dates(struct ctx *x, X509 *cert, const char *check,
                        const char *path, const char *fix) {
    int warn = x->c->warn_days > 0 ? x->c->warn_days : MST_CERTCHECK_WARN_DAYS;
    const ASN1_TIME *nb = X509_get0_notBefore(cert);
    const ASN1_TIME *na = X509_get0_notAfter(cert);
    if (X509_cmp_current_time(nb) > 0) {
        int secs = 0, d = 0;
        ASN1_TIME_diff(&d, &secs, NULL, nb);
        mst_findings_add(x->fs, MST_FINDING_ERROR, check,
                         "check the clock (timedatectl), or wait",
                         "%s is not valid yet (starts in %d days %d s)", path,
                         d, secs);
    }
    int days = days_until(na);
    if (X509_cmp_current_time(na) < 0)
        mst_findings_add(x->fs, MST_FINDING_ERROR, check, fix,
                         "%s has expired (%d days ago)", path, -days);
    else if (days < warn)
        mst_findings_add(x->fs, MST_FINDING_WARNING, check, fix,
                         "%s expires in %d days", path, days);
    else
        mst_findings_add(x->fs, MST_FINDING_OK, check, NULL,
                         "%s valid for %d more days", path, days);
}

static X509_STORE *load_ca(struct ctx *x) {
    const char *ca = x->c->ca;
    X509 *cert = NULL;
    struct mst_err err = {0};
    if (mst_cert_load(ca, &cert, &err) != MST_OK) {
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CA,
                         "muster cert init DIR makes a CA; point security.ca "
                         "at its ca.pem",
                         "%s", err.msg);
        return NULL;
    }
    check_dates(x, cert, CHECK_CA, ca,
                "make a new CA (muster cert init DIR) and issue every "
                "certificate again from it");
    X509_free(cert);
    X509_STORE *store = X509_STORE_new();
    if (store == NULL || X509_STORE_load_file(store, ca) != 1) {
        mst_cert_ssl_error(&err, MST_ESECURITY, ca);
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CA, NULL, "%s",
                         err.msg);
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* The chain to the CA, dates aside (checked on their own). */
static void check_chain(struct ctx *x, X509_STORE *store, X509 *cert) {
    X509_STORE_CTX *sc = X509_STORE_CTX_new();
    if (sc == NULL || X509_STORE_CTX_init(sc, store, cert, NULL) != 1) {
        X509_STORE_CTX_free(sc);
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CERT, NULL,
                         "%s: cannot check the chain (out of memory)",
                         x->c->cert);
        return;
    }
    X509_STORE_CTX_set_flags(sc, X509_V_FLAG_NO_CHECK_TIME);
    int ok = X509_verify_cert(sc) == 1;
    int code = X509_STORE_CTX_get_error(sc);
    X509_STORE_CTX_free(sc);
    ERR_clear_error();
    if (!ok)
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CERT, x->reissue,
                         "%s does not chain to the CA %s: %s", x->c->cert,
                         x->c->ca, X509_verify_cert_error_string(code));
}

/* Kind (client/server) and, for a node, CN = identity. */
static void check_names(struct ctx *x, X509 *cert, const char *cn) {
    enum mst_cert_kind kind = mst_cert_kind(cert);
    if (kind != x->c->kind)
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CERT, x->reissue,
                         "%s is a %s certificate; this side needs a %s one",
                         x->c->cert, mst_cert_kind_name(kind),
                         mst_cert_kind_name(x->c->kind));
    if (x->c->identity != NULL && strcmp(cn, x->c->identity) != 0)
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CERT, x->reissue,
                         "%s is for CN \"%s\" but identity is \"%s\": "
                         "clients refuse its replies",
                         x->c->cert, cn, x->c->identity);
}

static void check_key(struct ctx *x, X509 *cert) {
    const char *key = x->c->key;
    struct stat st;
    if (stat(key, &st) != 0) {
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_KEY, x->reissue,
                         "%s: %s", key, strerror(errno));
        return;
    }
    if ((st.st_mode & 077) != 0) {
        char fix[PATH_MAX + 16];
        snprintf(fix, sizeof fix, "chmod 600 %s", key);
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_KEY, fix,
                         "%s is open to group or others (mode %04o): "
                         "musterd and muster refuse it",
                         key, (unsigned)(st.st_mode & 07777));
        return;
    }
    EVP_PKEY *pkey = NULL;
    struct mst_err err = {0};
    if (mst_cert_load_key(key, &pkey, &err) != MST_OK) {
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_KEY, x->reissue, "%s",
                         err.msg);
        return;
    }
    if (cert != NULL && X509_check_private_key(cert, pkey) != 1)
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_KEY, x->reissue,
                         "%s does not match the certificate %s", key,
                         x->c->cert);
    else
        mst_findings_add(x->fs, MST_FINDING_OK, CHECK_KEY, NULL,
                         "%s is private and loads", key);
    ERR_clear_error();
    EVP_PKEY_free(pkey);
}

static void check_cert(struct ctx *x, X509_STORE *store) {
    X509 *cert = NULL;
    struct mst_err err = {0};
    if (mst_cert_load(x->c->cert, &cert, &err) != MST_OK) {
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CERT, x->reissue, "%s",
                         err.msg);
        check_key(x, NULL);
        return;
    }
    char cn[MST_CERT_CN_LEN] = "";
    if (mst_cert_cn(cert, cn, &err) != MST_OK)
        mst_findings_add(x->fs, MST_FINDING_ERROR, CHECK_CERT, x->reissue,
                         "%s: %s", x->c->cert, err.msg);
    else if (x->c->identity == NULL) {
        mst_strlcpy(x->name, cn, sizeof x->name);
        /* What policy files must name to let this client in. */
        mst_findings_add(x->fs, MST_FINDING_OK, CHECK_CERT, NULL,
                         "%s: nodes see this caller as cert=%s", x->c->cert,
                         cn);
    }
    set_reissue(x);
    if (store != NULL)
        check_chain(x, store, cert);
    check_names(x, cert, cn);
    check_dates(x, cert, CHECK_CERT, x->c->cert, x->reissue);
    check_key(x, cert);
    X509_free(cert);
}

void mst_certcheck_run(const struct mst_certcheck *c, struct mst_findings *fs) {
    struct ctx x = {.c = c, .fs = fs};
    const char *missing = c->ca == NULL     ? "security.ca"
                          : c->cert == NULL ? "security.cert"
                          : c->key == NULL  ? "security.key"
                                            : NULL;
    if (missing != NULL) {
        mst_findings_add(fs, MST_FINDING_ERROR, CHECK_CERT, NULL,
                         "%s is not set (x509 needs security.ca, cert and key)",
                         missing);
        return;
    }
    char tmp[PATH_MAX];
    mst_strlcpy(tmp, c->ca, sizeof tmp);
    mst_strlcpy(x.ca_dir, dirname(tmp), sizeof x.ca_dir);
    mst_strlcpy(x.name, c->identity ? c->identity : "NAME", sizeof x.name);
    set_reissue(&x);
    X509_STORE *store = load_ca(&x);
    check_cert(&x, store);
    X509_STORE_free(store);
}

void mst_certcheck_config(const struct mst_config *cfg, enum mst_cert_kind kind,
                          struct mst_findings *fs) {
    if (strcmp(cfg->security_provider, "none") == 0) {
        mst_findings_add(fs, MST_FINDING_WARNING, "security",
                         "set security.provider = \"x509\" with ca, cert "
                         "and key (docs/security.md)",
                         "%s: security.provider is \"none\": nothing is "
                         "signed or verified",
                         cfg->path ? cfg->path : "config");
        return;
    }
    struct mst_certcheck c = {
        .ca = cfg->security_ca,
        .cert = cfg->security_cert,
        .key = cfg->security_key,
        .kind = kind,
        .identity = kind == MST_CERT_SERVER ? cfg->identity : NULL,
    };
    mst_certcheck_run(&c, fs);
}
