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

int mst_contract_identity(const char *identity, struct mst_err *err) {
    if (identity == NULL || identity[0] == '\0' ||
        strlen(identity) > MST_CONTRACT_NAME_MAX)
        return mst_err_set(err, MST_EINVAL, "bad identity");
    return MST_OK;
}

int mst_contract_collector_queue(const char *queue, struct mst_err *err) {
    if (queue == NULL || queue[0] == '\0' ||
        strlen(queue) > MST_CONTRACT_NAME_MAX || strncmp(queue, "amq.", 4) == 0)
        return mst_err_set(err, MST_EINVAL,
                           "bad collector queue name (1 to 255 bytes, not "
                           "starting with \"amq.\")");
    return MST_OK;
}

int mst_contract_reply_to(struct mst_bytes reply_to, struct mst_err *err) {
    if (reply_to.len == 0 || reply_to.len > MST_CONTRACT_NAME_MAX)
        return mst_err_set(err, MST_EINVAL, "bad reply_to");
    return MST_OK;
}

int mst_contract_ttl(int64_t ttl_ms, struct mst_err *err) {
    if (ttl_ms <= 0)
        return mst_err_set(err, MST_EINVAL, "request ttl must be positive");
    return MST_OK;
}

int mst_contract_tls_pair(const char *cert, const char *key,
                          struct mst_err *err) {
    if ((cert == NULL) != (key == NULL))
        return mst_err_set(err, MST_EINVAL,
                           "a TLS client certificate needs its key and a key "
                           "its certificate");
    return MST_OK;
}
