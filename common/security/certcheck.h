/*
 * certcheck.h - check a side's certificates as `muster doctor` and
 * `musterd --check` do, before anything depends on them: the CA loads and
 * is in date, the certificate chains to it, is of the side's kind (client
 * or server) and, for a node, names its identity; the key is private
 * (not open to group or others), loads and matches; days until expiry,
 * with a warning under `warn_days`.  Each problem is one finding
 * (base/finding.h) with the command that fixes it.
 */
#ifndef MST_CERTCHECK_H
#define MST_CERTCHECK_H

#include "base/config.h"
#include "base/finding.h"
#include "security/cert.h"

/* Warn when a certificate has fewer days than this left. */
#define MST_CERTCHECK_WARN_DAYS 30

/* What to check.  Borrowed for the call. */
struct mst_certcheck {
    const char *ca, *cert, *key; /* the configured paths; NULL = unset */
    enum mst_cert_kind kind;     /* MST_CERT_CLIENT or MST_CERT_SERVER */
    const char *identity;        /* the CN the certificate must carry, or
                                    NULL (a client's CN is its caller name,
                                    which need not be its identity) */
    int warn_days;               /* 0: MST_CERTCHECK_WARN_DAYS */
};

/*
 * mst_certcheck_run - check everything above and report into `fs`: errors
 * and warnings as found, and one MST_FINDING_OK per file that passed.
 * Never fails as a whole; out of memory inside OpenSSL is an error
 * finding like any other.  Thread-safe.
 */
void mst_certcheck_run(const struct mst_certcheck *c, struct mst_findings *fs);

/*
 * mst_certcheck_config - the security settings of `cfg` for a side of
 * `kind`: with provider "none" one warning (nothing is signed); with
 * x509 mst_certcheck_run on security.ca, cert and key, a server's CN
 * held to cfg->identity.
 */
void mst_certcheck_config(const struct mst_config *cfg, enum mst_cert_kind kind,
                          struct mst_findings *fs);

#endif
