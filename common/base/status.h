/*
 * status.h - the one list of muster status codes.
 *
 * Every function in muster that can fail returns MST_OK (0) or one of the
 * negative codes below.  The list is an X-macro so that the enum and the
 * string table cannot drift apart; test/unit/test_status.c checks that every
 * code has a distinct, non-empty string.
 */
#ifndef MST_STATUS_H
#define MST_STATUS_H

#define MST_STATUS_MAP(X)                                                      \
    X(OK, 0, "success")                                                        \
    X(EINVAL, -1, "invalid argument")                                          \
    X(ENOMEM, -2, "out of memory")                                             \
    X(EDECODE, -3, "malformed message")                                        \
    X(ETOOBIG, -4, "message too large")                                        \
    X(ETOODEEP, -5, "message nested too deeply")                               \
    X(ECONFIG, -6, "configuration error")                                      \
    X(EIO, -7, "input/output error")                                           \
    X(ECONNECT, -8, "broker connection failed")                                \
    X(ETIMEOUT, -9, "timed out")                                               \
    X(ENOTFOUND, -10, "not found")                                             \
    X(ESECURITY, -11, "security check failed")                                 \
    X(EEXPIRED, -12, "request expired")                                        \
    X(ENOROUTE, -13, "no such node")                                           \
    X(EAGENT, -14, "agent failure")                                            \
    X(EUNSUPPORTED, -15, "not supported")                                      \
    X(EPROTO, -16, "broker protocol error")                                    \
    X(ESTOPPED, -17, "stopped by request")                                     \
    X(EREPLAY, -18, "request replayed")                                        \
    X(EFULL, -19, "table full")                                                \
    X(EBUSY, -20, "held by another process")

enum mst_status {
#define MST_STATUS_ENUM(name, value, text) MST_##name = (value),
    MST_STATUS_MAP(MST_STATUS_ENUM)
#undef MST_STATUS_ENUM
};

/*
 * mst_strerror - a static, human-readable description of a status code.
 * Never returns NULL; unknown codes give "unknown status".
 * Thread-safe.
 */
const char *mst_strerror(int status);

/*
 * mst_status_name - the symbolic name of a status code ("EDECODE"), for logs
 * and counters.  Never returns NULL.  Thread-safe.
 */
const char *mst_status_name(int status);

#endif
