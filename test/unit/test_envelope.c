/*
 * test_envelope.c - the outer layer, and the security seam around it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "fixture.h"
#include "runner.h"
#include "security/security.h"
#include "wire/envelope.h"

static const struct fixture_case decode_cases[] = {
    {"env_ok", MST_OK},
    {"env_ok_sig", MST_OK},
    {"env_bad_version", MST_EDECODE},
    {"env_version_zero", MST_EDECODE},
    {"env_version_str", MST_EDECODE},
    {"env_version_nil", MST_EDECODE},
    {"env_missing_v", MST_EDECODE},
    {"env_missing_payload", MST_EDECODE},
    {"env_missing_sig", MST_EDECODE},
    {"env_missing_cert", MST_EDECODE},
    {"env_payload_str", MST_EDECODE},
    {"env_payload_nil", MST_EDECODE},
    {"env_payload_empty", MST_EDECODE},
    {"env_sig_str", MST_EDECODE},
    {"env_sig_false", MST_EDECODE},
    {"env_cert_int", MST_EDECODE},
    {"env_cert_ext", MST_EDECODE},
    {"env_not_map", MST_EDECODE},
    {"env_empty_map", MST_EDECODE},
    {"env_unknown_key", MST_EDECODE},
    {"env_key_nul", MST_EDECODE},
    {"env_key_int", MST_EDECODE},
    {"env_dup_payload", MST_EDECODE},
    {"env_dup_v", MST_EDECODE},
    {"bomb_map32_0f", MST_EDECODE},
    {"bomb_array32_ff", MST_EDECODE},
    {"deep17_maps", MST_ETOODEEP},
    {"trailing_after_map", MST_EDECODE},
    {"truncated_map", MST_EDECODE},
    {"ok_nil", MST_EDECODE},
};

/* The reason each failing fixture must give (a word of it). */
static const struct {
    const char *name, *reason;
} reasons[] = {
    {"env_bad_version", "unsupported version 2"},
    {"env_version_str", "not an integer"},
    {"env_missing_sig", "missing \"sig\""},
    {"env_payload_empty", "payload: empty"},
    {"env_sig_str", "not bin or nil"},
    {"env_unknown_key", "unknown key \"extra\""},
    {"env_key_nul", "unknown key \"v?\""},
    {"env_dup_payload", "duplicate key \"payload\""},
    {"env_not_map", "envelope is not a map"},
    {"bomb_map32_0f", "envelope: map at offset 0"},
};

START_TEST(fixture_decode) {
    const struct fixture_case *c = &decode_cases[_i];
    size_t len;
    uint8_t *data = fixture_load(c->name, &len);
    struct mst_envelope env = {.payload = MST_BYTES("junk", 4)};
    struct mst_err err = {0};
    int rc = mst_envelope_decode(MST_BYTES(data, len), NULL, &env, &err);
    ck_assert_msg(rc == c->status, "%s: got %s (%s), want %s", c->name,
                  mst_status_name(rc), err.msg, mst_status_name(c->status));
    if (rc == MST_OK) {
        /* Views point into the input. */
        ck_assert(env.payload.len > 0);
        ck_assert(env.payload.ptr > data && env.payload.ptr < data + len);
    } else {
        ck_assert_int_eq(err.code, rc);
        ck_assert_uint_eq(env.payload.len, 0);
        ck_assert_ptr_null(env.payload.ptr);
    }
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(reasons[i].name, c->name) == 0)
            ck_assert_msg(strstr(err.msg, reasons[i].reason) != NULL,
                          "%s: \"%s\" lacks \"%s\"", c->name, err.msg,
                          reasons[i].reason);
    free(data);
}
END_TEST

START_TEST(sig_and_cert_views) {
    size_t len;
    uint8_t *data = fixture_load("env_ok_sig", &len);
    struct mst_envelope env;
    ck_assert_int_eq(
        mst_envelope_decode(MST_BYTES(data, len), NULL, &env, NULL), MST_OK);
    ck_assert_uint_eq(env.sig.len, 2);
    ck_assert_mem_eq(env.sig.ptr, "\x01\x02", 2);
    ck_assert_uint_eq(env.cert.len, 2);
    ck_assert_mem_eq(env.cert.ptr, "\x30\x00", 2);
    free(data);
    data = fixture_load("env_ok", &len);
    ck_assert_int_eq(
        mst_envelope_decode(MST_BYTES(data, len), NULL, &env, NULL), MST_OK);
    ck_assert_uint_eq(env.sig.len, 0);
    ck_assert_uint_eq(env.cert.len, 0);
    free(data);
}
END_TEST

START_TEST(encode_matches_fixture_bytes) {
    /* Fixed key order: our encoder writes what the fixture script wrote. */
    size_t len;
    uint8_t *data = fixture_load("env_ok_sig", &len);
    struct mst_envelope env;
    ck_assert_int_eq(
        mst_envelope_decode(MST_BYTES(data, len), NULL, &env, NULL), MST_OK);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_envelope_encode(&env, &out, NULL), MST_OK);
    ck_assert_uint_eq(out.len, len);
    ck_assert_mem_eq(out.data, data, len);
    mst_buf_free(&out);
    free(data);
}
END_TEST

START_TEST(encode_round_trip_and_nil) {
    struct mst_envelope env = {.payload = MST_BYTES("\x80", 1)};
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_envelope_encode(&env, &out, NULL), MST_OK);
    static const uint8_t want[] = {0x84, 0xa1, 'v', 0x01, 0xa7, 'p',  'a',
                                   'y',  'l',  'o', 'a',  'd',  0xc4, 0x01,
                                   0x80, 0xa3, 's', 'i',  'g',  0xc0, 0xa4,
                                   'c',  'e',  'r', 't',  0xc0};
    ck_assert_uint_eq(out.len, sizeof want);
    ck_assert_mem_eq(out.data, want, sizeof want);
    struct mst_envelope back;
    ck_assert_int_eq(mst_envelope_decode(mst_buf_view(&out), NULL, &back, NULL),
                     MST_OK);
    ck_assert_uint_eq(back.payload.len, 1);
    ck_assert_ptr_eq(back.payload.ptr, out.data + 14);
    mst_buf_free(&out);
}
END_TEST

START_TEST(encode_refuses) {
    struct mst_envelope env = {0};
    struct mst_buf out;
    mst_buf_init(&out, 16);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_envelope_encode(&env, &out, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "empty payload"));
    /* Too big for the buffer's cap: ETOOBIG and `out` untouched. */
    ck_assert_int_eq(mst_buf_append(&out, "keep", 4), MST_OK);
    env.payload = MST_BYTES("0123456789", 10);
    ck_assert_int_eq(mst_envelope_encode(&env, &out, &err), MST_ETOOBIG);
    ck_assert_uint_eq(out.len, 4);
    ck_assert_mem_eq(out.data, "keep", 4);
    mst_buf_free(&out);
}
END_TEST

START_TEST(custom_limits) {
    size_t len;
    uint8_t *data = fixture_load("env_ok", &len);
    struct mst_mpack_limits lim = {len - 1, 16, 1000};
    struct mst_envelope env;
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_envelope_decode(MST_BYTES(data, len), &lim, &env, &err),
        MST_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "envelope: "));
    free(data);
}
END_TEST

/* ---- security seam --------------------------------------------------- */

START_TEST(provider_names) {
    struct mst_security *sec = (struct mst_security *)1;
    struct mst_err err = {0};
    struct mst_security_options o = {.provider = "x509"};
    /* x509 is built; without its files it is a configuration error */
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "security.ca"));
    o.provider = "pgp";
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "\"pgp\""));
    o.provider = NULL;
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_ECONFIG);
    ck_assert_int_eq(mst_security_new(NULL, &sec, &err), MST_ECONFIG);
    ck_assert_ptr_eq(sec, (struct mst_security *)1);
    o.provider = "none";
    ck_assert_int_eq(mst_security_new(&o, &sec, &err), MST_OK);
    ck_assert_str_eq(mst_security_provider(sec), "none");
    mst_security_free(&sec);
    ck_assert_ptr_null(sec);
    mst_security_free(&sec);
    mst_security_free(NULL);
}
END_TEST

START_TEST(none_signs_nothing_and_trusts) {
    struct mst_security *sec = NULL;
    struct mst_security_options o = {.provider = "none",
                                     .role = MST_SECURITY_SERVER};
    ck_assert_int_eq(mst_security_new(&o, &sec, NULL), MST_OK);
    struct mst_envelope env = {.payload = MST_BYTES("\x80", 1),
                               .sig = MST_BYTES("x", 1),
                               .cert = MST_BYTES("y", 1)};
    struct mst_buf sig;
    mst_buf_init(&sig, 0);
    ck_assert_int_eq(mst_security_sign(sec, &env, &sig, NULL), MST_OK);
    ck_assert_uint_eq(env.sig.len, 0);
    ck_assert_uint_eq(env.cert.len, 0);
    ck_assert_uint_eq(sig.len, 0);
    char signer[MST_SIGNER_LEN] = "stale";
    ck_assert_int_eq(mst_security_verify(sec, &env, signer, NULL), MST_OK);
    ck_assert_str_eq(signer, "");

    /* seal + open through the seam. */
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_security_seal(sec, env.payload, &out, NULL), MST_OK);
    struct mst_envelope back;
    strcpy(signer, "stale");
    ck_assert_int_eq(
        mst_security_open(sec, mst_buf_view(&out), &back, signer, NULL),
        MST_OK);
    ck_assert_str_eq(signer, "");
    ck_assert_uint_eq(back.payload.len, 1);
    ck_assert_uint_eq(back.sig.len, 0);
    /* A broken envelope: no views, no signer. */
    out.len--;
    ck_assert_int_eq(
        mst_security_open(sec, mst_buf_view(&out), &back, signer, NULL),
        MST_EDECODE);
    ck_assert_ptr_null(back.payload.ptr);
    mst_buf_free(&out);
    mst_buf_free(&sig);
    mst_security_free(&sec);
}
END_TEST

START_TEST(seal_refuses_over_the_limit) {
    struct mst_security *sec = NULL;
    struct mst_security_options o = {.provider = "none"};
    ck_assert_int_eq(mst_security_new(&o, &sec, NULL), MST_OK);
    size_t n = MST_MPACK_DEFAULT_MAX_BYTES - 20;
    uint8_t *big = calloc(1, n);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_security_seal(sec, MST_BYTES(big, n), &out, &err),
                     MST_ETOOBIG);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(mst_security_seal(sec, MST_BYTES(big, 0), &out, &err),
                     MST_EINVAL);
    n -= 20;
    ck_assert_int_eq(mst_security_seal(sec, MST_BYTES(big, n), &out, &err),
                     MST_OK);
    ck_assert_uint_le(out.len, MST_MPACK_DEFAULT_MAX_BYTES);
    free(big);
    mst_buf_free(&out);
    mst_security_free(&sec);
}
END_TEST

int main(void) {
    Suite *s = suite_create("envelope");
    TCase *tc = tcase_create("envelope");
    tcase_add_loop_test(tc, fixture_decode, 0,
                        (int)(sizeof decode_cases / sizeof decode_cases[0]));
    tcase_add_test(tc, sig_and_cert_views);
    tcase_add_test(tc, encode_matches_fixture_bytes);
    tcase_add_test(tc, encode_round_trip_and_nil);
    tcase_add_test(tc, encode_refuses);
    tcase_add_test(tc, custom_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("security");
    tcase_add_test(tc, provider_names);
    tcase_add_test(tc, none_signs_nothing_and_trusts);
    tcase_add_test(tc, seal_refuses_over_the_limit);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
