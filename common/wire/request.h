/*
 * request.h - the request payload and its sealing into an envelope.
 *
 *   { "id", "time", "ttl", "collective", "agent", "action", "caller",
 *     "sender", "filter", "reply_to", "data", "deadline" (optional) }
 *
 * See docs/protocol.md for every field.
 */
#ifndef MST_REQUEST_H
#define MST_REQUEST_H

#include <jansson.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/util.h"
#include "security/security.h"
#include "wire/mpack.h"

/* Bounds on the text fields of requests and replies. */
#define MST_NAME_MAX 128     /* agent, action, collective */
#define MST_IDENTITY_MAX 255 /* node identity, caller, sender */
#define MST_REPLY_TO_MAX 255 /* AMQP short string */
#define MST_TTL_MAX_S 86400

/*
 * A request.  Plain data: the strings and json values are owned by the
 * struct and released by mst_request_clear().
 */
struct mst_request {
    char id[MST_ID_LEN]; /* 32 hex digits */
    int64_t time_ms;     /* ms since the epoch, when sent */
    int64_t ttl_ms;      /* how long the request stays valid: whole
                            seconds 1..MST_TTL_MAX_S on the wire, where
                            the codec converts (docs/protocol.md) */
    char *collective;
    char *agent;
    char *action;
    char *caller;   /* as typed by the sender; trust the verified signer */
    char *sender;   /* the client's host identity */
    char *reply_to; /* the client's reply queue */
    json_t *filter; /* object (see docs/protocol.md), never NULL when valid */
    json_t *data;   /* object of action inputs, never NULL when valid */
    int64_t deadline_ms; /* ms since the epoch when the client stops
                            waiting (time + its overall timeout), within
                            time + 1 ms .. time + MST_TTL_MAX_S s; 0 = not
                            sent (optional on the wire: older clients) */
};

/* mst_request_clear - free every owned field and zero the struct. */
void mst_request_clear(struct mst_request *req);

/*
 * mst_request_encode - append the payload of `req` to `out`.
 * Returns MST_OK, MST_EINVAL (a required field missing) or MST_ENOMEM.
 */
int mst_request_encode(const struct mst_request *req, struct mst_buf *out,
                       struct mst_err *err);

/*
 * mst_request_decode - parse a payload (untrusted, already bounded by the
 * envelope) into `req_r` (which must be zeroed).  Every field but
 * "deadline" is required; all are type-checked and bounded; unknown keys
 * are refused.  On error `req_r` is cleared.
 */
int mst_request_decode(struct mst_bytes payload, struct mst_request *req_r,
                       struct mst_err *err);

/*
 * mst_request_seal - encode `req`, sign it with `sec` and append the whole
 * envelope to `out`.  Returns MST_OK or the first failure.
 */
int mst_request_seal(struct mst_security *sec, const struct mst_request *req,
                     struct mst_buf *out, struct mst_err *err);

/*
 * mst_request_open - decode the envelope in `in`, verify it with `sec`,
 * then decode the payload into `req_r` (zeroed by the caller).  The verified
 * signer (or "" under the none provider) is copied into `signer_r`.
 * Returns MST_OK, MST_EDECODE/ETOOBIG/ETOODEEP (malformed) or
 * MST_ESECURITY (signature), with the reason in `err`.
 */
int mst_request_open(struct mst_security *sec, struct mst_bytes in,
                     struct mst_request *req_r, char signer_r[MST_SIGNER_LEN],
                     struct mst_err *err);

/*
 * mst_request_check_time - refuse a request whose time is older than its
 * ttl plus `skew_ms`, whose client's deadline (when sent) passed more than
 * `skew_ms` ago, or that is ahead of `now_ms` by more than `skew_ms`.
 * Returns MST_OK or MST_EEXPIRED with the reason.
 */
int mst_request_check_time(const struct mst_request *req, int64_t now_ms,
                           int64_t skew_ms, struct mst_err *err);

/*
 * mst_request_deadline_first - true when the client's deadline comes
 * before time + ttl, so that it, not the ttl, decides when `req` expires.
 */
int mst_request_deadline_first(const struct mst_request *req);

#endif
