/*
 * err.h - error details for the caller.
 *
 * Functions that can fail take a `struct mst_err *err_r` (which may be NULL)
 * and fill it with the status code and one human sentence saying what and
 * where.  The caller decides whether and how to log it.
 */
#ifndef MST_ERR_H
#define MST_ERR_H

#include <stdarg.h>

#define MST_ERR_LEN 256

struct mst_err {
    int code;              /* an enum mst_status value */
    char msg[MST_ERR_LEN]; /* NUL-terminated, never empty after a set */
};

/*
 * mst_err_set - record `code` and a printf-style message in `err` (if not
 * NULL).  Returns `code`, so that `return mst_err_set(err, MST_EDECODE, ...)`
 * reads naturally.  Thread-safe for distinct `err` objects.
 */
int mst_err_set(struct mst_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mst_err_vset - the va_list form of mst_err_set. */
int mst_err_vset(struct mst_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * mst_err_prefix - prepend "prefix: " to the message already in `err`
 * (no-op if `err` is NULL).  Returns err->code (or MST_EINVAL for NULL).
 */
int mst_err_prefix(struct mst_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* mst_err_clear - reset `err` to MST_OK with an empty message. */
void mst_err_clear(struct mst_err *err);

#endif
