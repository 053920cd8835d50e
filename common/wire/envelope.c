/*
 * envelope.c - { "v": 1, "payload": bin, "sig": bin|nil, "cert": bin|nil }.
 */
#include "wire/envelope.h"

#include <string.h>

#include "base/status.h"

static int read_version(const msgpack_object *val, void *dst,
                        struct mst_err *err) {
    (void)dst;
    int64_t v;
    if (mst_mpack_get_int(val, "envelope v", INT64_MIN, INT64_MAX, &v, err) !=
        MST_OK)
        return MST_EDECODE;
    if (v != MST_ENVELOPE_VERSION)
        return mst_err_set(err, MST_EDECODE,
                           "envelope: unsupported version %lld (want %d)",
                           (long long)v, MST_ENVELOPE_VERSION);
    return MST_OK;
}

/* A bin, or nil (len 0) when `nil_ok`; the view points into the input. */
static int read_bin(const msgpack_object *val, const char *name, int nil_ok,
                    struct mst_bytes *out, struct mst_err *err) {
    if (nil_ok && val->type == MSGPACK_OBJECT_NIL) {
        *out = MST_BYTES(NULL, 0);
        return MST_OK;
    }
    if (val->type != MSGPACK_OBJECT_BIN)
        return mst_err_set(err, MST_EDECODE, "envelope %s: not %s", name,
                           nil_ok ? "bin or nil" : "bin");
    *out = MST_BYTES(val->via.bin.ptr, val->via.bin.size);
    return MST_OK;
}

static int read_payload(const msgpack_object *val, void *dst,
                        struct mst_err *err) {
    struct mst_envelope *env = dst;
    int rc = read_bin(val, "payload", 0, &env->payload, err);
    if (rc == MST_OK && env->payload.len == 0)
        return mst_err_set(err, MST_EDECODE, "envelope payload: empty");
    return rc;
}

static int read_sig(const msgpack_object *val, void *dst, struct mst_err *err) {
    return read_bin(val, "sig", 1, &((struct mst_envelope *)dst)->sig, err);
}

static int read_cert(const msgpack_object *val, void *dst,
                     struct mst_err *err) {
    return read_bin(val, "cert", 1, &((struct mst_envelope *)dst)->cert, err);
}

static const struct mst_mpack_field envelope_fields[] = {
    {"v", read_version, MST_MPACK_REQUIRED},
    {"payload", read_payload, MST_MPACK_REQUIRED},
    {"sig", read_sig, MST_MPACK_REQUIRED},
    {"cert", read_cert, MST_MPACK_REQUIRED},
};

int mst_envelope_decode(struct mst_bytes in, const struct mst_mpack_limits *lim,
                        struct mst_envelope *env_r, struct mst_err *err) {
    struct mst_envelope env = {0};
    /* The views point into `in` (msgpack-c unpacks bin without copying),
     * so they outlive the unpacked message. */
    int rc = mst_mpack_decode_fields(in, lim, envelope_fields,
                                     sizeof envelope_fields /
                                         sizeof envelope_fields[0],
                                     &env, "envelope", err);
    *env_r = rc == MST_OK ? env : (struct mst_envelope){0};
    return rc;
}

/* Pack a bin, or nil for an empty view. */
static int pack_bin_or_nil(msgpack_packer *pk, struct mst_bytes b) {
    if (b.len == 0)
        return msgpack_pack_nil(pk);
    return msgpack_pack_bin_with_body(pk, b.ptr, b.len);
}

int mst_envelope_encode(const struct mst_envelope *env, struct mst_buf *out,
                        struct mst_err *err) {
    if (env->payload.len == 0 || env->payload.ptr == NULL)
        return mst_err_set(err, MST_EINVAL, "envelope: empty payload");
    if (env->payload.len > UINT32_MAX || env->sig.len > UINT32_MAX ||
        env->cert.len > UINT32_MAX)
        return mst_err_set(err, MST_ETOOBIG, "envelope: part over 4 GiB");
    size_t start = out->len;
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, out);
    /* Fixed key order, so that equal envelopes are equal bytes. */
    if (msgpack_pack_map(&pk, 4) != 0 || mst_mpack_pack_cstr(&pk, "v") != 0 ||
        msgpack_pack_uint8(&pk, MST_ENVELOPE_VERSION) != 0 ||
        mst_mpack_pack_cstr(&pk, "payload") != 0 ||
        msgpack_pack_bin_with_body(&pk, env->payload.ptr, env->payload.len) !=
            0 ||
        mst_mpack_pack_cstr(&pk, "sig") != 0 ||
        pack_bin_or_nil(&pk, env->sig) != 0 ||
        mst_mpack_pack_cstr(&pk, "cert") != 0 ||
        pack_bin_or_nil(&pk, env->cert) != 0) {
        out->len = start; /* leave `out` as it was */
        int rc = mst_mpack_sink_status(&sink, MST_ENOMEM);
        return mst_err_set(err, rc, "envelope: cannot encode: %s",
                           mst_strerror(rc));
    }
    return MST_OK;
}
