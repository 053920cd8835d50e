/*
 * security_provider.h - what a security provider implements (internal to
 * libmuster; not for agents or other parts).
 *
 * security.c owns the table of known providers and dispatches through one
 * of these.  A new provider lives in its own file (security_x509.c),
 * defines a `const struct mst_security_ops`, declares it below and replaces
 * its placeholder row in security.c's table.
 */
#ifndef MST_SECURITY_PROVIDER_H
#define MST_SECURITY_PROVIDER_H

#include "security/security.h"

struct mst_security_ops {
    const char *name;

    /*
     * Build the provider state from `opts` into *state_r (NULL is fine for
     * a stateless provider).  Returns MST_OK, or MST_ECONFIG/MST_ESECURITY
     * with the reason.  On failure nothing needs freeing.
     */
    int (*create)(const struct mst_security_options *opts, void **state_r,
                  struct mst_err *err);

    /* As mst_security_sign, with the provider state. */
    int (*sign)(void *state, struct mst_envelope *env, struct mst_buf *sig_buf,
                struct mst_err *err);

    /* As mst_security_verify; signer_r is "" on entry. */
    int (*verify)(void *state, const struct mst_envelope *env,
                  char signer_r[MST_SIGNER_LEN], struct mst_err *err);

    /* The name this side signs as (its certificate's CN), or "". */
    const char *(*own_name)(void *state);

    /* Release what create() made; called with NULL state too. */
    void (*destroy)(void *state);
};

/* The providers built into this libmuster. */
extern const struct mst_security_ops mst_security_none_ops;
extern const struct mst_security_ops mst_security_x509_ops;

#endif
