/*
 * fuzz_registration.c - libFuzzer target for the registration decoder, on
 * bare payloads and inside an envelope (what a collector reads off its
 * queue).
 *
 * Besides crashes and sanitizer reports it checks properties: a refused
 * payload leaves nothing behind; whatever decodes encodes again and
 * decodes to the same thing, digest included.
 */
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

static void registration(struct mst_bytes payload) {
    struct mst_registration reg = {0}, again = {0};
    struct mst_err err = {0};
    if (mst_registration_decode(payload, &reg, &err) != MST_OK) {
        REQUIRE(err.msg[0] != '\0');
        REQUIRE(reg.sender == NULL && reg.facts == NULL &&
                reg.collectives == NULL);
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
