/*
 * fuzz_registration.c - libFuzzer target for the registration decoder, on
 * bare payloads and inside an envelope (what a collector reads off its
 * queue).
 *
 * Besides crashes and sanitizer reports it checks properties: a refused
 * payload leaves nothing behind; whatever decodes encodes again and
 * decodes to the same thing, digest included; and a body kept as bytes
 * (a receiver that has every body) expands exactly when the payload
 * decodes, to the same values.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "wire/envelope.h"
#include "wire/registration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            __builtin_trap();                                                  \
    } while (0)

static void same_json(const json_t *a, const json_t *b) {
    REQUIRE((a == NULL) == (b == NULL));
    REQUIRE(a == NULL || json_equal(a, b));
}

static bool has_all(void *ctx, const char *sender, const char *digest) {
    (void)ctx, (void)sender, (void)digest;
    return true;
}

/* What `plain` (the payload's plain decode, or NULL: refused) is to the
 * same payload kept as bytes and expanded. */
static void kept(struct mst_bytes payload,
                 const struct mst_registration *plain) {
    struct mst_registration_known known = {has_all, NULL};
    struct mst_registration reg = {0};
    if (mst_registration_decode_known(payload, &known, &reg, NULL) != MST_OK) {
        REQUIRE(plain == NULL);
        return;
    }
    int rc = mst_registration_expand(&reg, NULL);
    REQUIRE((rc == MST_OK) == (plain != NULL));
    REQUIRE(reg.body.len == 0);
    if (plain != NULL) {
        same_json(reg.facts, plain->facts);
        same_json(reg.classes, plain->classes);
        same_json(reg.agents, plain->agents);
    }
    mst_registration_clear(&reg);
}

static void registration(struct mst_bytes payload) {
    struct mst_registration reg = {0}, again = {0};
    struct mst_err err = {0};
    if (mst_registration_decode(payload, &reg, &err) != MST_OK) {
        REQUIRE(err.msg[0] != '\0');
        REQUIRE(reg.sender == NULL && reg.facts == NULL &&
                reg.collectives == NULL);
        kept(payload, NULL);
        return;
    }
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    REQUIRE(mst_registration_encode(&reg, &buf, NULL) == MST_OK);
    REQUIRE(mst_registration_decode(mst_buf_view(&buf), &again, NULL) ==
            MST_OK);
    REQUIRE(strcmp(reg.sender, again.sender) == 0);
    REQUIRE(strcmp(reg.digest, again.digest) == 0);
    REQUIRE(reg.time_ms == again.time_ms);
    same_json(reg.collectives, again.collectives);
    same_json(reg.facts, again.facts);
    same_json(reg.classes, again.classes);
    same_json(reg.agents, again.agents);
    kept(payload, &reg);
    mst_buf_free(&buf);
    mst_registration_clear(&again);
    mst_registration_clear(&reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct mst_bytes in = MST_BYTES(data, size);
    registration(in);
    struct mst_envelope env;
    if (mst_envelope_decode(in, NULL, &env, NULL) == MST_OK)
        registration(env.payload);
    return 0;
}
