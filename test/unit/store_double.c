/*
 * store_double.c - store.h in memory (store_double.h).
 */
#include "store_double.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "connector_double.h"

struct mst_store {
    int dummy;
};

struct store_double store_double;
static struct mst_store the_store;
static struct mst_store the_reader; /* MST_STORE_READ handles */
static unsigned current_txn;        /* 0: none open */

void store_double_reset(void) {
    memset(&store_double, 0, sizeof store_double);
    current_txn = 0;
}

size_t store_double_stored(const char *who) {
    size_t n = 0;
    for (size_t i = 0; i < store_double.n_puts; i++) {
        const struct store_double_put *p = &store_double.puts[i];
        n += !p->missed && p->txn != 0 && p->txn <= store_double.committed &&
             strcmp(p->identity, who) == 0;
    }
    return n;
}

int mst_store_open(const char *path, enum mst_store_mode mode,
                   struct mst_store **st_r, struct mst_err *err) {
    (void)path, (void)err;
    if (mode == MST_STORE_READ) {
        store_double.readers++;
        *st_r = &the_reader;
        return MST_OK;
    }
    store_double.open = 1;
    *st_r = &the_store;
    return MST_OK;
}

void mst_store_close(struct mst_store **st) {
    if (st == NULL || *st == NULL)
        return;
    if (*st == &the_reader) {
        store_double.readers--;
        *st = NULL;
        return;
    }
    /* An open transaction is rolled back: its puts never happened. */
    for (size_t i = 0; i < store_double.n_puts; i++)
        if (current_txn != 0 && store_double.puts[i].txn == current_txn)
            store_double.puts[i].txn = 0;
    current_txn = 0;
    store_double.open = 0;
    *st = NULL;
}

int mst_store_begin(struct mst_store *st, struct mst_err *err) {
    (void)st;
    if (current_txn != 0)
        return mst_err_set(err, MST_EINVAL, "store double: nested begin");
    current_txn = ++store_double.begun;
    return MST_OK;
}

int mst_store_commit(struct mst_store *st, struct mst_err *err) {
    (void)st;
    if (current_txn == 0)
        return mst_err_set(err, MST_EINVAL, "store double: commit outside");
    if (store_double.committed < STORE_DOUBLE_MAX)
        store_double.acked_at_commit[store_double.committed] =
            mst_double_last_ack();
    store_double.committed = current_txn;
    current_txn = 0;
    return MST_OK;
}

/* Guards the known certificates, and the puts against readers. */
static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether the last full body of `who` put (committed or in the open
 * transaction: what the writer sees) has `digest`. */
static int known(const char *who, const char *digest) {
    const char *last = NULL;
    for (size_t i = 0; i < store_double.n_puts; i++) {
        const struct store_double_put *p = &store_double.puts[i];
        if (p->full && p->txn != 0 && strcmp(p->identity, who) == 0)
            last = p->digest;
    }
    return last != NULL && strcmp(last, digest) == 0;
}

static int record(const char *who, const char *digest, int full, int missed,
                  struct mst_err *err) {
    if (current_txn == 0)
        return mst_err_set(err, MST_EINVAL, "store double: outside a txn");
    if (store_double.n_puts == STORE_DOUBLE_MAX)
        return mst_err_set(err, MST_EFULL, "store double: full");
    pthread_mutex_lock(&known_lock);
    struct store_double_put *p = &store_double.puts[store_double.n_puts++];
    mst_strlcpy(p->identity, who, sizeof p->identity);
    mst_strlcpy(p->digest, digest, sizeof p->digest);
    p->full = full;
    p->missed = missed;
    p->txn = current_txn;
    pthread_mutex_unlock(&known_lock);
    return MST_OK;
}

int mst_store_put(struct mst_store *st, const struct mst_registration *reg,
                  int64_t now_ms, struct mst_err *err) {
    (void)st, (void)now_ms;
    if (store_double.fail_put) {
        store_double.fail_put = 0;
        return mst_err_set(err, MST_EIO, "store double: disk on fire");
    }
    /* A body kept as bytes is, to the store, a "still here" */
    int full = reg->facts != NULL;
    if (!full && !known(reg->sender, reg->digest))
        return mst_err_set(err, MST_ENOTFOUND, "store double: no body");
    return record(reg->sender, reg->digest, full, 0, err);
}

int mst_store_missed(struct mst_store *st, const char *identity, int64_t now_ms,
                     struct mst_err *err) {
    (void)st, (void)now_ms;
    return record(identity, "", 0, 1, err);
}

int mst_store_expire(struct mst_store *st, int64_t now_ms, int64_t keep_ms,
                     struct mst_err *err) {
    (void)st, (void)now_ms, (void)keep_ms;
    if (current_txn == 0)
        return mst_err_set(err, MST_EINVAL, "store double: outside a txn");
    store_double.expired++;
    return MST_OK;
}

const char *mst_store_path(const struct mst_store *st) {
    (void)st;
    return "store-double";
}

/* Known certificates are written in a batch, and read by readers only:
 * these from the opener's threads while the writer may put (a lock). */
static int known_find(const uint8_t fpr[32], const uint8_t ca_fpr[32],
                      int64_t now_s, struct mst_known_cert *cert_r) {
    for (size_t i = 0; i < store_double.n_known; i++) {
        const struct mst_known_cert *c = &store_double.known[i];
        if (memcmp(c->fpr, fpr, 32) == 0 &&
            memcmp(c->ca_fpr, ca_fpr, 32) == 0 && c->not_before_s <= now_s &&
            now_s <= c->not_after_s) {
            *cert_r = *c;
            return MST_OK;
        }
    }
    return MST_ENOTFOUND;
}

/* The reader sees only what was committed. */
int mst_store_has_body(struct mst_store *st, const char *identity,
                       const char *digest, struct mst_err *err) {
    if (st != &the_reader)
        return mst_err_set(err, MST_EINVAL, "store double: lookup on writer");
    pthread_mutex_lock(&known_lock);
    const char *last = NULL;
    for (size_t i = 0; i < store_double.n_puts; i++) {
        const struct store_double_put *p = &store_double.puts[i];
        if (p->full && p->txn != 0 && p->txn <= store_double.committed &&
            strcmp(p->identity, identity) == 0)
            last = p->digest;
    }
    int has = last != NULL && strcmp(last, digest) == 0;
    pthread_mutex_unlock(&known_lock);
    return has ? MST_OK : MST_ENOTFOUND;
}

int mst_store_known_get(struct mst_store *st, const uint8_t fpr[32],
                        const uint8_t ca_fpr[32], int64_t now_s,
                        struct mst_known_cert *cert_r, struct mst_err *err) {
    if (st != &the_reader)
        return mst_err_set(err, MST_EINVAL, "store double: lookup on writer");
    pthread_mutex_lock(&known_lock);
    int rc = known_find(fpr, ca_fpr, now_s, cert_r);
    pthread_mutex_unlock(&known_lock);
    return rc;
}

int mst_store_known_put(struct mst_store *st, const struct mst_known_cert *c,
                        int64_t now_ms, struct mst_err *err) {
    (void)now_ms;
    if (st != &the_store || current_txn == 0)
        return mst_err_set(err, MST_EINVAL, "store double: put outside a txn");
    pthread_mutex_lock(&known_lock);
    int full = store_double.n_known == STORE_DOUBLE_KNOWN;
    if (!full)
        store_double.known[store_double.n_known++] = *c;
    pthread_mutex_unlock(&known_lock);
    return full ? mst_err_set(err, MST_EFULL, "store double: known full")
                : MST_OK;
}
