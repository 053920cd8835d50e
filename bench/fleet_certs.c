/*
 * fleet_certs.c - generate (once) and find the benchmarks' node
 * certificates.  See fleet_certs.h.
 */
#include "fleet_certs.h"

#include <openssl/pem.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "security/cert.h"

#define PATH_LEN 4096

void bench_node_name(size_t i, char name_r[BENCH_NODE_NAME_LEN]) {
    snprintf(name_r, BENCH_NODE_NAME_LEN, "fleet%05zu", i);
}

static int exists(const char *dir, const char *name, const char *ext) {
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    return access(path, R_OK) == 0;
}

/* The work the issuing threads share: the next index to look at. */
struct issue_job {
    const char *dir;
    size_t k;
    atomic_size_t next;
    atomic_size_t made;
    atomic_int failed;
    struct mst_err err; /* the first failure */
    pthread_mutex_t lock;
};

static int issue_one(struct issue_job *j, const char *name,
                     enum mst_cert_kind kind) {
    if (exists(j->dir, name, ".pem") && exists(j->dir, name, ".key"))
        return MST_OK;
    struct mst_cert_request req = {
        .name = name, .kind = kind, .key_type = MST_KEY_EC, .days = 3650};
    struct mst_err err = {0};
    int rc = mst_cert_issue(j->dir, &req, &err);
    if (rc != MST_OK) {
        pthread_mutex_lock(&j->lock);
        if (!atomic_exchange(&j->failed, 1))
            j->err = err;
        pthread_mutex_unlock(&j->lock);
        return rc;
    }
    atomic_fetch_add(&j->made, 1);
    return MST_OK;
}

static void *issuer(void *arg) {
    struct issue_job *j = arg;
    char name[BENCH_NODE_NAME_LEN];
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i > j->k || atomic_load(&j->failed))
            return NULL;
        bench_node_name(i, name);
        issue_one(j, name, MST_CERT_SERVER);
    }
}

int bench_fleet_certs(const char *dir, size_t k, unsigned threads,
                      size_t *made_r, struct mst_err *err) {
    if (!exists(dir, "ca", ".pem")) {
        int rc = mst_cert_init(dir, MST_KEY_EC, 3650, err);
        if (rc != MST_OK)
            return rc;
    }
    struct issue_job j = {.dir = dir, .k = k};
    atomic_init(&j.next, 1);
    atomic_init(&j.made, 0);
    atomic_init(&j.failed, 0);
    pthread_mutex_init(&j.lock, NULL);
    issue_one(&j, "fleet-client", MST_CERT_CLIENT);
    pthread_t t[16];
    unsigned n = threads == 0 ? 2 : threads > 16 ? 16 : threads;
    unsigned started = 0;
    while (started < n && pthread_create(&t[started], NULL, issuer, &j) == 0)
        started++;
    if (started == 0)
        issuer(&j);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_destroy(&j.lock);
    if (made_r != NULL)
        *made_r = atomic_load(&j.made);
    if (atomic_load(&j.failed))
        return mst_err_set(err, j.err.code, "%s", j.err.msg);
    return MST_OK;
}

/* The DER bytes of the PEM certificate file `path`. */
static int read_der(const char *path, uint8_t **der_r, int *der_len_r,
                    struct mst_err *err) {
    FILE *f = fopen(path, "r");
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    int ok = f != NULL && PEM_read(f, &name, &header, &data, &len) == 1 &&
             strcmp(name, "CERTIFICATE") == 0;
    if (f != NULL)
        fclose(f);
    OPENSSL_free(name);
    OPENSSL_free(header);
    if (!ok) {
        OPENSSL_free(data);
        return mst_err_set(err, MST_EIO, "%s: not a PEM certificate", path);
    }
    *der_r = data;
    *der_len_r = (int)len;
    return MST_OK;
}

int bench_fleet_node(const char *dir, size_t i, EVP_PKEY **key_r,
                     uint8_t **der_r, int *der_len_r, struct mst_err *err) {
    char name[BENCH_NODE_NAME_LEN], path[PATH_LEN];
    bench_node_name(i, name);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    int rc = mst_cert_load_key(path, key_r, err);
    if (rc != MST_OK)
        return rc;
    snprintf(path, sizeof path, "%s/%s.pem", dir, name);
    rc = read_der(path, der_r, der_len_r, err);
    if (rc != MST_OK) {
        EVP_PKEY_free(*key_r);
        *key_r = NULL;
    }
    return rc;
}
