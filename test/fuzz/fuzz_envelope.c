/*
 * fuzz_envelope.c - libFuzzer target for everything that reads bytes off
 * the wire: the pre-scan and JSON conversion on raw input, the envelope,
 * and the request and reply payloads (inside an envelope and bare).
 *
 * Besides crashes and sanitizer reports it checks properties: whatever
 * decodes must encode again, and decode to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/status.h"
#include "wire/envelope.h"
#include "wire/mpack.h"
#include "wire/reply.h"
#include "wire/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            __builtin_trap();                                                  \
    } while (0)

/* JSON -> msgpack -> JSON must give back an equal value. */
static void json_round_trip(const json_t *j) {
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, &buf);
    REQUIRE(mst_mpack_pack_json(&pk, j) == MST_OK);
    struct mst_mpack_limits lim = {SIZE_MAX, MST_MPACK_DEPTH_HARD, SIZE_MAX};
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    REQUIRE(mst_mpack_unpack(mst_buf_view(&buf), &lim, &u, NULL) == MST_OK);
    json_t *back = NULL;
    REQUIRE(mst_mpack_to_json(&u.data, "again", &back, NULL) == MST_OK);
    REQUIRE(json_equal(back, j));
    json_decref(back);
    msgpack_unpacked_destroy(&u);
    mst_buf_free(&buf);
}

static void raw(struct mst_bytes in) {
    struct mst_err err;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = mst_mpack_unpack(in, NULL, &u, &err);
    REQUIRE(rc == MST_OK || err.msg[0] != '\0');
    if (rc == MST_OK) {
        json_t *j = NULL;
        if (mst_mpack_to_json(&u.data, "fuzz", &j, &err) == MST_OK) {
            json_round_trip(j);
            json_decref(j);
        }
    }
    msgpack_unpacked_destroy(&u);
}

static void request(struct mst_bytes payload) {
    struct mst_request req = {0}, again = {0};
    if (mst_request_decode(payload, &req, NULL) != MST_OK) {
        REQUIRE(req.agent == NULL && req.data == NULL);
        return;
    }
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    REQUIRE(mst_request_encode(&req, &buf, NULL) == MST_OK);
    REQUIRE(mst_request_decode(mst_buf_view(&buf), &again, NULL) == MST_OK);
    REQUIRE(json_equal(req.data, again.data));
    REQUIRE(json_equal(req.filter, again.filter));
    mst_buf_free(&buf);
    mst_request_clear(&again);
    mst_request_clear(&req);
}

static void reply(struct mst_bytes payload) {
    struct mst_reply rep = {0}, again = {0};
    if (mst_reply_decode(payload, &rep, NULL) != MST_OK) {
        REQUIRE(rep.sender == NULL && rep.data == NULL);
        return;
    }
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    REQUIRE(mst_reply_encode(&rep, &buf, NULL) == MST_OK);
    REQUIRE(mst_reply_decode(mst_buf_view(&buf), &again, NULL) == MST_OK);
    REQUIRE(json_equal(rep.data, again.data));
    mst_buf_free(&buf);
    mst_reply_clear(&again);
    mst_reply_clear(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct mst_bytes in = MST_BYTES(data, size);
    raw(in);
    request(in);
    reply(in);
    struct mst_envelope env;
    if (mst_envelope_decode(in, NULL, &env, NULL) == MST_OK) {
        REQUIRE(env.payload.ptr >= data &&
                env.payload.ptr + env.payload.len <= data + size);
        struct mst_buf buf;
        mst_buf_init(&buf, 0);
        REQUIRE(mst_envelope_encode(&env, &buf, NULL) == MST_OK);
        mst_buf_free(&buf);
        request(env.payload);
        reply(env.payload);
    }
    return 0;
}
