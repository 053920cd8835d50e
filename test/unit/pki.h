/*
 * pki.h - a throw-away site CA for the unit tests (header-only).
 */
#ifndef MST_TEST_PKI_H
#define MST_TEST_PKI_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "security/cert.h"
#include "security/security.h"

/* Make a CA in a new temporary directory; its path goes to `dir`. */
static inline void pki_init(char dir[64], enum mst_key_type type) {
    struct mst_err err = {0};
    snprintf(dir, 64, "/tmp/muster-pki.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(mst_cert_init(dir, type, 30, &err) == MST_OK, "%s", err.msg);
}

/* Issue NAME in `dir`, shifted by `start_days`. */
static inline void pki_issue(const char *dir, const char *name,
                             enum mst_cert_kind kind, enum mst_key_type type,
                             int start_days) {
    struct mst_err err = {0};
    struct mst_cert_request req = {.name = name,
                                   .kind = kind,
                                   .key_type = type,
                                   .days = 2,
                                   .start_days = start_days};
    ck_assert_msg(mst_cert_issue(dir, &req, &err) == MST_OK, "%s", err.msg);
}

/* "dir/name.ext" in a static buffer; the last 16 results stay valid. */
static inline const char *pki_path(const char *dir, const char *name,
                                   const char *ext) {
    static char buf[16][256];
    static int at;
    at = (at + 1) % 16;
    snprintf(buf[at], sizeof buf[at], "%s/%s.%s", dir, name, ext);
    return buf[at];
}

/*
 * A provider for `role`: "none" when `ca_dir` is NULL, else x509 as `name`
 * of the CA in `ca_dir`.  Free with mst_security_free.
 */
static inline struct mst_security *pki_provider(const char *ca_dir,
                                                const char *name,
                                                enum mst_security_role role) {
    struct mst_security_options o = {.provider = "none", .role = role};
    if (ca_dir != NULL) {
        o.provider = "x509";
        o.ca = pki_path(ca_dir, "ca", "pem");
        o.cert = pki_path(ca_dir, name, "pem");
        o.key = pki_path(ca_dir, name, "key");
    }
    struct mst_security *sec = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_security_new(&o, &sec, &err) == MST_OK, "%s", err.msg);
    return sec;
}

/* Remove the directory and its files. */
static inline void pki_remove(const char *dir) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

#endif
