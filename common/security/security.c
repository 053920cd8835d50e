/*
 * security.c - the provider registry and the "none" provider.
 */
#include "security/security.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "security/security_provider.h"

struct mst_security {
    const struct mst_security_ops *ops;
    void *state; /* owned by ops->destroy */
};

/* ---- the "none" provider ---------------------------------------------- */

static int none_create(const struct mst_security_options *opts, void **state_r,
                       struct mst_err *err) {
    (void)opts;
    (void)err;
    *state_r = NULL;
    return MST_OK;
}

/* Nothing to sign with: the envelope carries nil sig and cert. */
static int none_sign(void *state, struct mst_envelope *env,
                     struct mst_buf *sig_buf, struct mst_err *err) {
    (void)state;
    (void)sig_buf;
    (void)err;
    env->sig = MST_BYTES(NULL, 0);
    env->cert = MST_BYTES(NULL, 0);
    return MST_OK;
}

/* Accepts everything and names no signer: the caller must say so. */
static int none_verify(void *state, const struct mst_envelope *env,
                       char signer_r[MST_SIGNER_LEN], struct mst_err *err) {
    (void)state;
    (void)env;
    (void)err;
    signer_r[0] = '\0';
    return MST_OK;
}

static const char *none_own_name(void *state) {
    (void)state;
    return "";
}

static void none_destroy(void *state) {
    (void)state;
}

const struct mst_security_ops mst_security_none_ops = {
    .name = "none",
    .create = none_create,
    .sign = none_sign,
    .verify = none_verify,
    .own_name = none_own_name,
    .destroy = none_destroy,
};

/* ---- registry ----------------------------------------------------------- */

/*
 * Every provider name muster knows.  A row with ops == NULL is a provider
 * that exists in the design but not in this build; `missing` says why.
 */
static const struct {
    const char *name;
    const struct mst_security_ops *ops;
    const char *missing;
} providers[] = {
    {"none", &mst_security_none_ops, NULL},
    {"x509", &mst_security_x509_ops, NULL},
};

static int find_provider(const char *name,
                         const struct mst_security_ops **ops_r,
                         struct mst_err *err) {
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++) {
        if (strcmp(providers[i].name, name) != 0)
            continue;
        if (providers[i].ops == NULL)
            return mst_err_set(err, MST_EUNSUPPORTED, "%s",
                               providers[i].missing);
        *ops_r = providers[i].ops;
        return MST_OK;
    }
    return mst_err_set(err, MST_ECONFIG,
                       "unknown security provider \"%.64s\" (known: none, "
                       "x509)",
                       name);
}

int mst_security_new(const struct mst_security_options *opts,
                     struct mst_security **sec_r, struct mst_err *err) {
    if (opts == NULL || opts->provider == NULL)
        return mst_err_set(err, MST_ECONFIG, "no security provider given");
    const struct mst_security_ops *ops = NULL;
    int rc = find_provider(opts->provider, &ops, err);
    if (rc != MST_OK)
        return rc;
    struct mst_security *sec = calloc(1, sizeof *sec);
    if (sec == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    sec->ops = ops;
    rc = ops->create(opts, &sec->state, err);
    if (rc != MST_OK) {
        free(sec);
        return rc;
    }
    *sec_r = sec;
    return MST_OK;
}

void mst_security_free(struct mst_security **sec) {
    if (sec == NULL || *sec == NULL)
        return;
    (*sec)->ops->destroy((*sec)->state);
    free(*sec);
    *sec = NULL;
}

const char *mst_security_provider(const struct mst_security *sec) {
    return sec->ops->name;
}

const char *mst_security_own_name(const struct mst_security *sec) {
    return sec->ops->own_name(sec->state);
}

int mst_security_sign(struct mst_security *sec, struct mst_envelope *env,
                      struct mst_buf *sig_buf, struct mst_err *err) {
    return sec->ops->sign(sec->state, env, sig_buf, err);
}

int mst_security_verify(struct mst_security *sec,
                        const struct mst_envelope *env,
                        char signer_r[MST_SIGNER_LEN], struct mst_err *err) {
    signer_r[0] = '\0';
    int rc = sec->ops->verify(sec->state, env, signer_r, err);
    if (rc != MST_OK)
        signer_r[0] = '\0'; /* never hand out a half-verified name */
    return rc;
}

int mst_security_seal(struct mst_security *sec, struct mst_bytes payload,
                      struct mst_buf *out, struct mst_err *err) {
    struct mst_envelope env = {.payload = payload};
    struct mst_buf sig;
    mst_buf_init(&sig, mst_mpack_default_limits.max_bytes);
    size_t start = out->len;
    int rc = mst_security_sign(sec, &env, &sig, err);
    if (rc == MST_OK)
        rc = mst_envelope_encode(&env, out, err);
    if (rc == MST_OK && out->len - start > mst_mpack_default_limits.max_bytes) {
        out->len = start;
        rc = mst_err_set(err, MST_ETOOBIG,
                         "sealed message exceeds the limit of %zu bytes",
                         mst_mpack_default_limits.max_bytes);
    }
    mst_buf_free(&sig);
    return rc;
}

int mst_security_open(struct mst_security *sec, struct mst_bytes in,
                      struct mst_envelope *env_r, char signer_r[MST_SIGNER_LEN],
                      struct mst_err *err) {
    signer_r[0] = '\0';
    int rc = mst_envelope_decode(in, NULL, env_r, err);
    if (rc == MST_OK)
        rc = mst_security_verify(sec, env_r, signer_r, err);
    if (rc != MST_OK)
        *env_r = (struct mst_envelope){0};
    return rc;
}

int mst_security_seal_with(struct mst_security *sec,
                           mst_security_encode_fn encode, const void *obj,
                           struct mst_buf *out, struct mst_err *err) {
    struct mst_buf payload;
    mst_buf_init(&payload, mst_mpack_default_limits.max_bytes);
    int rc = encode(obj, &payload, err);
    if (rc == MST_OK)
        rc = mst_security_seal(sec, mst_buf_view(&payload), out, err);
    mst_buf_free(&payload);
    return rc;
}

int mst_security_open_with(struct mst_security *sec, struct mst_bytes in,
                           mst_security_decode_fn decode, void *obj_r,
                           char signer_r[MST_SIGNER_LEN], struct mst_err *err) {
    struct mst_envelope env;
    int rc = mst_security_open(sec, in, &env, signer_r, err);
    if (rc == MST_OK)
        rc = decode(env.payload, obj_r, err);
    if (rc != MST_OK)
        signer_r[0] = '\0';
    return rc;
}
