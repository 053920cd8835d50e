/*
 * reply.c - the reply payload: strict decode, validated encode, and
 * sealing into / opening from an envelope.
 */
#include "wire/reply.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "wire/mpack.h"
#include "wire/request.h" /* MST_IDENTITY_MAX */

static const char *const status_texts[] = {
    "OK",           "Aborted",      "Unknown Action",
    "Missing Data", "Invalid Data", "Unknown Error",
};

const char *mst_rpc_status_text(int status) {
    if (status < MUSTER_OK || status > MUSTER_UNKNOWN_ERROR)
        return "Invalid Status";
    return status_texts[status];
}

void mst_reply_clear(struct mst_reply *rep) {
    free(rep->sender);
    free(rep->statusmsg);
    json_decref(rep->data);
    memset(rep, 0, sizeof *rep);
}

/* ---- decode ----------------------------------------------------------- */

static int read_id(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_id(v, "reply id", ((struct mst_reply *)d)->id, err);
}

static int read_sender(const msgpack_object *v, void *d, struct mst_err *err) {
    struct mst_reply *rep = d;
    int rc = mst_mpack_dup_str(v, "reply sender", MST_IDENTITY_MAX,
                               &rep->sender, err);
    if (rc == MST_OK && rep->sender[0] == '\0')
        return mst_err_set(err, MST_EDECODE, "reply sender: empty");
    return rc;
}

static int read_time(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_int(v, "reply time", 0, INT64_MAX,
                             &((struct mst_reply *)d)->time_ms, err);
}

static int read_status(const msgpack_object *v, void *d, struct mst_err *err) {
    int64_t st;
    int rc = mst_mpack_get_int(v, "reply status", MUSTER_OK,
                               MUSTER_UNKNOWN_ERROR, &st, err);
    if (rc == MST_OK)
        ((struct mst_reply *)d)->status = (int)st;
    return rc;
}

/* May be empty: an OK reply has nothing to say. */
static int read_statusmsg(const msgpack_object *v, void *d,
                          struct mst_err *err) {
    return mst_mpack_dup_str(v, "reply statusmsg", MST_STATUSMSG_MAX,
                             &((struct mst_reply *)d)->statusmsg, err);
}

static int read_data(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_object(v, "reply data", &((struct mst_reply *)d)->data,
                                err);
}

/* In the order they are encoded. */
static const struct mst_mpack_field reply_fields[] = {
    {"id", read_id, MST_MPACK_REQUIRED},
    {"sender", read_sender, MST_MPACK_REQUIRED},
    {"time", read_time, MST_MPACK_REQUIRED},
    {"status", read_status, MST_MPACK_REQUIRED},
    {"statusmsg", read_statusmsg, MST_MPACK_REQUIRED},
    {"data", read_data, MST_MPACK_REQUIRED},
};

int mst_reply_decode(struct mst_bytes payload, struct mst_reply *rep_r,
                     struct mst_err *err) {
    int rc = mst_mpack_decode_fields(
        payload, NULL, reply_fields,
        sizeof reply_fields / sizeof reply_fields[0], rep_r, "reply", err);
    if (rc != MST_OK)
        mst_reply_clear(rep_r);
    return rc;
}

/* ---- encode ----------------------------------------------------------- */

/* Refuse to send what every receiver would refuse. */
static int check_reply(const struct mst_reply *rep, struct mst_err *err) {
    if (!mst_mpack_id_valid(rep->id))
        return mst_err_set(err, MST_EINVAL, "reply id: invalid");
    if (rep->sender == NULL || rep->sender[0] == '\0' ||
        strlen(rep->sender) > MST_IDENTITY_MAX ||
        !mst_mpack_utf8_valid(rep->sender, strlen(rep->sender)))
        return mst_err_set(err, MST_EINVAL,
                           "reply sender: missing or "
                           "invalid");
    if (rep->time_ms < 0)
        return mst_err_set(err, MST_EINVAL, "reply time: negative");
    if (rep->status < MUSTER_OK || rep->status > MUSTER_UNKNOWN_ERROR)
        return mst_err_set(err, MST_EINVAL, "reply status: %d not 0..5",
                           rep->status);
    if (rep->statusmsg == NULL || strlen(rep->statusmsg) > MST_STATUSMSG_MAX ||
        !mst_mpack_utf8_valid(rep->statusmsg, strlen(rep->statusmsg)))
        return mst_err_set(err, MST_EINVAL,
                           "reply statusmsg: missing or "
                           "invalid");
    if (!json_is_object(rep->data))
        return mst_err_set(err, MST_EINVAL, "reply data: not an object");
    return MST_OK;
}

static int pack_reply(msgpack_packer *pk, const void *obj) {
    const struct mst_reply *r = obj;
    if (msgpack_pack_map(pk, 6) != 0 || mst_mpack_pack_cstr(pk, "id") ||
        msgpack_pack_str_with_body(pk, r->id, MST_ID_LEN - 1) != 0 ||
        mst_mpack_pack_cstr(pk, "sender") ||
        mst_mpack_pack_cstr(pk, r->sender) || mst_mpack_pack_cstr(pk, "time") ||
        msgpack_pack_int64(pk, r->time_ms) != 0 ||
        mst_mpack_pack_cstr(pk, "status") ||
        msgpack_pack_int(pk, r->status) != 0 ||
        mst_mpack_pack_cstr(pk, "statusmsg") ||
        mst_mpack_pack_cstr(pk, r->statusmsg) ||
        mst_mpack_pack_cstr(pk, "data"))
        return MST_ENOMEM;
    return mst_mpack_pack_json(pk, r->data);
}

int mst_reply_encode(const struct mst_reply *rep, struct mst_buf *out,
                     struct mst_err *err) {
    int rc = check_reply(rep, err);
    if (rc != MST_OK)
        return rc;
    return mst_mpack_encode(out, pack_reply, rep, "reply", err);
}

/* ---- envelope --------------------------------------------------------- */

/* Adapters: the seal/open helpers take untyped objects. */
static int encode_any(const void *obj, struct mst_buf *out,
                      struct mst_err *err) {
    return mst_reply_encode(obj, out, err);
}

static int decode_any(struct mst_bytes payload, void *obj_r,
                      struct mst_err *err) {
    return mst_reply_decode(payload, obj_r, err);
}

int mst_reply_seal(struct mst_security *sec, const struct mst_reply *rep,
                   struct mst_buf *out, struct mst_err *err) {
    return mst_security_seal_with(sec, encode_any, rep, out, err);
}

int mst_reply_open(struct mst_security *sec, struct mst_bytes in,
                   struct mst_reply *rep_r, char signer_r[MST_SIGNER_LEN],
                   struct mst_err *err) {
    return mst_security_open_with(sec, in, decode_any, rep_r, signer_r, err);
}
