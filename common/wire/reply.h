/*
 * reply.h - the reply payload and its sealing into an envelope.
 *
 *   { "id", "sender", "time", "status", "statusmsg", "data" }
 */
#ifndef MST_REPLY_H
#define MST_REPLY_H

#include <jansson.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/util.h"
#include "muster/status.h"
#include "security/security.h"

/* Bound on a reply's statusmsg, in bytes. */
#define MST_STATUSMSG_MAX 4096

/* mst_rpc_status_text - "OK", "Aborted", ... for a status 0..5. */
const char *mst_rpc_status_text(int status);

/* A reply.  Plain data owned by the struct; see mst_reply_clear(). */
struct mst_reply {
    char id[MST_ID_LEN]; /* the request's id */
    char *sender;        /* the node's identity */
    int64_t time_ms;
    int status; /* enum muster_status */
    char *statusmsg;
    json_t *data; /* object, never NULL when valid */
};

/* mst_reply_clear - free every owned field and zero the struct. */
void mst_reply_clear(struct mst_reply *rep);

/* mst_reply_encode - append the payload of `rep` to `out`. */
int mst_reply_encode(const struct mst_reply *rep, struct mst_buf *out,
                     struct mst_err *err);

/*
 * mst_reply_decode - parse an untrusted payload into `rep_r` (zeroed by the
 * caller); cleared on error.
 */
int mst_reply_decode(struct mst_bytes payload, struct mst_reply *rep_r,
                     struct mst_err *err);

/* mst_reply_seal - encode, sign and wrap `rep` into `out`. */
int mst_reply_seal(struct mst_security *sec, const struct mst_reply *rep,
                   struct mst_buf *out, struct mst_err *err);

/*
 * mst_reply_open - decode and verify an envelope, then the reply payload.
 * The verified signer is copied into `signer_r` ("" under none).
 */
int mst_reply_open(struct mst_security *sec, struct mst_bytes in,
                   struct mst_reply *rep_r, char signer_r[MST_SIGNER_LEN],
                   struct mst_err *err);

#endif
