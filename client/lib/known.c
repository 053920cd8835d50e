/*
 * known.c - the inventory store as the x509 provider's trusted key
 * source and as the decoder's record of the bodies stored (known.h):
 * lookups on a read-only handle behind a mutex, remembered certificates
 * kept until the collector's next batch.
 */
#include "known.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"

struct mst_known {
    struct mst_known_certs source;
    struct mst_registration_known bodies;
    pthread_mutex_t lock;           /* guards everything below */
    struct mst_store *reader;       /* read-only, for the lookups */
    struct mst_known_cert *pending; /* remembered, not yet written */
    size_t n, cap;
    uint64_t found, verified;
};

/* A store error or a damaged row is a miss: the provider verifies in
 * full, which is always safe. */
static int lookup(void *ud, const uint8_t fpr[32], const uint8_t ca_fpr[32],
                  struct mst_known_cert *cert_r) {
    struct mst_known *k = ud;
    pthread_mutex_lock(&k->lock);
    int rc = mst_store_known_get(k->reader, fpr, ca_fpr, (int64_t)time(NULL),
                                 cert_r, NULL);
    if (rc == MST_OK)
        k->found++;
    pthread_mutex_unlock(&k->lock);
    return rc == MST_OK;
}

/* A store error is a "no": the body is then decoded, which is always
 * safe. */
static bool has_body(void *ud, const char *sender, const char *digest) {
    struct mst_known *k = ud;
    pthread_mutex_lock(&k->lock);
    int rc = mst_store_has_body(k->reader, sender, digest, NULL);
    pthread_mutex_unlock(&k->lock);
    return rc == MST_OK;
}

/* Room for one more pending record (lock held); 0: out of memory. */
static int reserve(struct mst_known *k) {
    if (k->n < k->cap)
        return 1;
    size_t cap = k->cap ? 2 * k->cap : 64;
    struct mst_known_cert *p = realloc(k->pending, cap * sizeof *p);
    if (p == NULL)
        return 0;
    k->pending = p;
    k->cap = cap;
    return 1;
}

/* Out of memory drops the record: the next run verifies it again. */
static void remember(void *ud, const struct mst_known_cert *cert) {
    struct mst_known *k = ud;
    pthread_mutex_lock(&k->lock);
    k->verified++;
    if (reserve(k))
        k->pending[k->n++] = *cert;
    pthread_mutex_unlock(&k->lock);
}

int mst_known_new(const struct mst_store *writer, struct mst_known **k_r,
                  struct mst_err *err) {
    struct mst_known *k = calloc(1, sizeof *k);
    if (k == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc =
        mst_store_open(mst_store_path(writer), MST_STORE_READ, &k->reader, err);
    if (rc != MST_OK) {
        free(k);
        return rc;
    }
    pthread_mutex_init(&k->lock, NULL);
    k->source = (struct mst_known_certs){lookup, remember, k};
    k->bodies = (struct mst_registration_known){has_body, k};
    *k_r = k;
    return MST_OK;
}

void mst_known_free(struct mst_known **k) {
    if (k == NULL || *k == NULL)
        return;
    mst_store_close(&(*k)->reader);
    pthread_mutex_destroy(&(*k)->lock);
    free((*k)->pending);
    free(*k);
    *k = NULL;
}

const struct mst_known_certs *mst_known_source(struct mst_known *k) {
    return &k->source;
}

const struct mst_registration_known *mst_known_bodies(struct mst_known *k) {
    return &k->bodies;
}

int mst_known_flush(struct mst_known *k, struct mst_store *writer,
                    int64_t now_ms, struct mst_err *err) {
    pthread_mutex_lock(&k->lock);
    struct mst_known_cert *v = k->pending;
    size_t n = k->n;
    k->pending = NULL;
    k->n = k->cap = 0;
    pthread_mutex_unlock(&k->lock);
    int rc = MST_OK;
    for (size_t i = 0; rc == MST_OK && i < n; i++)
        rc = mst_store_known_put(writer, &v[i], now_ms, err);
    free(v);
    return rc;
}

void mst_known_counts(struct mst_known *k, uint64_t *known_r,
                      uint64_t *verified_r) {
    pthread_mutex_lock(&k->lock);
    *known_r = k->found;
    *verified_r = k->verified;
    pthread_mutex_unlock(&k->lock);
}
