/*
 * test_mpack.c - the pre-scan against hostile bytes, and the conversions.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "fixture.h"
#include "runner.h"
#include "wire/mpack.h"

/* What mst_mpack_check() says about each raw fixture (default limits). */
static const struct fixture_case check_cases[] = {
    {"bomb_array32_ff", MST_EDECODE},
    {"bomb_array32_0f", MST_EDECODE},
    {"bomb_map32_0f", MST_EDECODE},
    {"bomb_map32_ff", MST_EDECODE},
    {"bomb_array16_in_array", MST_EDECODE},
    {"bomb_map_half", MST_EDECODE},
    {"bomb_str32", MST_EDECODE},
    {"bomb_bin32", MST_EDECODE},
    {"invalid_c1", MST_EDECODE},
    {"truncated_map", MST_EDECODE},
    {"truncated_str", MST_EDECODE},
    {"truncated_uint64", MST_EDECODE},
    {"truncated_str16_header", MST_EDECODE},
    {"trailing_bytes", MST_EDECODE},
    {"trailing_after_map", MST_EDECODE},
    {"ext_fixext1", MST_EDECODE},
    {"ext8", MST_EDECODE},
    {"ext_timestamp", MST_EDECODE},
    {"ext_in_map", MST_EDECODE},
    {"key_int", MST_EDECODE},
    {"key_nil", MST_EDECODE},
    {"key_bin", MST_EDECODE},
    {"key_map", MST_EDECODE},
    {"key_second_entry_array", MST_EDECODE},
    {"deep16", MST_OK},
    {"deep17", MST_ETOODEEP},
    {"deep33", MST_ETOODEEP},
    {"deep17_maps", MST_ETOODEEP},
    {"ok_nil", MST_OK},
    {"fuzz_empty_str32", MST_OK},
    {"ok_scalars", MST_OK},
    {"env_ok", MST_OK},
    {"req_ok_nested", MST_OK},
    {"req_data_deep", MST_ETOODEEP},
    {"req_data_key_int", MST_EDECODE},
    {"req_data_ext", MST_EDECODE},
    {"env_cert_ext", MST_EDECODE},
};

#define N_CHECK_CASES (int)(sizeof check_cases / sizeof check_cases[0])

START_TEST(fixture_check) {
    const struct fixture_case *c = &check_cases[_i];
    size_t len;
    uint8_t *data = fixture_load(c->name, &len);
    struct mst_err err = {0};
    int rc = mst_mpack_check(MST_BYTES(data, len), NULL, &err);
    ck_assert_msg(rc == c->status, "%s: got %s (%s), want %s", c->name,
                  mst_status_name(rc), err.msg, mst_status_name(c->status));
    if (rc != MST_OK) {
        ck_assert_int_eq(err.code, rc);
        ck_assert_msg(strstr(err.msg, "offset") != NULL ||
                          strstr(err.msg, "empty") != NULL,
                      "%s: reason without an offset: %s", c->name, err.msg);
    }
    /* Whatever passes the check must unpack cleanly. */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int urc = mst_mpack_unpack(MST_BYTES(data, len), NULL, &u, NULL);
    ck_assert_int_eq(urc, c->status);
    msgpack_unpacked_destroy(&u);
    free(data);
}
END_TEST

START_TEST(bombs_name_the_offset_and_count) {
    static const uint8_t bomb[] = {0xdd, 0xff, 0x00, 0x00, 0x00};
    struct mst_err err = {0};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(bomb, 5), NULL, &err),
                     MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 0"));
    ck_assert_ptr_nonnull(strstr(err.msg, "4278190080"));
    static const uint8_t map[] = {0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(map, 6), NULL, &err),
                     MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "map"));
}
END_TEST

START_TEST(empty_and_null_input) {
    struct mst_err err = {0};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(NULL, 0), NULL, &err),
                     MST_EDECODE);
    ck_assert_str_eq(err.msg, "empty message");
    ck_assert_int_eq(mst_mpack_check(MST_BYTES("", 0), NULL, NULL),
                     MST_EDECODE);
}
END_TEST

/* A bin32 that makes the whole message exactly `total` bytes. */
static uint8_t *bin_of_total(size_t total) {
    uint8_t *p = calloc(1, total);
    ck_assert_ptr_nonnull(p);
    uint32_t n = (uint32_t)(total - 5);
    p[0] = 0xc6;
    p[1] = (uint8_t)(n >> 24);
    p[2] = (uint8_t)(n >> 16);
    p[3] = (uint8_t)(n >> 8);
    p[4] = (uint8_t)n;
    return p;
}

START_TEST(size_limit) {
    size_t max = MST_MPACK_DEFAULT_MAX_BYTES;
    uint8_t *ok = bin_of_total(max);
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(ok, max), NULL, NULL), MST_OK);
    free(ok);
    uint8_t *big = bin_of_total(max + 1);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(big, max + 1), NULL, &err),
                     MST_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "1048577"));
    free(big);
    struct mst_mpack_limits small = {16, 16, 100};
    static const uint8_t s17[17] = {0xc4, 15};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(s17, 17), &small, NULL),
                     MST_ETOOBIG);
}
END_TEST

/* An array32 of `n` nils. */
static uint8_t *nil_array(size_t n, size_t *len_r) {
    uint8_t *p = malloc(n + 5);
    ck_assert_ptr_nonnull(p);
    p[0] = 0xdd;
    p[1] = (uint8_t)(n >> 24);
    p[2] = (uint8_t)(n >> 16);
    p[3] = (uint8_t)(n >> 8);
    p[4] = (uint8_t)n;
    memset(p + 5, 0xc0, n);
    *len_r = n + 5;
    return p;
}

START_TEST(element_budget) {
    size_t len;
    uint8_t *p = nil_array(MST_MPACK_DEFAULT_MAX_ELEMENTS, &len);
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(p, len), NULL, NULL), MST_OK);
    free(p);
    p = nil_array(MST_MPACK_DEFAULT_MAX_ELEMENTS + 1, &len);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(p, len), NULL, &err),
                     MST_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "elements"));
    free(p);
    /* The budget is a running total over every container. */
    struct mst_mpack_limits lim = {1024, 16, 5};
    static const uint8_t three_arrays[] = {0x93, 0x91, 0xc0, 0x91,
                                           0xc0, 0x91, 0xc0};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(three_arrays, 7), &lim, NULL),
                     MST_ETOOBIG);
    lim.max_elements = 6;
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(three_arrays, 7), &lim, NULL),
                     MST_OK);
}
END_TEST

/* `levels` nested arrays, the innermost empty. */
static void nested(uint8_t *buf, unsigned levels) {
    memset(buf, 0x91, levels - 1);
    buf[levels - 1] = 0x90;
}

START_TEST(depth_limits_match_msgpack_c) {
    uint8_t buf[40];
    struct mst_mpack_limits lim = {1024, 32, 1000};
    nested(buf, 32);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(mst_mpack_unpack(MST_BYTES(buf, 32), &lim, &u, NULL),
                     MST_OK);
    msgpack_unpacked_destroy(&u);
    nested(buf, 33);
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(buf, 33), &lim, NULL),
                     MST_ETOODEEP);
    /* Above msgpack-c's own stack, the limit is clamped to it. */
    lim.max_depth = 1000;
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(buf, 33), &lim, NULL),
                     MST_ETOODEEP);
    /* Empty containers count as a level, as in msgpack-c. */
    lim.max_depth = 2;
    static const uint8_t two[] = {0x91, 0x90};
    static const uint8_t three[] = {0x91, 0x91, 0x80};
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(two, 2), &lim, NULL), MST_OK);
    ck_assert_int_eq(mst_mpack_check(MST_BYTES(three, 3), &lim, NULL),
                     MST_ETOODEEP);
}
END_TEST

START_TEST(unpack_points_into_input) {
    static const uint8_t in[] = {0x82, 0xa1, 'a',  0xa3, 'x',  'y', 'z',
                                 0xa1, 'b',  0xc4, 0x02, 0x01, 0x02};
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(mst_mpack_unpack(MST_BYTES(in, sizeof in), NULL, &u, NULL),
                     MST_OK);
    const msgpack_object *a = mst_mpack_map_find(&u.data, "a");
    const msgpack_object *b = mst_mpack_map_find(&u.data, "b");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_eq(a->via.str.ptr, (const char *)in + 4);
    ck_assert_ptr_eq(b->via.bin.ptr, (const char *)in + 11);
    ck_assert_ptr_null(mst_mpack_map_find(&u.data, "c"));
    ck_assert_ptr_null(mst_mpack_map_find(&u.data, ""));
    ck_assert_ptr_null(mst_mpack_map_find(a, "a"));
    msgpack_unpacked_destroy(&u);
}
END_TEST

/* Unpack `in` (which must pass the check) and convert it. */
static int json_of(const void *in, size_t len, json_t **out,
                   struct mst_err *err) {
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = mst_mpack_unpack(MST_BYTES(in, len), NULL, &u, err);
    ck_assert_int_eq(rc, MST_OK);
    rc = mst_mpack_to_json(&u.data, "t", out, err);
    msgpack_unpacked_destroy(&u);
    return rc;
}

START_TEST(to_json_scalars) {
    size_t len;
    uint8_t *data = fixture_load("ok_scalars", &len);
    json_t *j = NULL;
    struct mst_err err = {0};
    /* 2^64-1 is in the fixture: refused as a whole. */
    ck_assert_int_eq(json_of(data, len, &j, &err), MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "18446744073709551615"));
    free(data);

    static const uint8_t ok[] = {
        0x9a, 0xc0, 0xc3, 0xc2, 0x05, 0xff, 0xd3, 0x80, 0,    0,    0,
        0,    0,    0,    0,    0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xca, 0x3f, 0xc0, 0,    0,    0xa2, 0xc3, 0xa9, 0xa0};
    ck_assert_int_eq(json_of(ok, sizeof ok, &j, &err), MST_OK);
    json_t *want =
        json_pack("[n,b,b,i,i,I,I,f,s,s]", 1, 0, 5, -1, (json_int_t)INT64_MIN,
                  (json_int_t)INT64_MAX, 1.5, "\xc3\xa9", "");
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(json_equal(j, want), "got %s", json_dumps(j, JSON_COMPACT));
    json_decref(j);
    json_decref(want);
}
END_TEST

/* Each of these must be refused by to_json with EDECODE. */
static const struct {
    const char *why;
    size_t len;
    uint8_t bytes[16];
} bad_json[] = {
    {"bin", 3, {0xc4, 0x01, 0x00}},
    {"bin in map", 6, {0x81, 0xa1, 'x', 0xc4, 0x01, 0x00}},
    {"duplicate", 7, {0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02}},
    {"NUL", 5, {0x81, 0xa2, 'a', 0x00, 0x01}},
    {"UTF-8", 3, {0xa2, 0xc3, 0x28}},
    {"UTF-8", 4, {0x81, 0xa1, 0xff, 0x01}},
    {"UTF-8", 4, {0xa3, 0xed, 0xa0, 0x80}},
    {"out of range", 9, {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}},
    {"non-finite", 9, {0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}},
    {"non-finite", 5, {0xca, 0x7f, 0x80, 0, 0}},
};

START_TEST(to_json_refuses) {
    json_t *j = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(json_of(bad_json[_i].bytes, bad_json[_i].len, &j, &err),
                     MST_EDECODE);
    ck_assert_ptr_null(j);
    ck_assert_ptr_nonnull(strstr(err.msg, "t: "));
    if (strcmp(bad_json[_i].why, "NUL") == 0)
        ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
    else if (strcmp(bad_json[_i].why, "bin in map") == 0)
        ck_assert_ptr_nonnull(strstr(err.msg, "binary"));
    else
        ck_assert_msg(strstr(err.msg, bad_json[_i].why) != NULL, "%s vs %s",
                      err.msg, bad_json[_i].why);
}
END_TEST

START_TEST(to_json_refuses_ext_and_nonstr_keys) {
    /* These never pass the check; build the objects by hand. */
    msgpack_object ext = {.type = MSGPACK_OBJECT_EXT};
    ext.via.ext.type = 1;
    ext.via.ext.size = 0;
    json_t *j = NULL;
    ck_assert_int_eq(mst_mpack_to_json(&ext, "e", &j, NULL), MST_EDECODE);
    msgpack_object_kv kv = {.key = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER}};
    kv.val.type = MSGPACK_OBJECT_NIL;
    msgpack_object map = {.type = MSGPACK_OBJECT_MAP};
    map.via.map.size = 1;
    map.via.map.ptr = &kv;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_mpack_to_json(&map, "m", &j, &err), MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a string"));
    ck_assert_ptr_null(j);
}
END_TEST

START_TEST(pack_json_round_trip) {
    json_t *v = json_loads(
        "{\"s\":\"h\\u00e9 \\u0000 nul\",\"i\":-9223372036854775808,"
        "\"u\":9223372036854775807,\"r\":-0.25,\"t\":true,\"f\":false,"
        "\"n\":null,\"a\":[[],{},[1,[2,[3]]]],\"o\":{\"k\":{\"k\":{}}},"
        "\"\":\"empty key\"}",
        JSON_ALLOW_NUL, NULL);
    ck_assert_ptr_nonnull(v);
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, &buf);
    ck_assert_int_eq(mst_mpack_pack_json(&pk, v), MST_OK);
    json_t *back = NULL;
    ck_assert_int_eq(json_of(buf.data, buf.len, &back, NULL), MST_OK);
    ck_assert(json_equal(v, back));
    json_decref(back);
    json_decref(v);
    mst_buf_free(&buf);
}
END_TEST

/* Pack `v` sorted into `buf` (reset first). */
static void pack_sorted(const json_t *v, struct mst_buf *buf) {
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    buf->len = 0;
    mst_mpack_sink_init(&sink, &pk, buf);
    ck_assert_int_eq(mst_mpack_pack_json_sorted(&pk, v), MST_OK);
}

/*
 * Sorted packing gives one byte string per value, whatever order its keys
 * were added in, at every depth and past the 64 keys kept on the stack;
 * keys are in byte order, a prefix first.
 */
START_TEST(pack_json_sorted_is_canonical) {
    json_t *up = json_object(), *down = json_object();
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%03d", i);
        json_object_set_new(up, key, json_pack("{s:i,s:i}", "b", i, "a", i));
        snprintf(key, sizeof key, "k%03d", 99 - i);
        json_object_set_new(down, key,
                            json_pack("{s:i,s:i}", "a", 99 - i, "b", 99 - i));
    }
    struct mst_buf a, b;
    mst_buf_init(&a, 0);
    mst_buf_init(&b, 0);
    pack_sorted(up, &a);
    pack_sorted(down, &b);
    ck_assert(json_equal(up, down));
    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.data, b.data, a.len) == 0);
    /* {"ab", "a", "b"} goes out as a, ab, b */
    json_t *pre = json_pack("{s:i,s:i,s:i}", "ab", 1, "a", 2, "b", 3);
    pack_sorted(pre, &a);
    static const uint8_t want[] = {0x83, 0xa1, 'a',  2,   0xa2, 'a',
                                   'b',  1,    0xa1, 'b', 3};
    ck_assert_uint_eq(a.len, sizeof want);
    ck_assert(memcmp(a.data, want, sizeof want) == 0);
    json_decref(pre);
    json_decref(up);
    json_decref(down);
    mst_buf_free(&a);
    mst_buf_free(&b);
}
END_TEST

START_TEST(to_json_empty_strings) {
    /* msgpack-c gives an empty fixstr a NULL ptr (fuzzer finding). */
    static const uint8_t in[] = {0x82, 0xa0, 0xa0, 0xa1, 'e',
                                 0xdb, 0x00, 0x00, 0x00, 0x00};
    json_t *j = NULL;
    ck_assert_int_eq(json_of(in, sizeof in, &j, NULL), MST_OK);
    ck_assert_str_eq(json_string_value(json_object_get(j, "")), "");
    ck_assert_str_eq(json_string_value(json_object_get(j, "e")), "");
    json_decref(j);
}
END_TEST

START_TEST(pack_json_limits) {
    /* Too deep for any receiver, and a cycle, stop at the depth bound. */
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < MST_MPACK_DEPTH_HARD; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, &buf);
    ck_assert_int_eq(mst_mpack_pack_json(&pk, root), MST_EINVAL);
    json_decref(root);
    ck_assert_int_eq(mst_mpack_pack_json(&pk, NULL), MST_EINVAL);
    mst_buf_free(&buf);

    /* A capped buffer: the sink remembers ETOOBIG. */
    mst_buf_init(&buf, 8);
    mst_mpack_sink_init(&sink, &pk, &buf);
    json_t *s = json_string("a string longer than eight bytes");
    ck_assert_int_eq(mst_mpack_pack_json(&pk, s), MST_ENOMEM);
    ck_assert_int_eq(mst_mpack_sink_status(&sink, MST_ENOMEM), MST_ETOOBIG);
    json_decref(s);
    mst_buf_free(&buf);
}
END_TEST

START_TEST(pack_cstr) {
    struct mst_buf buf;
    mst_buf_init(&buf, 0);
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, &buf);
    ck_assert_int_eq(mst_mpack_pack_cstr(&pk, NULL), MST_OK);
    ck_assert_int_eq(mst_mpack_pack_cstr(&pk, "ab"), MST_OK);
    ck_assert_uint_eq(buf.len, 4);
    ck_assert_mem_eq(buf.data,
                     "\xc0\xa2"
                     "ab",
                     4);
    ck_assert_int_eq(sink.status, MST_OK);
    mst_buf_free(&buf);
}
END_TEST

static msgpack_object str_obj(const char *p, uint32_t n) {
    msgpack_object o = {.type = MSGPACK_OBJECT_STR};
    o.via.str.ptr = p;
    o.via.str.size = n;
    return o;
}

START_TEST(dup_str) {
    char *s = NULL;
    struct mst_err err = {0};
    msgpack_object o = str_obj("hello", 5);
    ck_assert_int_eq(mst_mpack_dup_str(&o, "f", 5, &s, &err), MST_OK);
    ck_assert_str_eq(s, "hello");
    free(s);
    s = NULL;
    ck_assert_int_eq(mst_mpack_dup_str(&o, "f", 4, &s, &err), MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "longer than 4"));
    o = str_obj("he\0lo", 5);
    ck_assert_int_eq(mst_mpack_dup_str(&o, "f", 5, &s, &err), MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
    o = str_obj("h\xff", 2);
    ck_assert_int_eq(mst_mpack_dup_str(&o, "f", 5, &s, &err), MST_EDECODE);
    o = str_obj("", 0);
    ck_assert_int_eq(mst_mpack_dup_str(&o, "f", 5, &s, &err), MST_OK);
    ck_assert_str_eq(s, "");
    free(s);
    s = NULL;
    o.type = MSGPACK_OBJECT_BIN;
    ck_assert_int_eq(mst_mpack_dup_str(&o, "f", 5, &s, &err), MST_EDECODE);
    ck_assert_str_eq(err.msg, "f: not a string");
    ck_assert_int_eq(mst_mpack_dup_str(NULL, "f", 5, &s, &err), MST_EDECODE);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(get_int) {
    int64_t v = 7;
    msgpack_object o = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER};
    o.via.u64 = 10;
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", 0, 10, &v, NULL), MST_OK);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", 0, 9, &v, NULL), MST_EDECODE);
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", -5, -1, &v, NULL), MST_EDECODE);
    o.via.u64 = UINT64_MAX;
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", 0, INT64_MAX, &v, NULL),
                     MST_EDECODE);
    o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    o.via.i64 = -3;
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", -3, 3, &v, NULL), MST_OK);
    ck_assert_int_eq(v, -3);
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", 0, 3, &v, NULL), MST_EDECODE);
    o.type = MSGPACK_OBJECT_FLOAT64;
    o.via.f64 = 1.0;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_mpack_get_int(&o, "n", 0, 3, &v, &err), MST_EDECODE);
    ck_assert_str_eq(err.msg, "n: not an integer");
    ck_assert_int_eq(v, -3);
}
END_TEST

START_TEST(utf8) {
    ck_assert(mst_mpack_utf8_valid("", 0));
    ck_assert(mst_mpack_utf8_valid("plain", 5));
    ck_assert(mst_mpack_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    ck_assert(mst_mpack_utf8_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
    ck_assert(!mst_mpack_utf8_valid("\xf4\x90\x80\x80", 4)); /* too big */
    ck_assert(!mst_mpack_utf8_valid("\xc0\xaf", 2));         /* overlong */
    ck_assert(!mst_mpack_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    ck_assert(!mst_mpack_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    ck_assert(!mst_mpack_utf8_valid("\xc3", 1));             /* truncated */
    ck_assert(!mst_mpack_utf8_valid("\x80", 1));             /* stray */
    ck_assert(!mst_mpack_utf8_valid("\xe2\x82\x41", 3));
}
END_TEST

START_TEST(ids) {
    ck_assert(mst_mpack_id_valid("0123456789abcdef0123456789abcdef"));
    ck_assert(!mst_mpack_id_valid("0123456789ABCDEF0123456789abcdef"));
    ck_assert(!mst_mpack_id_valid("0123456789abcdef0123456789abcde"));
    ck_assert(!mst_mpack_id_valid("0123456789abcdef0123456789abcdef0"));
    ck_assert(!mst_mpack_id_valid(NULL));
    char id[MST_ID_LEN] = "unchanged";
    msgpack_object o = str_obj("0123456789abcdef0123456789abcdeg", 32);
    ck_assert_int_eq(mst_mpack_get_id(&o, "id", id, NULL), MST_EDECODE);
    ck_assert_str_eq(id, "unchanged");
    o = str_obj("0123456789abcdef0123456789abcdef", 32);
    ck_assert_int_eq(mst_mpack_get_id(&o, "id", id, NULL), MST_OK);
    ck_assert_str_eq(id, "0123456789abcdef0123456789abcdef");
}
END_TEST

int main(void) {
    Suite *s = suite_create("mpack");
    TCase *tc = tcase_create("check");
    tcase_add_loop_test(tc, fixture_check, 0, N_CHECK_CASES);
    tcase_add_test(tc, bombs_name_the_offset_and_count);
    tcase_add_test(tc, empty_and_null_input);
    tcase_add_test(tc, size_limit);
    tcase_add_test(tc, element_budget);
    tcase_add_test(tc, depth_limits_match_msgpack_c);
    tcase_add_test(tc, unpack_points_into_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("convert");
    tcase_add_test(tc, to_json_scalars);
    tcase_add_loop_test(tc, to_json_refuses, 0,
                        (int)(sizeof bad_json / sizeof bad_json[0]));
    tcase_add_test(tc, to_json_refuses_ext_and_nonstr_keys);
    tcase_add_test(tc, to_json_empty_strings);
    tcase_add_test(tc, pack_json_round_trip);
    tcase_add_test(tc, pack_json_sorted_is_canonical);
    tcase_add_test(tc, pack_json_limits);
    tcase_add_test(tc, pack_cstr);
    tcase_add_test(tc, dup_str);
    tcase_add_test(tc, get_int);
    tcase_add_test(tc, utf8);
    tcase_add_test(tc, ids);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
