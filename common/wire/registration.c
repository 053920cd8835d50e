/*
 * registration.c - the registration payload: strict decode, validated
 * encode, the canonical digest, and sealing into / opening from an
 * envelope (docs/protocol.md, "Registration").
 *
 * A full registration and a "still here" one differ only in whether
 * facts, classes and agents are there, so each has its own field table:
 * the decoder picks the table by the presence of "facts" and every key of
 * that table must then appear exactly once.
 */
#include "wire/registration.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "wire/mpack.h"
#include "wire/request.h" /* MST_IDENTITY_MAX, MST_NAME_MAX */

/* Bounds a receiver applies; the message limit bounds the total. */
#define VERSION_MAX 64     /* the daemon's and each agent's version */
#define CLASS_MAX 1024     /* one class name, in bytes */
#define COLLECTIVES_MAX 64 /* a node in more is misconfigured */
#define INTERVAL_MAX 86400 /* registration.interval's upper bound */
#define DIGEST_HEX (MST_DIGEST_LEN - 1)

/* Whether `reg` carries its body as jansson values (not kept as bytes). */
static bool json_body(const struct mst_registration *reg) {
    return reg->facts != NULL;
}

bool mst_registration_full(const struct mst_registration *reg) {
    return json_body(reg) || reg->body.len > 0;
}

void mst_registration_clear(struct mst_registration *reg) {
    free(reg->sender);
    free(reg->version);
    json_decref(reg->collectives);
    json_decref(reg->facts);
    json_decref(reg->classes);
    json_decref(reg->agents);
    mst_buf_free(&reg->body);
    memset(reg, 0, sizeof *reg);
}

/* ---- digest ----------------------------------------------------------- */

static void to_hex(const unsigned char *md, unsigned n,
                   char out[MST_DIGEST_LEN]) {
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && 2 * i + 1 < MST_DIGEST_LEN; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[DIGEST_HEX] = '\0';
}

/* The digested bytes stream into SHA-256 through a small buffer, so that
 * no copy of the whole body is made; a msgpack-c packer writes here. */
struct digest_sink {
    EVP_MD_CTX *md;
    struct mst_buf *copy; /* the bytes also kept here, or NULL */
    size_t len;
    int ok;
    char buf[4096];
};

static void sink_flush(struct digest_sink *d) {
    d->ok = d->ok && EVP_DigestUpdate(d->md, d->buf, d->len) == 1;
    d->len = 0;
}

static int sink_write(void *data, const char *bytes, size_t size) {
    struct digest_sink *d = data;
    if (d->copy != NULL && mst_buf_append(d->copy, bytes, size) != MST_OK)
        d->ok = 0;
    if (size > sizeof d->buf - d->len)
        sink_flush(d);
    if (size > sizeof d->buf)
        d->ok = d->ok && EVP_DigestUpdate(d->md, bytes, size) == 1;
    else {
        memcpy(d->buf + d->len, bytes, size);
        d->len += size;
    }
    return d->ok ? 0 : -1;
}

/* The body's keys, in the order the digest takes them. */
static const char *const body_keys[3] = {"agents", "classes", "facts"};

/* Packs one of the digested values: a jansson one or a decoded one. */
typedef int (*digest_part_fn)(msgpack_packer *pk, const void *part);

static int pack_json_part(msgpack_packer *pk, const void *part) {
    return mst_mpack_pack_json_sorted(pk, part);
}

static int pack_decoded_part(msgpack_packer *pk, const void *part) {
    return msgpack_pack_object(pk, *(const msgpack_object *)part) == 0
               ? MST_OK
               : MST_ENOMEM;
}

/*
 * SHA-256 of the msgpack map {"agents", "classes", "facts"} (in that
 * order: one map, so that the three cannot be shifted between each other)
 * with each value packed by `pack`; the bytes hashed are also appended to
 * `copy` unless it is NULL.  Returns MST_OK, else MST_ENOMEM, or
 * MST_EINVAL from `pack` (a value it cannot pack).
 */
static int digest_parts(digest_part_fn pack, const void *agents,
                        const void *classes, const void *facts,
                        struct mst_buf *copy, char digest_r[MST_DIGEST_LEN]) {
    struct digest_sink d = {.md = EVP_MD_CTX_new(), .copy = copy};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &d, sink_write);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    d.ok = d.md != NULL && EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) == 1;
    int rc = d.ok && msgpack_pack_map(&pk, 3) == 0 ? MST_OK : MST_ENOMEM;
    const void *parts[3] = {agents, classes, facts};
    for (int i = 0; i < 3 && rc == MST_OK; i++) {
        rc = mst_mpack_pack_cstr(&pk, body_keys[i]);
        if (rc == MST_OK)
            rc = pack(&pk, parts[i]);
    }
    sink_flush(&d);
    if (rc == MST_OK &&
        !(d.ok && EVP_DigestFinal_ex(d.md, md, &n) == 1 && n * 2 == DIGEST_HEX))
        rc = MST_ENOMEM;
    EVP_MD_CTX_free(d.md);
    if (rc == MST_OK)
        to_hex(md, n, digest_r);
    return rc;
}

int mst_registration_digest(const json_t *facts, const json_t *classes,
                            const json_t *agents, char digest_r[MST_DIGEST_LEN],
                            struct mst_err *err) {
    if (facts == NULL || classes == NULL || agents == NULL)
        return mst_err_set(err, MST_EINVAL,
                           "registration digest: facts, classes and agents "
                           "are all needed");
    int rc =
        digest_parts(pack_json_part, agents, classes, facts, NULL, digest_r);
    if (rc != MST_OK)
        return mst_err_set(err, rc, "registration digest: cannot compute (%s)",
                           rc == MST_EINVAL ? "a value msgpack cannot carry"
                                            : "out of memory");
    return MST_OK;
}

static bool digest_valid(const char *s) {
    if (strlen(s) != DIGEST_HEX)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* ---- shape checks, shared by decode (after conversion) and encode ---- */

static bool text_ok(const json_t *v, size_t max) {
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    return s != NULL && len > 0 && len <= max && strlen(s) == len &&
           mst_mpack_utf8_valid(s, len);
}

/* A string that is a name (mst_is_name); anything else is not. */
static bool name_ok(const json_t *v) {
    const char *s = json_string_value(v);
    return s != NULL && strlen(s) == json_string_length(v) &&
           mst_is_name(s, MST_NAME_MAX);
}

static int check_collectives(const json_t *a, struct mst_err *err) {
    size_t n = json_array_size(a);
    if (!json_is_array(a) || n == 0 || n > COLLECTIVES_MAX)
        return mst_err_set(err, MST_EDECODE,
                           "registration collectives: not a list of 1 to %d",
                           COLLECTIVES_MAX);
    for (size_t i = 0; i < n; i++)
        if (!name_ok(json_array_get(a, i)))
            return mst_err_set(err, MST_EDECODE,
                               "registration collectives[%zu]: not a "
                               "collective name",
                               i);
    return MST_OK;
}

static int check_classes(const json_t *a, struct mst_err *err) {
    if (!json_is_array(a))
        return mst_err_set(err, MST_EDECODE,
                           "registration classes: not a list");
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!text_ok(json_array_get(a, i), CLASS_MAX))
            return mst_err_set(err, MST_EDECODE,
                               "registration classes[%zu]: not a class name "
                               "of 1 to %d bytes",
                               i, CLASS_MAX);
    return MST_OK;
}

/* Each agent exactly {"name": NAME, "version": TEXT}. */
static int check_agents(const json_t *a, struct mst_err *err) {
    if (!json_is_array(a))
        return mst_err_set(err, MST_EDECODE, "registration agents: not a list");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *ag = json_array_get(a, i);
        const json_t *ver = json_object_get(ag, "version");
        if (!json_is_object(ag) || json_object_size(ag) != 2 ||
            !name_ok(json_object_get(ag, "name")) || !json_is_string(ver) ||
            json_string_length(ver) > VERSION_MAX)
            return mst_err_set(err, MST_EDECODE,
                               "registration agents[%zu]: not {\"name\", "
                               "\"version\"}",
                               i);
    }
    return MST_OK;
}

/* What the body says beyond the scalars: every receiver checks this. */
static int check_body(const struct mst_registration *reg, struct mst_err *err) {
    int rc = check_collectives(reg->collectives, err);
    if (rc != MST_OK || !json_body(reg))
        return rc;
    if (!json_is_object(reg->facts))
        return mst_err_set(err, MST_EDECODE, "registration facts: not a map");
    rc = check_classes(reg->classes, err);
    if (rc == MST_OK)
        rc = check_agents(reg->agents, err);
    return rc;
}

/*
 * A full body must carry the digest of what it carries: the bytes it
 * carries them in, repacked from the decoded map (msgpack-c writes every
 * value in its shortest form, as the node's encoder did) and also kept in
 * `copy` unless it is NULL.
 */
static int check_digest(const msgpack_object *map,
                        const struct mst_registration *reg,
                        struct mst_buf *copy, struct mst_err *err) {
    const msgpack_object *parts[3];
    for (int i = 0; i < 3; i++) {
        parts[i] = mst_mpack_map_find(map, body_keys[i]);
        /* Bytes that repack the same but that a receiver's values would
         * not encode back to: refused, so the digest stays the values'. */
        if (!mst_mpack_sorted(parts[i]))
            return mst_err_set(err, MST_EDECODE,
                               "registration %s: a map's keys not in byte "
                               "order, or a float32 (the digest is over the "
                               "sorted form, docs/protocol.md)",
                               body_keys[i]);
    }
    char digest[MST_DIGEST_LEN];
    int rc = digest_parts(pack_decoded_part, parts[0], parts[1], parts[2], copy,
                          digest);
    if (rc != MST_OK)
        return mst_err_set(err, rc, "registration digest: cannot compute");
    if (strcmp(digest, reg->digest) != 0)
        return mst_err_set(err, MST_EDECODE,
                           "registration digest: does not match the facts, "
                           "classes and agents sent");
    return MST_OK;
}

/* ---- decode ----------------------------------------------------------- */

static int read_sender(const msgpack_object *v, void *d, struct mst_err *err) {
    struct mst_registration *reg = d;
    int rc = mst_mpack_dup_str(v, "registration sender", MST_IDENTITY_MAX,
                               &reg->sender, err);
    if (rc == MST_OK && reg->sender[0] == '\0')
        return mst_err_set(err, MST_EDECODE, "registration sender: empty");
    return rc;
}

static int read_time(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_int(v, "registration time", 0, INT64_MAX,
                             &((struct mst_registration *)d)->time_ms, err);
}

static int read_started(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_int(v, "registration started", 0, INT64_MAX,
                             &((struct mst_registration *)d)->started_ms, err);
}

static int read_version(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_dup_str(v, "registration version", VERSION_MAX,
                             &((struct mst_registration *)d)->version, err);
}

static int read_interval(const msgpack_object *v, void *d,
                         struct mst_err *err) {
    return mst_mpack_get_int(v, "registration interval", 0, INTERVAL_MAX,
                             &((struct mst_registration *)d)->interval_s, err);
}

static int read_digest(const msgpack_object *v, void *d, struct mst_err *err) {
    struct mst_registration *reg = d;
    char *s = NULL;
    int rc = mst_mpack_dup_str(v, "registration digest", DIGEST_HEX, &s, err);
    if (rc == MST_OK && !digest_valid(s))
        rc = mst_err_set(err, MST_EDECODE,
                         "registration digest: not 64 lower-case hex digits");
    if (rc == MST_OK)
        memcpy(reg->digest, s, MST_DIGEST_LEN);
    free(s);
    return rc;
}

/* Lists are converted whole, then checked by check_body. */
static int read_list(const msgpack_object *v, const char *what, json_t **out_r,
                     struct mst_err *err) {
    if (v->type != MSGPACK_OBJECT_ARRAY)
        return mst_err_set(err, MST_EDECODE, "%s: not a list", what);
    return mst_mpack_to_json(v, what, out_r, err);
}

static int read_collectives(const msgpack_object *v, void *d,
                            struct mst_err *err) {
    return read_list(v, "registration collectives",
                     &((struct mst_registration *)d)->collectives, err);
}

static int read_facts(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_object(v, "registration facts",
                                &((struct mst_registration *)d)->facts, err);
}

static int read_classes(const msgpack_object *v, void *d, struct mst_err *err) {
    return read_list(v, "registration classes",
                     &((struct mst_registration *)d)->classes, err);
}

static int read_agents(const msgpack_object *v, void *d, struct mst_err *err) {
    return read_list(v, "registration agents",
                     &((struct mst_registration *)d)->agents, err);
}

/* The body's three are read after the rest (read_body), or kept as
 * bytes (keep_body): here only their presence is checked. */
static int read_later(const msgpack_object *v, void *d, struct mst_err *err) {
    (void)v, (void)d, (void)err;
    return MST_OK;
}

/* In the order they are encoded; a "still here" stops after N_SHORT. */
static const struct mst_mpack_field reg_fields[] = {
    {"sender", read_sender, MST_MPACK_REQUIRED},
    {"time", read_time, MST_MPACK_REQUIRED},
    {"started", read_started, MST_MPACK_REQUIRED},
    {"version", read_version, MST_MPACK_REQUIRED},
    {"interval", read_interval, MST_MPACK_REQUIRED},
    {"digest", read_digest, MST_MPACK_REQUIRED},
    {"collectives", read_collectives, MST_MPACK_REQUIRED},
    {"facts", read_later, MST_MPACK_REQUIRED},
    {"classes", read_later, MST_MPACK_REQUIRED},
    {"agents", read_later, MST_MPACK_REQUIRED},
};
#define N_FULL (sizeof reg_fields / sizeof reg_fields[0])
#define N_SHORT (N_FULL - 3)

/* The body of `map` (a full registration's, or a kept body) into jansson
 * values, checked as every receiver checks them. */
static int read_body(const msgpack_object *map, struct mst_registration *reg,
                     struct mst_err *err) {
    const msgpack_object *facts = mst_mpack_map_find(map, "facts"),
                         *classes = mst_mpack_map_find(map, "classes"),
                         *agents = mst_mpack_map_find(map, "agents");
    if (facts == NULL || classes == NULL || agents == NULL)
        return mst_err_set(err, MST_EDECODE,
                           "registration: facts, classes and agents go "
                           "together");
    int rc = read_facts(facts, reg, err);
    if (rc == MST_OK)
        rc = read_classes(classes, reg, err);
    if (rc == MST_OK)
        rc = read_agents(agents, reg, err);
    return rc == MST_OK ? check_body(reg, err) : rc;
}

/*
 * A body the receiver already has under this digest: its bytes are kept
 * (mst_registration_expand reads them if they are wanted after all) and
 * nothing else is checked, because bytes with that digest are the body
 * that receiver checked and stored.
 */
static int keep_body(const msgpack_object *map, struct mst_registration *reg,
                     struct mst_err *err) {
    mst_buf_init(&reg->body, 0);
    return check_digest(map, reg, &reg->body, err);
}

static int decode_map(const msgpack_object *map,
                      const struct mst_registration_known *known,
                      struct mst_registration *reg, struct mst_err *err) {
    bool full = mst_mpack_map_find(map, "facts") != NULL;
    int rc = mst_mpack_read_fields(map, reg_fields, full ? N_FULL : N_SHORT,
                                   reg, "registration", err);
    if (rc == MST_OK)
        rc = check_body(reg, err); /* the collectives */
    if (rc != MST_OK || !full)
        return rc;
    if (known != NULL && known->has(known->ctx, reg->sender, reg->digest))
        return keep_body(map, reg, err);
    rc = read_body(map, reg, err);
    return rc == MST_OK ? check_digest(map, reg, NULL, err) : rc;
}

/* Decode `payload` (a whole registration when `body_only` is false, else
 * a kept body) with mst_mpack_unpack's checks, into `reg`. */
static int decode_bytes(struct mst_bytes payload, bool body_only,
                        const struct mst_registration_known *known,
                        struct mst_registration *reg, struct mst_err *err) {
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = mst_mpack_unpack(payload, NULL, &u, err);
    if (rc != MST_OK)
        mst_err_prefix(err, "registration");
    else if (body_only)
        rc = read_body(&u.data, reg, err);
    else
        rc = decode_map(&u.data, known, reg, err);
    msgpack_unpacked_destroy(&u);
    return rc;
}

int mst_registration_decode_known(struct mst_bytes payload,
                                  const struct mst_registration_known *known,
                                  struct mst_registration *reg_r,
                                  struct mst_err *err) {
    int rc = decode_bytes(payload, false, known, reg_r, err);
    if (rc != MST_OK)
        mst_registration_clear(reg_r);
    return rc;
}

int mst_registration_decode(struct mst_bytes payload,
                            struct mst_registration *reg_r,
                            struct mst_err *err) {
    return mst_registration_decode_known(payload, NULL, reg_r, err);
}

int mst_registration_expand(struct mst_registration *reg, struct mst_err *err) {
    if (json_body(reg) || reg->body.len == 0)
        return MST_OK;
    int rc = decode_bytes(mst_buf_view(&reg->body), true, NULL, reg, err);
    mst_buf_free(&reg->body);
    if (rc != MST_OK) {
        json_decref(reg->facts);
        json_decref(reg->classes);
        json_decref(reg->agents);
        reg->facts = reg->classes = reg->agents = NULL;
    }
    return rc;
}

/* ---- encode ----------------------------------------------------------- */

/* Refuse to send what every receiver would refuse. */
int mst_registration_check(const struct mst_registration *reg,
                           struct mst_err *err) {
    if (reg->sender == NULL || reg->sender[0] == '\0' ||
        strlen(reg->sender) > MST_IDENTITY_MAX ||
        !mst_mpack_utf8_valid(reg->sender, strlen(reg->sender)))
        return mst_err_set(err, MST_EINVAL,
                           "registration sender: missing or invalid");
    if (reg->time_ms < 0 || reg->started_ms < 0)
        return mst_err_set(err, MST_EINVAL, "registration time: negative");
    if (reg->version == NULL || strlen(reg->version) > VERSION_MAX ||
        !mst_mpack_utf8_valid(reg->version, strlen(reg->version)))
        return mst_err_set(err, MST_EINVAL,
                           "registration version: missing or invalid");
    if (reg->interval_s < 0 || reg->interval_s > INTERVAL_MAX)
        return mst_err_set(err, MST_EINVAL, "registration interval: not 0..%d",
                           INTERVAL_MAX);
    if (!digest_valid(reg->digest))
        return mst_err_set(err, MST_EINVAL, "registration digest: invalid");
    if (reg->body.len > 0)
        return mst_err_set(err, MST_EINVAL,
                           "registration: a body kept as bytes is not sent "
                           "again (mst_registration_expand it)");
    if ((reg->facts == NULL) != (reg->classes == NULL) ||
        (reg->facts == NULL) != (reg->agents == NULL))
        return mst_err_set(err, MST_EINVAL,
                           "registration: facts, classes and agents go "
                           "together");
    /* The receivers' own check, reported as the sender's mistake. */
    if (check_body(reg, err) != MST_OK) {
        if (err != NULL)
            err->code = MST_EINVAL;
        return MST_EINVAL;
    }
    return MST_OK;
}

static int pack_key(msgpack_packer *pk, const char *key) {
    return mst_mpack_pack_cstr(pk, key);
}

static int pack_registration(msgpack_packer *pk, const void *obj) {
    const struct mst_registration *r = obj;
    bool full = json_body(r);
    if (msgpack_pack_map(pk, full ? N_FULL : N_SHORT) != 0 ||
        pack_key(pk, "sender") || mst_mpack_pack_cstr(pk, r->sender) ||
        pack_key(pk, "time") || msgpack_pack_int64(pk, r->time_ms) != 0 ||
        pack_key(pk, "started") || msgpack_pack_int64(pk, r->started_ms) != 0 ||
        pack_key(pk, "version") || mst_mpack_pack_cstr(pk, r->version) ||
        pack_key(pk, "interval") ||
        msgpack_pack_int64(pk, r->interval_s) != 0 || pack_key(pk, "digest") ||
        mst_mpack_pack_cstr(pk, r->digest) || pack_key(pk, "collectives"))
        return MST_ENOMEM;
    int rc = mst_mpack_pack_json(pk, r->collectives);
    if (rc != MST_OK || !full)
        return rc;
    /* Keys sorted: the bytes the digest is over (mst_registration_digest). */
    if (pack_key(pk, "facts") ||
        (rc = mst_mpack_pack_json_sorted(pk, r->facts)) ||
        pack_key(pk, "classes") ||
        (rc = mst_mpack_pack_json_sorted(pk, r->classes)) ||
        pack_key(pk, "agents"))
        return rc != MST_OK ? rc : MST_ENOMEM;
    return mst_mpack_pack_json_sorted(pk, r->agents);
}

int mst_registration_encode(const struct mst_registration *reg,
                            struct mst_buf *out, struct mst_err *err) {
    int rc = mst_registration_check(reg, err);
    if (rc != MST_OK)
        return rc;
    return mst_mpack_encode(out, pack_registration, reg, "registration", err);
}

/* ---- envelope --------------------------------------------------------- */

/* Adapters: the seal/open helpers take untyped objects. */
static int encode_any(const void *obj, struct mst_buf *out,
                      struct mst_err *err) {
    return mst_registration_encode(obj, out, err);
}

/* What decode_any decodes into, and with what the receiver has. */
struct decode_target {
    struct mst_registration *reg;
    const struct mst_registration_known *known;
};

static int decode_any(struct mst_bytes payload, void *obj_r,
                      struct mst_err *err) {
    struct decode_target *t = obj_r;
    return mst_registration_decode_known(payload, t->known, t->reg, err);
}

int mst_registration_seal(struct mst_security *sec,
                          const struct mst_registration *reg,
                          struct mst_buf *out, struct mst_err *err) {
    return mst_security_seal_with(sec, encode_any, reg, out, err);
}

int mst_registration_open(struct mst_security *sec, struct mst_bytes in,
                          const struct mst_registration_known *known,
                          struct mst_registration *reg_r,
                          char signer_r[MST_SIGNER_LEN], struct mst_err *err) {
    struct decode_target t = {reg_r, known};
    int rc = mst_security_open_with(sec, in, decode_any, &t, signer_r, err);
    if (rc != MST_OK)
        return rc;
    /* A node may only speak for itself: its certificate names it. */
    if (signer_r[0] != '\0' && strcmp(signer_r, reg_r->sender) != 0) {
        mst_err_set(err, MST_ESECURITY,
                    "registration claiming to be from %.100s is signed by "
                    "%.100s",
                    reg_r->sender, signer_r);
        mst_registration_clear(reg_r);
        signer_r[0] = '\0';
        return MST_ESECURITY;
    }
    return MST_OK;
}
