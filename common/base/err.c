#include "base/err.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"

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
    char old[MST_ERR_LEN];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Append ": old" by hand: the result is cut at MST_ERR_LEN either way. */
    size_t at = n < 0 ? 0 : (size_t)n;
    if (at < sizeof err->msg - 1) {
        size_t room = sizeof err->msg - 1 - at;
        size_t oldlen = strnlen(old, sizeof old);
        const char sep[] = ": ";
        size_t seplen = room < 2 ? room : 2;
        memcpy(err->msg + at, sep, seplen);
        at += seplen;
        room -= seplen;
        size_t take = oldlen < room ? oldlen : room;
        memcpy(err->msg + at, old, take);
        err->msg[at + take] = '\0';
    }
    return err->code;
}

void mst_err_clear(struct mst_err *err) {
    if (err == NULL)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}
