/*
 * registration.h - the registration message a node publishes to the
 * C.registration fanout exchange (docs/protocol.md, docs/inventory.md).
 *
 *   { "sender", "time", "started", "version", "interval", "digest",
 *     "collectives", "facts", "classes", "agents" }
 *
 * A full registration carries facts, classes and agents; a "still here"
 * one carries none of the three (NULL here, absent on the wire) and only
 * the digest of the last full body, so an unchanged node sends a few
 * hundred bytes.  Sealed and opened exactly like a reply: signed by the
 * node's server certificate whose CN is `sender`.
 *
 * Contract between the daemon (server/registration.c, which seals), the
 * collector (client/lib, which opens and stores) and the store
 * (client/lib/store.h, which keeps what a registration says).
 */
#ifndef MST_REGISTRATION_H
#define MST_REGISTRATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "security/security.h"

/* SHA-256 in lower-case hex, plus NUL. */
#define MST_DIGEST_LEN 65

/* A registration.  Plain data owned by the struct; mst_registration_clear. */
struct mst_registration {
    char *sender;                /* node identity; = the certificate's CN */
    int64_t time_ms;             /* when it was sent */
    int64_t started_ms;          /* when the daemon started */
    char *version;               /* the daemon's version ("0.1.0") */
    int64_t interval_s;          /* the next one is due within this (0 = never:
                                    registration off after this one) */
    char digest[MST_DIGEST_LEN]; /* of facts, classes and agents */
    json_t *collectives;         /* array of strings, never NULL when valid */
    json_t *facts;               /* object, or NULL: "still here" */
    json_t *classes;             /* array of strings, or NULL with facts */
    json_t *agents; /* array of {"name","version"}, or NULL with facts */
    /* A full body the receiver already had (mst_registration_known): the
     * msgpack map {"agents", "classes", "facts"} its digest is over, with
     * facts, classes and agents NULL until mst_registration_expand; else
     * empty. */
    struct mst_buf body;
};

/*
 * What a receiver already stores, asked while a full registration is
 * decoded: has(ctx, sender, digest) is true when the body with that
 * digest is the one the receiver has for that sender.  Such a body is
 * checked against its digest and kept as bytes, not turned into jansson
 * values (which a receiver that has them would throw away).  Called from
 * the decoding thread.
 */
struct mst_registration_known {
    bool (*has)(void *ctx, const char *sender, const char *digest);
    void *ctx;
};

/* mst_registration_full - whether `reg` carries facts, classes, agents
 * (as values, or kept as bytes). */
bool mst_registration_full(const struct mst_registration *reg);

/* mst_registration_clear - free every owned field and zero the struct. */
void mst_registration_clear(struct mst_registration *reg);

/*
 * mst_registration_digest - the digest of facts, classes and agents into
 * `digest_r`: SHA-256 of their msgpack encoding with every object's keys
 * sorted, the form mst_registration_encode sends them in (and the bytes a
 * receiver checks it over; docs/protocol.md).  Returns MST_OK, or
 * MST_EINVAL for a value msgpack cannot carry, or MST_ENOMEM.
 */
int mst_registration_digest(const json_t *facts, const json_t *classes,
                            const json_t *agents, char digest_r[MST_DIGEST_LEN],
                            struct mst_err *err);

/*
 * mst_registration_check - MST_OK when every receiver would take `reg`
 * (the checks of encode: names, bounds, facts/classes/agents together),
 * else MST_EINVAL saying what is wrong.  The digest is not recomputed.
 */
int mst_registration_check(const struct mst_registration *reg,
                           struct mst_err *err);

/* mst_registration_encode - append the payload of `reg` to `out`. */
int mst_registration_encode(const struct mst_registration *reg,
                            struct mst_buf *out, struct mst_err *err);

/*
 * mst_registration_decode - parse an untrusted payload into `reg_r`
 * (zeroed by the caller); cleared on error.
 */
int mst_registration_decode(struct mst_bytes payload,
                            struct mst_registration *reg_r,
                            struct mst_err *err);

/* mst_registration_decode_known - as mst_registration_decode, but a body
 * `known` (or NULL) says the receiver has is kept as bytes. */
int mst_registration_decode_known(struct mst_bytes payload,
                                  const struct mst_registration_known *known,
                                  struct mst_registration *reg_r,
                                  struct mst_err *err);

/*
 * mst_registration_expand - turn a kept body (`body`) into facts, classes
 * and agents, checked as a decoded one is; nothing to do for any other
 * registration.  `body` is emptied.  Returns MST_OK, or MST_EDECODE /
 * MST_ENOMEM with the body's fields left NULL.
 */
int mst_registration_expand(struct mst_registration *reg, struct mst_err *err);

/* mst_registration_seal - encode, sign and wrap `reg` into `out`. */
int mst_registration_seal(struct mst_security *sec,
                          const struct mst_registration *reg,
                          struct mst_buf *out, struct mst_err *err);

/*
 * mst_registration_open - decode and verify an envelope, then the payload;
 * MST_ESECURITY also when the verified signer is not `sender`.  The
 * signer is copied into `signer_r` ("" under provider none).  With
 * `known` (or NULL), a body the receiver has is kept as bytes.
 */
int mst_registration_open(struct mst_security *sec, struct mst_bytes in,
                          const struct mst_registration_known *known,
                          struct mst_registration *reg_r,
                          char signer_r[MST_SIGNER_LEN], struct mst_err *err);

#endif
