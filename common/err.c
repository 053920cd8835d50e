#include "err.h"

#include <stdio.h>
#include <string.h>

#include "status.h"

int mst_err_vset(struct mst_err *err, int code, const char *fmt, va_list ap) {
    if (err == NULL)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (err->msg[0] == '\0')
        snprintf(err->msg, sizeof err->msg, "%s", mst_strerror(code));
    return code;
}

int mst_err_set(struct mst_err *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mst_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int mst_err_prefix(struct mst_err *err, const char *fmt, ...) {
    if (err == NULL)
        return MST_EINVAL;
    char prefix[MST_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[MST_ERR_LEN];
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

void mst_err_clear(struct mst_err *err) {
    if (err == NULL)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}
