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

#include "bytes.h"
#include "err.h"

struct mst_mpack_limits {
    size_t max_bytes;     /* whole input; MST_ETOOBIG above */
    unsigned max_depth;   /* nested containers; MST_ETOODEEP above */
    size_t max_elements;  /* all array items + map entries together */
};

/* The limits muster uses for every message off the wire. */
extern const struct mst_mpack_limits mst_mpack_default_limits;

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
 * in the result point into `in`, which must outlive their use.
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
 * keys, in jansson's iteration order).  Returns MST_OK or MST_ENOMEM.
 */
int mst_mpack_pack_json(msgpack_packer *pk, const json_t *v);

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
 * Refuses non-str, embedded NUL, and strings longer than `max` bytes.
 * `what` names the field.  On MST_OK the caller frees *out_r.
 */
int mst_mpack_dup_str(const msgpack_object *obj, const char *what, size_t max,
                      char **out_r, struct mst_err *err);

/*
 * mst_mpack_get_int - read a (positive or negative) integer object within
 * [min, max].  `what` names the field.
 */
int mst_mpack_get_int(const msgpack_object *obj, const char *what,
                      int64_t min, int64_t max, int64_t *out_r,
                      struct mst_err *err);

#endif
