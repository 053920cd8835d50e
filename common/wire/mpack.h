/*
 * mpack.h - MessagePack helpers over msgpack-c that treat bytes as hostile.
 *
 * msgpack-c preallocates containers from the counts the input declares and
 * has no limits of its own, so every untrusted buffer goes through
 * mst_mpack_check() first: an iterative pre-scan of the raw bytes that
 * bounds size, depth and element counts before msgpack-c sees them.  After a
 * successful check msgpack-c allocates at most ~48 bytes per input byte.
 */
#ifndef MST_MPACK_H
#define MST_MPACK_H

#include <jansson.h>
#include <msgpack.h>
#include <stddef.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/util.h"

struct mst_mpack_limits {
    size_t max_bytes;    /* whole input; MST_ETOOBIG above */
    unsigned max_depth;  /* nested containers; MST_ETOODEEP above */
    size_t max_elements; /* all array items + map entries together */
};

/*
 * msgpack-c's own nesting limit (MSGPACK_EMBED_STACK_SIZE): a max_depth
 * above it is treated as this value, so that the check never passes what
 * msgpack-c would then refuse.
 */
#define MST_MPACK_DEPTH_HARD 32

/* Defaults: 1 MiB, 16 nested containers, 65536 elements. */
#define MST_MPACK_DEFAULT_MAX_BYTES ((size_t)1 << 20)
#define MST_MPACK_DEFAULT_MAX_DEPTH 16
#define MST_MPACK_DEFAULT_MAX_ELEMENTS 65536

/* The limits muster uses for every message off the wire (the defaults). */
extern const struct mst_mpack_limits mst_mpack_default_limits;

/*
 * A msgpack-c packer target that appends to a capped struct mst_buf and
 * remembers why a write failed (msgpack-c only sees -1).  The buffer stays
 * owned by the caller.  Use:
 *     struct mst_mpack_sink sink; msgpack_packer pk;
 *     mst_mpack_sink_init(&sink, &pk, out);
 *     if (msgpack_pack_...(&pk, ...) != 0) return sink.status;
 */
struct mst_mpack_sink {
    struct mst_buf *buf; /* not owned */
    int status;          /* MST_OK, or the first append failure */
};

/* mst_mpack_sink_init - point `pk` at `buf` through `sink`. */
void mst_mpack_sink_init(struct mst_mpack_sink *sink, msgpack_packer *pk,
                         struct mst_buf *buf);

/*
 * mst_mpack_sink_status - the status to report after a pack call failed:
 * the sink's recorded failure (MST_ETOOBIG, MST_ENOMEM) or `fallback`.
 */
int mst_mpack_sink_status(const struct mst_mpack_sink *sink, int fallback);

/* Packs one object (a request, a reply) into a packer. */
typedef int (*mst_mpack_pack_fn)(msgpack_packer *pk, const void *obj);

/*
 * mst_mpack_encode - append `obj` packed by `pack` to `out`.  On failure
 * `out` is as it was and `err` says "WHAT: cannot encode: reason".
 * Returns MST_OK, MST_ENOMEM, MST_ETOOBIG or what `pack` returned.
 */
int mst_mpack_encode(struct mst_buf *out, mst_mpack_pack_fn pack,
                     const void *obj, const char *what, struct mst_err *err);

/*
 * mst_mpack_check - verify that `in` holds exactly one well-formed
 * MessagePack value within `lim` (or the defaults when `lim` is NULL),
 * with no trailing bytes, no EXT types, and only string map keys.
 * Returns MST_OK, or MST_EDECODE / MST_ETOOBIG / MST_ETOODEEP with the byte
 * offset and reason in `err`.  Allocates nothing.  Thread-safe.
 */
int mst_mpack_check(struct mst_bytes in, const struct mst_mpack_limits *lim,
                    struct mst_err *err);

/*
 * mst_mpack_unpack - check `in` as above, then unpack it with msgpack-c into
 * `u` (which the caller has initialised with msgpack_unpacked_init and must
 * release with msgpack_unpacked_destroy, also on error).  Strings and bins
 * in the result point into `in`, which must outlive their use; an empty str
 * or bin may have a NULL ptr (msgpack-c 4.0 does that for fixstr).
 * Returns what mst_mpack_check returns, or MST_ENOMEM.
 */
int mst_mpack_unpack(struct mst_bytes in, const struct mst_mpack_limits *lim,
                     msgpack_unpacked *u, struct mst_err *err);

/*
 * mst_mpack_to_json - convert a msgpack object to a new jansson value.
 * Maps become objects (keys must be strings without NUL; duplicate keys are
 * an error), arrays arrays, str strings (valid UTF-8 only), integers
 * integers (uint64 above INT64_MAX is an error), floats reals, nil null.
 * BIN and EXT are refused.  `what` names the field for error messages.
 * On MST_OK the caller owns *out_r (json_decref).
 */
int mst_mpack_to_json(const msgpack_object *obj, const char *what,
                      json_t **out_r, struct mst_err *err);

/*
 * mst_mpack_pack_json - append `v` to the packer (objects as maps with str
 * keys, in jansson's iteration order).  Returns MST_OK, MST_ENOMEM (the
 * packer's write failed) or MST_EINVAL (nested deeper than
 * MST_MPACK_DEPTH_HARD, which also stops a cyclic value, or a non-finite
 * real).
 */
int mst_mpack_pack_json(msgpack_packer *pk, const json_t *v);

/*
 * mst_mpack_pack_json_sorted - as mst_mpack_pack_json, but every object's
 * keys in byte order (shorter first on a common prefix): the same value
 * packs to the same bytes whatever order its keys were added in.
 */
int mst_mpack_pack_json_sorted(msgpack_packer *pk, const json_t *v);

/*
 * mst_mpack_sorted - whether decoded `o` is in the form
 * mst_mpack_pack_json_sorted writes, as far as repacking it would not
 * show: every map's keys strings in strictly increasing byte order (so no
 * key twice), no float32.  (Shortest forms are what msgpack-c repacks
 * anyway.)  Recursion is bounded by mst_mpack_check's depth limit.
 */
int mst_mpack_sorted(const msgpack_object *o);

/*
 * mst_mpack_pack_cstr - append a str (or nil for NULL).  Returns MST_OK or
 * MST_ENOMEM.
 */
int mst_mpack_pack_cstr(msgpack_packer *pk, const char *s);

/*
 * mst_mpack_map_find - the value of key `key` in map object `map`, or NULL
 * if absent (or `map` is not a map).
 */
const msgpack_object *mst_mpack_map_find(const msgpack_object *map,
                                         const char *key);

/*
 * mst_mpack_dup_str - copy a str object into a new NUL-terminated string.
 * Refuses non-str, embedded NUL, invalid UTF-8 and strings longer than
 * `max` bytes (MST_EDECODE).
 * `what` names the field.  On MST_OK the caller frees *out_r.
 */
int mst_mpack_dup_str(const msgpack_object *obj, const char *what, size_t max,
                      char **out_r, struct mst_err *err);

/*
 * mst_mpack_get_object - convert a map object into a new JSON object with
 * mst_mpack_to_json's rules; anything but a map is MST_EDECODE.  On MST_OK
 * the caller owns *out_r (json_decref).
 */
int mst_mpack_get_object(const msgpack_object *obj, const char *what,
                         json_t **out_r, struct mst_err *err);

/*
 * mst_mpack_get_int - read a (positive or negative) integer object within
 * [min, max].  `what` names the field.  Returns MST_OK or MST_EDECODE
 * (not an integer, or out of range).
 */
int mst_mpack_get_int(const msgpack_object *obj, const char *what, int64_t min,
                      int64_t max, int64_t *out_r, struct mst_err *err);

/*
 * mst_mpack_id_valid - true if `s` is exactly MST_ID_LEN - 1 (32)
 * lowercase hex digits.  NULL is not valid.
 */
int mst_mpack_id_valid(const char *s);

/*
 * mst_mpack_get_id - copy a str object holding a request id (32 lowercase
 * hex digits, nothing else) into `id_r`.  Returns MST_OK or MST_EDECODE.
 */
int mst_mpack_get_id(const msgpack_object *obj, const char *what,
                     char id_r[MST_ID_LEN], struct mst_err *err);

/* Whether a field of a fixed schema must be present. */
enum mst_mpack_presence {
    MST_MPACK_REQUIRED = 0,
    MST_MPACK_OPTIONAL = 1, /* a later addition that older peers omit */
};

/*
 * One known key of a map with a fixed schema, the function that decodes
 * its value into `dst` (a struct of the caller's), and whether it may be
 * absent (then read() is not called and `dst` keeps what it held).
 */
struct mst_mpack_field {
    const char *name;
    int (*read)(const msgpack_object *val, void *dst, struct mst_err *err);
    enum mst_mpack_presence presence;
};

/*
 * mst_mpack_read_fields - walk map `map` against `fields` (at most 64):
 * every key must be a known field name and appear once, every required
 * field must be present; each value goes to its field's read().  `what` names
 * the map in messages ("request").  Returns MST_OK, MST_EDECODE, or the first
 * failure of a read() (whose message it keeps).  What read() stored in
 * `dst` before a failure is the caller's to release.
 */
int mst_mpack_read_fields(const msgpack_object *map,
                          const struct mst_mpack_field *fields, size_t n,
                          void *dst, const char *what, struct mst_err *err);

/*
 * mst_mpack_decode_fields - unpack `in` (mst_mpack_unpack with `lim`, NULL
 * for the defaults) and read its map with mst_mpack_read_fields.  Strings
 * a read() copies are the caller's; bin views it stores point into `in`,
 * not into memory freed here.  Returns as those two; messages start with
 * `what`.  What read() stored in `dst` is the caller's to release, also
 * on failure.
 */
int mst_mpack_decode_fields(struct mst_bytes in,
                            const struct mst_mpack_limits *lim,
                            const struct mst_mpack_field *fields, size_t n,
                            void *dst, const char *what, struct mst_err *err);

/*
 * mst_mpack_utf8_valid - true if `s` holds `len` bytes of valid UTF-8
 * (no overlong forms, surrogates or code points above U+10FFFF).
 */
int mst_mpack_utf8_valid(const char *s, size_t len);

#endif
