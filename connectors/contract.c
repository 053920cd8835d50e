/*
 * contract.c - see contract.h.
 */
#include "contract.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"

int mst_contract_exchange(char *buf, size_t size, const char *collective,
                          const char *suffix, struct mst_err *err) {
    int n = collective == NULL
                ? -1
                : snprintf(buf, size, "%s.%s", collective, suffix);
    if (n < 0 || (size_t)n >= size || n > MST_CONTRACT_NAME_MAX)
        return mst_err_set(err, MST_EINVAL, "bad collective name");
    return MST_OK;
}

int mst_contract_collectives(const struct mst_strv *cs, struct mst_err *err) {
    if (cs == NULL || cs->n == 0)
        return mst_err_set(err, MST_EINVAL, "no collective given");
    for (size_t i = 0; i < cs->n; i++) {
        char name[MST_CONTRACT_NAME_MAX + 1];
        if (cs->v[i] == NULL || cs->v[i][0] == '\0')
            return mst_err_set(err, MST_EINVAL, "bad collective name");
        int rc = mst_contract_exchange(name, sizeof name, cs->v[i], "broadcast",
                                       err);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

int mst_contract_options(const struct mst_connector_options *opts,
                         struct mst_err *err) {
    if (opts == NULL || opts->urls == NULL || opts->urls->n == 0)
        return mst_err_set(err, MST_EINVAL, "no broker URL given");
    if (opts->queue_overflow != NULL &&
        strcmp(opts->queue_overflow, "drop-head") != 0 &&
        strcmp(opts->queue_overflow, "reject-publish") != 0)
        return mst_err_set(err, MST_EINVAL, "bad queue overflow \"%s\"",
                           opts->queue_overflow);
    if (opts->queue_max_length < 0 || opts->queue_ttl_ms < 0 ||
        opts->queue_ttl_ms > INT32_MAX)
        return mst_err_set(err, MST_EINVAL, "bad queue bounds");
    if ((opts->tls_cert == NULL) != (opts->tls_key == NULL))
        return mst_err_set(err, MST_EINVAL,
                           "a TLS client certificate needs its key and a key "
                           "its certificate");
    return MST_OK;
}

int mst_contract_node(const char *identity, const struct mst_strv *cs,
                      struct mst_err *err) {
    int rc = mst_contract_collectives(cs, err);
    if (rc == MST_OK && (identity == NULL || identity[0] == '\0' ||
                         strlen(identity) > MST_CONTRACT_NAME_MAX))
        rc = mst_err_set(err, MST_EINVAL, "bad identity");
    return rc;
}

int mst_contract_collector(const char *queue, const struct mst_strv *cs,
                           struct mst_err *err) {
    int rc = mst_contract_collectives(cs, err);
    if (rc == MST_OK && (queue == NULL || queue[0] == '\0' ||
                         strlen(queue) > MST_CONTRACT_NAME_MAX ||
                         strncmp(queue, "amq.", 4) == 0))
        rc = mst_err_set(err, MST_EINVAL,
                         "bad collector queue name (1 to 255 bytes, not "
                         "starting with \"amq.\")");
    return rc;
}

int mst_contract_request(char *exchange, size_t size, const char *collective,
                         const char *identity, int64_t ttl_ms,
                         int has_reply_queue, struct mst_err *err) {
    int rc = mst_contract_exchange(exchange, size, collective,
                                   identity ? "direct" : "broadcast", err);
    if (rc != MST_OK)
        return rc;
    if (ttl_ms <= 0)
        return mst_err_set(err, MST_EINVAL, "request ttl must be positive");
    if (!has_reply_queue)
        return mst_err_set(err, MST_EINVAL,
                           "no reply queue: declare one before publishing");
    return MST_OK;
}

int mst_contract_reply_to(struct mst_bytes reply_to, struct mst_err *err) {
    if (reply_to.len == 0 || reply_to.len > MST_CONTRACT_NAME_MAX)
        return mst_err_set(err, MST_EINVAL, "bad reply_to");
    return MST_OK;
}
