/*
 * envelope.h - the outer layer of every muster message.
 *
 *   envelope = { "v": 1, "payload": <bin>, "sig": <bin|nil>, "cert": <bin|nil>
 * }
 *
 * The signature covers the exact payload bytes, so no canonical form is
 * needed.  The envelope knows nothing of what the payload means.
 */
#ifndef MST_ENVELOPE_H
#define MST_ENVELOPE_H

#include "base/bytes.h"
#include "base/err.h"
#include "wire/mpack.h"

#define MST_ENVELOPE_VERSION 1

/* Views of the parts; they point into the bytes given to decode. */
struct mst_envelope {
    struct mst_bytes payload;
    struct mst_bytes sig;  /* len 0 when nil */
    struct mst_bytes cert; /* len 0 when nil; DER */
};

/*
 * mst_envelope_decode - parse `in` (untrusted) into views.  Checks bounds
 * with `lim` (NULL = defaults), version 1, exactly the four known keys with
 * their types, no duplicates.  Returns MST_OK or MST_EDECODE/ETOOBIG/
 * ETOODEEP with the reason in `err`.  Allocates nothing that outlives the
 * call; `env_r` views point into `in`.  Thread-safe.
 */
int mst_envelope_decode(struct mst_bytes in, const struct mst_mpack_limits *lim,
                        struct mst_envelope *env_r, struct mst_err *err);

/*
 * mst_envelope_encode - append the encoded envelope to `out` (initialised by
 * the caller, who frees it).  Empty sig/cert are sent as nil.
 * Returns MST_OK, MST_ENOMEM or MST_ETOOBIG (out's cap).
 */
int mst_envelope_encode(const struct mst_envelope *env, struct mst_buf *out,
                        struct mst_err *err);

#endif
