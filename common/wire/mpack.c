/*
 * mpack.c - the hostile-input guard in front of msgpack-c, and the
 * conversions between msgpack objects and jansson values.
 */
#include "wire/mpack.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

const struct mst_mpack_limits mst_mpack_default_limits = {
    .max_bytes = MST_MPACK_DEFAULT_MAX_BYTES,
    .max_depth = MST_MPACK_DEFAULT_MAX_DEPTH,
    .max_elements = MST_MPACK_DEFAULT_MAX_ELEMENTS,
};

/* ---- pre-scan --------------------------------------------------------- */

enum kind { K_SCALAR, K_STR, K_BIN, K_ARRAY, K_MAP };

/* What one header says: its own size, the bytes after it, or a count. */
struct item {
    enum kind kind;
    size_t hdr;     /* type byte + length/count field */
    uint64_t body;  /* bytes following the header (scalars, str, bin) */
    uint64_t count; /* array items or map entries */
};

/* One open container during the scan. */
struct level {
    uint64_t left; /* elements still to come (a map entry counts twice) */
    int map;
};

static uint64_t read_be(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/*
 * Classify the single-byte forms (fixint, fixmap, fixarray, fixstr, nil,
 * bool).  Returns 1 when `b` was one of them.
 */
static int classify_fix(uint8_t b, struct item *it) {
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return 1;
    if (b <= 0x8f) {
        it->kind = K_MAP;
        it->count = b & 0x0f;
        return 1;
    }
    if (b <= 0x9f) {
        it->kind = K_ARRAY;
        it->count = b & 0x0f;
        return 1;
    }
    if (b <= 0xbf) {
        it->kind = K_STR;
        it->body = b & 0x1f;
        return 1;
    }
    return 0;
}

/*
 * Classify the forms with a length/count field or a fixed-size body.
 * Sets *lenbytes to the size of the length/count field (0 if none).
 * Returns 0, or -1 for EXT and -2 for the never-used byte 0xc1.
 */
static int classify_long(uint8_t b, struct item *it, size_t *lenbytes) {
    static const uint8_t fixed[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
    *lenbytes = 0;
    if (b >= 0xca && b <= 0xd3) { /* float32/64, uint8..64, int8..64 */
        it->body = fixed[b - 0xca];
        return 0;
    }
    switch (b) {
    case 0xc4:
    case 0xc5:
    case 0xc6: /* bin 8/16/32 */
        it->kind = K_BIN;
        *lenbytes = (size_t)1 << (b - 0xc4);
        return 0;
    case 0xd9:
    case 0xda:
    case 0xdb: /* str 8/16/32 */
        it->kind = K_STR;
        *lenbytes = (size_t)1 << (b - 0xd9);
        return 0;
    case 0xdc:
    case 0xdd: /* array 16/32 */
        it->kind = K_ARRAY;
        *lenbytes = b == 0xdc ? 2 : 4;
        return 0;
    case 0xde:
    case 0xdf: /* map 16/32 */
        it->kind = K_MAP;
        *lenbytes = b == 0xde ? 2 : 4;
        return 0;
    case 0xc1:
        return -2;
    default: /* 0xc7..0xc9 ext, 0xd4..0xd8 fixext */
        return -1;
    }
}

/* Read the header at `at` into `it`; check that it and its body fit. */
static int scan_header(const uint8_t *in, size_t len, size_t at,
                       struct item *it, struct mst_err *err) {
    uint8_t b = in[at];
    size_t lenbytes = 0;
    *it = (struct item){.kind = K_SCALAR, .hdr = 1};
    if (!classify_fix(b, it)) {
        int rc = classify_long(b, it, &lenbytes);
        if (rc == -1)
            return mst_err_set(err, MST_EDECODE,
                               "EXT type 0x%02x at offset %zu is not allowed",
                               b, at);
        if (rc == -2)
            return mst_err_set(err, MST_EDECODE,
                               "invalid type byte 0xc1 at offset %zu", at);
    }
    if (lenbytes > len - at - 1)
        return mst_err_set(err, MST_EDECODE, "truncated header at offset %zu",
                           at);
    it->hdr = 1 + lenbytes;
    if (lenbytes > 0) {
        uint64_t n = read_be(in + at + 1, lenbytes);
        if (it->kind == K_STR || it->kind == K_BIN)
            it->body = n;
        else
            it->count = n;
    }
    if (it->body > len - at - it->hdr)
        return mst_err_set(err, MST_EDECODE,
                           "truncated: value at offset %zu needs %" PRIu64
                           " bytes, %zu remain",
                           at, it->body, len - at - it->hdr);
    return MST_OK;
}

/*
 * Account for a container header that ends at `pos`: depth, declared count
 * against the bytes left (every element takes at least one byte), and the
 * running element budget.  Pushes the container unless it is empty.
 */
static int open_container(const struct item *it, size_t at, size_t pos,
                          size_t len, const struct mst_mpack_limits *lim,
                          unsigned max_depth, struct level *stack,
                          unsigned *depth, uint64_t *elements,
                          struct mst_err *err) {
    const char *what = it->kind == K_MAP ? "map" : "array";
    if (*depth + 1 > max_depth)
        return mst_err_set(err, MST_ETOODEEP,
                           "%s at offset %zu is nested deeper than %u", what,
                           at, max_depth);
    uint64_t items = it->kind == K_MAP ? it->count * 2 : it->count;
    if (items > len - pos)
        return mst_err_set(err, MST_EDECODE,
                           "%s at offset %zu declares %" PRIu64
                           " entries but only %zu bytes remain",
                           what, at, it->count, len - pos);
    *elements += it->count;
    if (*elements > lim->max_elements)
        return mst_err_set(err, MST_ETOOBIG,
                           "more than %zu elements in total (%s at offset "
                           "%zu)",
                           lim->max_elements, what, at);
    if (items > 0) {
        stack[*depth] = (struct level){.left = items, .map = it->kind == K_MAP};
        (*depth)++;
    }
    return MST_OK;
}

int mst_mpack_check(struct mst_bytes in, const struct mst_mpack_limits *lim,
                    struct mst_err *err) {
    if (lim == NULL)
        lim = &mst_mpack_default_limits;
    unsigned max_depth = lim->max_depth < MST_MPACK_DEPTH_HARD
                             ? lim->max_depth
                             : MST_MPACK_DEPTH_HARD;
    if (in.len > lim->max_bytes)
        return mst_err_set(err, MST_ETOOBIG,
                           "message of %zu bytes exceeds the limit of %zu",
                           in.len, lim->max_bytes);
    if (in.len == 0 || in.ptr == NULL)
        return mst_err_set(err, MST_EDECODE, "empty message");

    /* A fixed stack: the scan allocates nothing and cannot recurse. */
    struct level stack[MST_MPACK_DEPTH_HARD];
    unsigned depth = 0;
    uint64_t elements = 0;
    size_t pos = 0;
    do {
        if (pos >= in.len)
            return mst_err_set(err, MST_EDECODE,
                               "truncated at offset %zu: elements missing",
                               pos);
        struct item it;
        int rc = scan_header(in.ptr, in.len, pos, &it, err);
        if (rc != MST_OK)
            return rc;
        if (depth > 0) {
            struct level *top = &stack[depth - 1];
            if (top->map && top->left % 2 == 0 && it.kind != K_STR)
                return mst_err_set(err, MST_EDECODE,
                                   "map key at offset %zu is not a string",
                                   pos);
            top->left--;
        }
        size_t at = pos;
        pos += it.hdr + (size_t)it.body;
        if (it.kind == K_ARRAY || it.kind == K_MAP) {
            rc = open_container(&it, at, pos, in.len, lim, max_depth, stack,
                                &depth, &elements, err);
            if (rc != MST_OK)
                return rc;
        }
        while (depth > 0 && stack[depth - 1].left == 0)
            depth--;
    } while (depth > 0);
    if (pos != in.len)
        return mst_err_set(err, MST_EDECODE,
                           "trailing bytes: the value ends at offset %zu of "
                           "%zu",
                           pos, in.len);
    return MST_OK;
}

int mst_mpack_unpack(struct mst_bytes in, const struct mst_mpack_limits *lim,
                     msgpack_unpacked *u, struct mst_err *err) {
    int rc = mst_mpack_check(in, lim, err);
    if (rc != MST_OK)
        return rc;
    size_t off = 0;
    msgpack_unpack_return r =
        msgpack_unpack_next(u, (const char *)in.ptr, in.len, &off);
    switch (r) {
    case MSGPACK_UNPACK_SUCCESS:
        if (off != in.len) /* the check makes this unreachable */
            return mst_err_set(err, MST_EDECODE,
                               "trailing bytes after offset %zu", off);
        return MST_OK;
    case MSGPACK_UNPACK_NOMEM_ERROR:
        return mst_err_set(err, MST_ENOMEM,
                           "out of memory unpacking %zu "
                           "bytes",
                           in.len);
    case MSGPACK_UNPACK_CONTINUE:
        return mst_err_set(err, MST_EDECODE, "truncated message");
    default:
        return mst_err_set(err, MST_EDECODE, "msgpack-c refused the message");
    }
}

/* ---- msgpack -> JSON -------------------------------------------------- */

int mst_mpack_utf8_valid(const char *str, size_t len) {
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n > len - i - 1)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

static int to_json(const msgpack_object *o, const char *what, unsigned depth,
                   json_t **out_r, struct mst_err *err);

/*
 * msgpack-c 4.0 leaves ptr NULL for an empty fixstr (found by the fuzzer:
 * json_stringn(NULL, 0) fails), so never hand an empty str's ptr on.
 */
static const char *str_ptr(const msgpack_object *o) {
    return o->via.str.size > 0 ? o->via.str.ptr : "";
}

static int array_to_json(const msgpack_object *o, const char *what,
                         unsigned depth, json_t **out_r, struct mst_err *err) {
    json_t *arr = json_array();
    if (arr == NULL)
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", what);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        json_t *v;
        int rc = to_json(&o->via.array.ptr[i], what, depth + 1, &v, err);
        if (rc != MST_OK) {
            json_decref(arr);
            return rc;
        }
        if (json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            return mst_err_set(err, MST_ENOMEM, "%s: out of memory", what);
        }
    }
    *out_r = arr;
    return MST_OK;
}

/* Check one map key; the scan guarantees str keys only for checked input. */
static int check_key(const msgpack_object *k, const json_t *obj,
                     const char *what, struct mst_err *err) {
    if (k->type != MSGPACK_OBJECT_STR)
        return mst_err_set(err, MST_EDECODE, "%s: map key is not a string",
                           what);
    const char *p = str_ptr(k);
    size_t n = k->via.str.size;
    if (memchr(p, '\0', n) != NULL)
        return mst_err_set(err, MST_EDECODE, "%s: map key contains NUL", what);
    if (!mst_mpack_utf8_valid(p, n))
        return mst_err_set(err, MST_EDECODE, "%s: map key is not valid UTF-8",
                           what);
    if (json_object_getn(obj, p, n) != NULL)
        return mst_err_set(err, MST_EDECODE, "%s: duplicate key \"%.*s\"", what,
                           (int)(n > 64 ? 64 : n), p);
    return MST_OK;
}

static int map_to_json(const msgpack_object *o, const char *what,
                       unsigned depth, json_t **out_r, struct mst_err *err) {
    json_t *obj = json_object();
    if (obj == NULL)
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", what);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        json_t *v;
        int rc = check_key(&kv->key, obj, what, err);
        if (rc == MST_OK)
            rc = to_json(&kv->val, what, depth + 1, &v, err);
        if (rc != MST_OK) {
            json_decref(obj);
            return rc;
        }
        if (json_object_setn_new_nocheck(obj, str_ptr(&kv->key),
                                         kv->key.via.str.size, v) != 0) {
            json_decref(obj);
            return mst_err_set(err, MST_ENOMEM, "%s: out of memory", what);
        }
    }
    *out_r = obj;
    return MST_OK;
}

static int scalar_to_json(const msgpack_object *o, const char *what,
                          json_t **out_r, struct mst_err *err) {
    json_t *v = NULL;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        v = json_null();
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        v = json_boolean(o->via.boolean);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > INT64_MAX)
            return mst_err_set(err, MST_EDECODE,
                               "%s: integer %" PRIu64 " is out of range", what,
                               o->via.u64);
        v = json_integer((json_int_t)o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        v = json_integer((json_int_t)o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64))
            return mst_err_set(err, MST_EDECODE, "%s: non-finite number", what);
        v = json_real(o->via.f64);
        break;
    case MSGPACK_OBJECT_STR:
        if (!mst_mpack_utf8_valid(o->via.str.ptr, o->via.str.size))
            return mst_err_set(err, MST_EDECODE,
                               "%s: string is not valid UTF-8", what);
        /* checked just now, as strictly as jansson would again */
        v = json_stringn_nocheck(str_ptr(o), o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        return mst_err_set(err, MST_EDECODE,
                           "%s: binary data is not allowed here", what);
    default:
        return mst_err_set(err, MST_EDECODE,
                           "%s: msgpack type %d is not allowed here", what,
                           (int)o->type);
    }
    if (v == NULL)
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", what);
    *out_r = v;
    return MST_OK;
}

/* Recursion is bounded: inputs passed mst_mpack_check (depth <= 32). */
static int to_json(const msgpack_object *o, const char *what, unsigned depth,
                   json_t **out_r, struct mst_err *err) {
    if (depth > MST_MPACK_DEPTH_HARD)
        return mst_err_set(err, MST_ETOODEEP, "%s: nested too deeply", what);
    if (o->type == MSGPACK_OBJECT_ARRAY)
        return array_to_json(o, what, depth, out_r, err);
    if (o->type == MSGPACK_OBJECT_MAP)
        return map_to_json(o, what, depth, out_r, err);
    return scalar_to_json(o, what, out_r, err);
}

int mst_mpack_to_json(const msgpack_object *obj, const char *what,
                      json_t **out_r, struct mst_err *err) {
    return to_json(obj, what ? what : "value", 1, out_r, err);
}

/* ---- JSON -> msgpack -------------------------------------------------- */

static int sink_write(void *data, const char *buf, size_t len) {
    struct mst_mpack_sink *sink = data;
    int rc = mst_buf_append(sink->buf, buf, len);
    if (rc == MST_OK)
        return 0;
    if (sink->status == MST_OK)
        sink->status = rc;
    return -1;
}

void mst_mpack_sink_init(struct mst_mpack_sink *sink, msgpack_packer *pk,
                         struct mst_buf *buf) {
    sink->buf = buf;
    sink->status = MST_OK;
    msgpack_packer_init(pk, sink, sink_write);
}

int mst_mpack_sink_status(const struct mst_mpack_sink *sink, int fallback) {
    return sink->status != MST_OK ? sink->status : fallback;
}

/* How pack_json walks: its depth, and whether keys go in byte order. */
struct pack_walk {
    unsigned depth;
    bool sorted;
};

static int pack_json(msgpack_packer *pk, const json_t *v, struct pack_walk w);

/* One key of an object being packed in byte order. */
struct pack_member {
    const char *key;
    size_t len;
    json_t *val;
};

/* Byte order of two keys, a prefix first: the one order both the sorted
 * packer and mst_mpack_sorted use.  An empty key may have a NULL ptr. */
static int key_order(const char *a, size_t la, const char *b, size_t lb) {
    int c = la && lb ? memcmp(a, b, la < lb ? la : lb) : 0;
    return c != 0 ? c : (la > lb) - (la < lb);
}

static int member_cmp(const void *a, const void *b) {
    const struct pack_member *x = a, *y = b;
    return key_order(x->key, x->len, y->key, y->len);
}

static int pack_member(msgpack_packer *pk, const char *key, size_t len,
                       const json_t *val, struct pack_walk w) {
    if (msgpack_pack_str_with_body(pk, key, len) != 0)
        return MST_ENOMEM;
    w.depth++;
    return pack_json(pk, val, w);
}

/* The members of `obj` in byte order of their keys. */
static int pack_members_sorted(msgpack_packer *pk, json_t *obj, size_t n,
                               struct pack_walk w) {
    struct pack_member small[64];
    struct pack_member *m = n <= 64 ? small : malloc(n * sizeof *m);
    if (m == NULL)
        return MST_ENOMEM;
    size_t i = 0;
    for (void *it = json_object_iter(obj); it != NULL && i < n;
         it = json_object_iter_next(obj, it), i++)
        m[i] = (struct pack_member){json_object_iter_key(it),
                                    json_object_iter_key_len(it),
                                    json_object_iter_value(it)};
    qsort(m, i, sizeof *m, member_cmp);
    int rc = MST_OK;
    for (size_t j = 0; j < i && rc == MST_OK; j++)
        rc = pack_member(pk, m[j].key, m[j].len, m[j].val, w);
    if (m != small)
        free(m);
    return rc;
}

static int pack_object(msgpack_packer *pk, const json_t *v,
                       struct pack_walk w) {
    /* jansson's iterator API takes non-const objects but does not modify. */
    json_t *obj = (json_t *)v;
    size_t n = json_object_size(obj);
    if (n > UINT32_MAX)
        return MST_EINVAL;
    if (msgpack_pack_map(pk, n) != 0)
        return MST_ENOMEM;
    if (w.sorted)
        return pack_members_sorted(pk, obj, n, w);
    for (void *it = json_object_iter(obj); it != NULL;
         it = json_object_iter_next(obj, it)) {
        int rc = pack_member(pk, json_object_iter_key(it),
                             json_object_iter_key_len(it),
                             json_object_iter_value(it), w);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static int pack_array(msgpack_packer *pk, const json_t *v, struct pack_walk w) {
    size_t n = json_array_size(v);
    if (n > UINT32_MAX)
        return MST_EINVAL;
    if (msgpack_pack_array(pk, n) != 0)
        return MST_ENOMEM;
    w.depth++;
    for (size_t i = 0; i < n; i++) {
        int rc = pack_json(pk, json_array_get(v, i), w);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static int pack_json(msgpack_packer *pk, const json_t *v, struct pack_walk w) {
    int r;
    if (v == NULL || w.depth > MST_MPACK_DEPTH_HARD)
        return MST_EINVAL;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return pack_object(pk, v, w);
    case JSON_ARRAY:
        return pack_array(pk, v, w);
    case JSON_STRING:
        if (json_string_length(v) > UINT32_MAX)
            return MST_EINVAL;
        r = msgpack_pack_str_with_body(pk, json_string_value(v),
                                       json_string_length(v));
        break;
    case JSON_INTEGER:
        r = msgpack_pack_int64(pk, json_integer_value(v));
        break;
    case JSON_REAL:
        if (!isfinite(json_real_value(v)))
            return MST_EINVAL;
        r = msgpack_pack_double(pk, json_real_value(v));
        break;
    case JSON_TRUE:
        r = msgpack_pack_true(pk);
        break;
    case JSON_FALSE:
        r = msgpack_pack_false(pk);
        break;
    default:
        r = msgpack_pack_nil(pk);
        break;
    }
    return r == 0 ? MST_OK : MST_ENOMEM;
}

int mst_mpack_pack_json(msgpack_packer *pk, const json_t *v) {
    return pack_json(pk, v, (struct pack_walk){1, false});
}

int mst_mpack_pack_json_sorted(msgpack_packer *pk, const json_t *v) {
    return pack_json(pk, v, (struct pack_walk){1, true});
}

int mst_mpack_pack_cstr(msgpack_packer *pk, const char *s) {
    int r = s == NULL ? msgpack_pack_nil(pk)
                      : msgpack_pack_str_with_body(pk, s, strlen(s));
    return r == 0 ? MST_OK : MST_ENOMEM;
}

/* ---- canonical form ---------------------------------------------------- */

static int key_cmp(const msgpack_object *a, const msgpack_object *b) {
    return key_order(a->via.str.ptr, a->via.str.size, b->via.str.ptr,
                     b->via.str.size);
}

int mst_mpack_sorted(const msgpack_object *o) {
    switch (o->type) {
    case MSGPACK_OBJECT_FLOAT32:
        return 0;
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (!mst_mpack_sorted(&o->via.array.ptr[i]))
                return 0;
        return 1;
    case MSGPACK_OBJECT_MAP:
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR ||
                (i > 0 && key_cmp(&kv[-1].key, &kv->key) >= 0) ||
                !mst_mpack_sorted(&kv->val))
                return 0;
        }
        return 1;
    default:
        return 1;
    }
}

/* ---- field access ----------------------------------------------------- */

const msgpack_object *mst_mpack_map_find(const msgpack_object *map,
                                         const char *key) {
    if (map == NULL || map->type != MSGPACK_OBJECT_MAP || key == NULL)
        return NULL;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR &&
            kv->key.via.str.size == klen &&
            (klen == 0 || memcmp(kv->key.via.str.ptr, key, klen) == 0))
            return &kv->val;
    }
    return NULL;
}

int mst_mpack_dup_str(const msgpack_object *obj, const char *what, size_t max,
                      char **out_r, struct mst_err *err) {
    if (obj == NULL || obj->type != MSGPACK_OBJECT_STR)
        return mst_err_set(err, MST_EDECODE, "%s: not a string", what);
    const char *p = obj->via.str.ptr;
    size_t n = obj->via.str.size;
    if (n > max)
        return mst_err_set(err, MST_EDECODE, "%s: %zu bytes, longer than %zu",
                           what, n, max);
    if (n > 0 && memchr(p, '\0', n) != NULL)
        return mst_err_set(err, MST_EDECODE, "%s: contains NUL", what);
    if (!mst_mpack_utf8_valid(p, n))
        return mst_err_set(err, MST_EDECODE, "%s: not valid UTF-8", what);
    char *s = malloc(n + 1);
    if (s == NULL)
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", what);
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    *out_r = s;
    return MST_OK;
}

int mst_mpack_get_int(const msgpack_object *obj, const char *what, int64_t min,
                      int64_t max, int64_t *out_r, struct mst_err *err) {
    int64_t v;
    if (obj != NULL && obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (max < 0 || obj->via.u64 > (uint64_t)max)
            goto range;
        v = (int64_t)obj->via.u64;
    } else if (obj != NULL && obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        v = obj->via.i64;
    } else {
        return mst_err_set(err, MST_EDECODE, "%s: not an integer", what);
    }
    if (v < min || v > max)
        goto range;
    *out_r = v;
    return MST_OK;
range:
    return mst_err_set(err, MST_EDECODE,
                       "%s: out of range %" PRId64 "..%" PRId64, what, min,
                       max);
}

int mst_mpack_id_valid(const char *s) {
    if (s == NULL)
        return 0;
    for (size_t i = 0; i < MST_ID_LEN - 1; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return s[MST_ID_LEN - 1] == '\0';
}

int mst_mpack_get_id(const msgpack_object *obj, const char *what,
                     char id_r[MST_ID_LEN], struct mst_err *err) {
    if (obj == NULL || obj->type != MSGPACK_OBJECT_STR)
        return mst_err_set(err, MST_EDECODE, "%s: not a string", what);
    char id[MST_ID_LEN];
    if (obj->via.str.size != MST_ID_LEN - 1)
        return mst_err_set(err, MST_EDECODE,
                           "%s: %u characters, expected %d hex digits", what,
                           (unsigned)obj->via.str.size, MST_ID_LEN - 1);
    memcpy(id, obj->via.str.ptr, MST_ID_LEN - 1);
    id[MST_ID_LEN - 1] = '\0';
    if (!mst_mpack_id_valid(id))
        return mst_err_set(err, MST_EDECODE, "%s: not %d lowercase hex digits",
                           what, MST_ID_LEN - 1);
    memcpy(id_r, id, MST_ID_LEN);
    return MST_OK;
}

/*
 * Copy a peer-supplied key into `out` for an error message: at most 40
 * bytes, anything outside printable ASCII shown as '?', so that a hostile
 * key cannot forge log lines.
 */
static void printable_key(const msgpack_object *k, char out[44]) {
    if (k->type != MSGPACK_OBJECT_STR) {
        mst_strlcpy(out, "(not a string)", 44);
        return;
    }
    size_t n = k->via.str.size < 40 ? k->via.str.size : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k->via.str.ptr[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    mst_strlcpy(out + n, k->via.str.size > 40 ? "..." : "", 4);
}

static size_t field_index(const msgpack_object *k,
                          const struct mst_mpack_field *fields, size_t n) {
    if (k->type != MSGPACK_OBJECT_STR)
        return n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i].name);
        if (k->via.str.size == len &&
            memcmp(k->via.str.ptr, fields[i].name, len) == 0)
            return i;
    }
    return n;
}

int mst_mpack_read_fields(const msgpack_object *map,
                          const struct mst_mpack_field *fields, size_t n,
                          void *dst, const char *what, struct mst_err *err) {
    if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
        return mst_err_set(err, MST_EDECODE, "%s is not a map", what);
    if (n > 64)
        return mst_err_set(err, MST_EINVAL, "%s: too many fields", what);
    uint64_t seen = 0;
    char key[44];
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        size_t f = field_index(&kv->key, fields, n);
        if (f == n || (seen & ((uint64_t)1 << f))) {
            printable_key(&kv->key, key);
            return mst_err_set(err, MST_EDECODE, "%s: %s key \"%s\"", what,
                               f == n ? "unknown" : "duplicate", key);
        }
        seen |= (uint64_t)1 << f;
        int rc = fields[f].read(&kv->val, dst, err);
        if (rc != MST_OK)
            return rc;
    }
    for (size_t f = 0; f < n; f++)
        if (!(seen & ((uint64_t)1 << f)) &&
            fields[f].presence == MST_MPACK_REQUIRED)
            return mst_err_set(err, MST_EDECODE, "%s: missing \"%s\"", what,
                               fields[f].name);
    return MST_OK;
}

int mst_mpack_decode_fields(struct mst_bytes in,
                            const struct mst_mpack_limits *lim,
                            const struct mst_mpack_field *fields, size_t n,
                            void *dst, const char *what, struct mst_err *err) {
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = mst_mpack_unpack(in, lim, &u, err);
    if (rc != MST_OK)
        mst_err_prefix(err, "%s", what);
    else
        rc = mst_mpack_read_fields(&u.data, fields, n, dst, what, err);
    msgpack_unpacked_destroy(&u);
    return rc;
}

int mst_mpack_get_object(const msgpack_object *obj, const char *what,
                         json_t **out_r, struct mst_err *err) {
    if (obj == NULL || obj->type != MSGPACK_OBJECT_MAP)
        return mst_err_set(err, MST_EDECODE, "%s: not a map", what);
    return mst_mpack_to_json(obj, what, out_r, err);
}

int mst_mpack_encode(struct mst_buf *out, mst_mpack_pack_fn pack,
                     const void *obj, const char *what, struct mst_err *err) {
    size_t start = out->len;
    struct mst_mpack_sink sink;
    msgpack_packer pk;
    mst_mpack_sink_init(&sink, &pk, out);
    int rc = pack(&pk, obj);
    if (rc == MST_OK)
        return MST_OK;
    out->len = start;
    rc = rc == MST_ENOMEM ? mst_mpack_sink_status(&sink, rc) : rc;
    return mst_err_set(err, rc, "%s: cannot encode: %s", what,
                       mst_strerror(rc));
}
