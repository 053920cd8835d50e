/*
 * request.c - the request payload: strict decode, validated encode, and
 * sealing into / opening from an envelope.
 */
#include "wire/request.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"

void mst_request_clear(struct mst_request *req) {
    free(req->collective);
    free(req->agent);
    free(req->action);
    free(req->caller);
    free(req->sender);
    free(req->reply_to);
    json_decref(req->filter);
    json_decref(req->data);
    memset(req, 0, sizeof *req);
}

/* ---- decode ----------------------------------------------------------- */

static int read_name(const msgpack_object *val, const char *what, char **out_r,
                     struct mst_err *err) {
    char *s = NULL;
    int rc = mst_mpack_dup_str(val, what, MST_NAME_MAX, &s, err);
    if (rc != MST_OK)
        return rc;
    if (!mst_is_name(s, MST_NAME_MAX)) {
        free(s);
        return mst_err_set(err, MST_EDECODE, "%s: not a name ([A-Za-z0-9_.-]+)",
                           what);
    }
    *out_r = s;
    return MST_OK;
}

/* A non-empty string of at most `max` bytes. */
static int read_text(const msgpack_object *val, const char *what, size_t max,
                     char **out_r, struct mst_err *err) {
    char *s = NULL;
    int rc = mst_mpack_dup_str(val, what, max, &s, err);
    if (rc != MST_OK)
        return rc;
    if (s[0] == '\0') {
        free(s);
        return mst_err_set(err, MST_EDECODE, "%s: empty", what);
    }
    *out_r = s;
    return MST_OK;
}

static int read_id(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_id(v, "request id", ((struct mst_request *)d)->id,
                            err);
}

static int read_time(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_int(v, "request time", 0, INT64_MAX,
                             &((struct mst_request *)d)->time_ms, err);
}

/* The wire's ttl is in seconds (docs/protocol.md); converted here only. */
static int read_ttl(const msgpack_object *v, void *d, struct mst_err *err) {
    int64_t ttl_s;
    int rc = mst_mpack_get_int(v, "request ttl", 1, MST_TTL_MAX_S, &ttl_s, err);
    if (rc == MST_OK)
        ((struct mst_request *)d)->ttl_ms = ttl_s * 1000;
    return rc;
}

static int read_collective(const msgpack_object *v, void *d,
                           struct mst_err *err) {
    return read_name(v, "request collective",
                     &((struct mst_request *)d)->collective, err);
}

static int read_agent(const msgpack_object *v, void *d, struct mst_err *err) {
    return read_name(v, "request agent", &((struct mst_request *)d)->agent,
                     err);
}

static int read_action(const msgpack_object *v, void *d, struct mst_err *err) {
    return read_name(v, "request action", &((struct mst_request *)d)->action,
                     err);
}

static int read_caller(const msgpack_object *v, void *d, struct mst_err *err) {
    return read_text(v, "request caller", MST_IDENTITY_MAX,
                     &((struct mst_request *)d)->caller, err);
}

static int read_sender(const msgpack_object *v, void *d, struct mst_err *err) {
    return read_text(v, "request sender", MST_IDENTITY_MAX,
                     &((struct mst_request *)d)->sender, err);
}

static int read_reply_to(const msgpack_object *v, void *d,
                         struct mst_err *err) {
    return read_text(v, "request reply_to", MST_REPLY_TO_MAX,
                     &((struct mst_request *)d)->reply_to, err);
}

/* Only "is a map": the filter module gives the object its meaning. */
static int read_filter(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_object(v, "request filter",
                                &((struct mst_request *)d)->filter, err);
}

static int read_data(const msgpack_object *v, void *d, struct mst_err *err) {
    return mst_mpack_get_object(v, "request data",
                                &((struct mst_request *)d)->data, err);
}

/* Its bound against "time" is checked once the whole map is read. */
static int read_deadline(const msgpack_object *v, void *d,
                         struct mst_err *err) {
    return mst_mpack_get_int(v, "request deadline", 1, INT64_MAX,
                             &((struct mst_request *)d)->deadline_ms, err);
}

/* In the order they are encoded.  "deadline" came later: a request from
 * an older client has none, and then only time + ttl bounds it. */
static const struct mst_mpack_field request_fields[] = {
    {"id", read_id, MST_MPACK_REQUIRED},
    {"time", read_time, MST_MPACK_REQUIRED},
    {"ttl", read_ttl, MST_MPACK_REQUIRED},
    {"collective", read_collective, MST_MPACK_REQUIRED},
    {"agent", read_agent, MST_MPACK_REQUIRED},
    {"action", read_action, MST_MPACK_REQUIRED},
    {"caller", read_caller, MST_MPACK_REQUIRED},
    {"sender", read_sender, MST_MPACK_REQUIRED},
    {"filter", read_filter, MST_MPACK_REQUIRED},
    {"reply_to", read_reply_to, MST_MPACK_REQUIRED},
    {"data", read_data, MST_MPACK_REQUIRED},
    {"deadline", read_deadline, MST_MPACK_OPTIONAL},
};

/* 0 (absent) or after the request's time by at most MST_TTL_MAX_S. */
static int deadline_valid(const struct mst_request *req) {
    return req->deadline_ms == 0 ||
           (req->deadline_ms > req->time_ms &&
            req->deadline_ms - req->time_ms <= MST_TTL_MAX_S * 1000LL);
}

int mst_request_decode(struct mst_bytes payload, struct mst_request *req_r,
                       struct mst_err *err) {
    int rc = mst_mpack_decode_fields(payload, NULL, request_fields,
                                     sizeof request_fields /
                                         sizeof request_fields[0],
                                     req_r, "request", err);
    if (rc == MST_OK && !deadline_valid(req_r))
        rc = mst_err_set(err, MST_EDECODE,
                         "request deadline: not within 1 ms to %d s after "
                         "its time",
                         MST_TTL_MAX_S);
    if (rc != MST_OK)
        mst_request_clear(req_r);
    return rc;
}

/* ---- encode ----------------------------------------------------------- */

static int check_text(const char *s, const char *what, size_t max, int is_name,
                      struct mst_err *err) {
    if (s == NULL || s[0] == '\0')
        return mst_err_set(err, MST_EINVAL, "request %s: missing", what);
    size_t n = strlen(s);
    if (n > max || !mst_mpack_utf8_valid(s, n) ||
        (is_name && !mst_is_name(s, max)))
        return mst_err_set(err, MST_EINVAL, "request %s: invalid \"%.64s\"",
                           what, s);
    return MST_OK;
}

/* Refuse to send what every receiver would refuse. */
static int check_request(const struct mst_request *req, struct mst_err *err) {
    int rc;
    if (!mst_mpack_id_valid(req->id))
        return mst_err_set(err, MST_EINVAL, "request id: invalid");
    if (req->time_ms < 0)
        return mst_err_set(err, MST_EINVAL, "request time: negative");
    if (req->ttl_ms < 1000 || req->ttl_ms > MST_TTL_MAX_S * 1000LL ||
        req->ttl_ms % 1000 != 0)
        return mst_err_set(err, MST_EINVAL,
                           "request ttl: %lld ms is not a whole number of "
                           "seconds 1..%d (the wire's unit)",
                           (long long)req->ttl_ms, MST_TTL_MAX_S);
    if ((rc = check_text(req->collective, "collective", MST_NAME_MAX, 1,
                         err)) != MST_OK ||
        (rc = check_text(req->agent, "agent", MST_NAME_MAX, 1, err)) !=
            MST_OK ||
        (rc = check_text(req->action, "action", MST_NAME_MAX, 1, err)) !=
            MST_OK ||
        (rc = check_text(req->caller, "caller", MST_IDENTITY_MAX, 0, err)) !=
            MST_OK ||
        (rc = check_text(req->sender, "sender", MST_IDENTITY_MAX, 0, err)) !=
            MST_OK ||
        (rc = check_text(req->reply_to, "reply_to", MST_REPLY_TO_MAX, 0,
                         err)) != MST_OK)
        return rc;
    if (!json_is_object(req->filter))
        return mst_err_set(err, MST_EINVAL, "request filter: not an object");
    if (!json_is_object(req->data))
        return mst_err_set(err, MST_EINVAL, "request data: not an object");
    if (!deadline_valid(req))
        return mst_err_set(err, MST_EINVAL,
                           "request deadline: not within 1 ms to %d s after "
                           "its time",
                           MST_TTL_MAX_S);
    return MST_OK;
}

/* Returns the first failing step's status; the sink knows ETOOBIG. */
static int pack_request(msgpack_packer *pk, const void *obj) {
    const struct mst_request *r = obj;
    int rc;
    if (msgpack_pack_map(pk, r->deadline_ms ? 12 : 11) != 0 ||
        mst_mpack_pack_cstr(pk, "id") ||
        msgpack_pack_str_with_body(pk, r->id, MST_ID_LEN - 1) != 0 ||
        mst_mpack_pack_cstr(pk, "time") ||
        msgpack_pack_int64(pk, r->time_ms) != 0 ||
        mst_mpack_pack_cstr(pk, "ttl") ||
        msgpack_pack_int64(pk, r->ttl_ms / 1000) != 0 ||
        mst_mpack_pack_cstr(pk, "collective") ||
        mst_mpack_pack_cstr(pk, r->collective) ||
        mst_mpack_pack_cstr(pk, "agent") || mst_mpack_pack_cstr(pk, r->agent) ||
        mst_mpack_pack_cstr(pk, "action") ||
        mst_mpack_pack_cstr(pk, r->action) ||
        mst_mpack_pack_cstr(pk, "caller") ||
        mst_mpack_pack_cstr(pk, r->caller) ||
        mst_mpack_pack_cstr(pk, "sender") ||
        mst_mpack_pack_cstr(pk, r->sender) || mst_mpack_pack_cstr(pk, "filter"))
        return MST_ENOMEM;
    if ((rc = mst_mpack_pack_json(pk, r->filter)) != MST_OK)
        return rc;
    if (mst_mpack_pack_cstr(pk, "reply_to") ||
        mst_mpack_pack_cstr(pk, r->reply_to) || mst_mpack_pack_cstr(pk, "data"))
        return MST_ENOMEM;
    if ((rc = mst_mpack_pack_json(pk, r->data)) != MST_OK)
        return rc;
    if (r->deadline_ms != 0 && (mst_mpack_pack_cstr(pk, "deadline") ||
                                msgpack_pack_int64(pk, r->deadline_ms) != 0))
        return MST_ENOMEM;
    return MST_OK;
}

int mst_request_encode(const struct mst_request *req, struct mst_buf *out,
                       struct mst_err *err) {
    int rc = check_request(req, err);
    if (rc != MST_OK)
        return rc;
    return mst_mpack_encode(out, pack_request, req, "request", err);
}

/* ---- envelope --------------------------------------------------------- */

/* Adapters: the seal/open helpers take untyped objects. */
static int encode_any(const void *obj, struct mst_buf *out,
                      struct mst_err *err) {
    return mst_request_encode(obj, out, err);
}

static int decode_any(struct mst_bytes payload, void *obj_r,
                      struct mst_err *err) {
    return mst_request_decode(payload, obj_r, err);
}

int mst_request_seal(struct mst_security *sec, const struct mst_request *req,
                     struct mst_buf *out, struct mst_err *err) {
    return mst_security_seal_with(sec, encode_any, req, out, err);
}

int mst_request_open(struct mst_security *sec, struct mst_bytes in,
                     struct mst_request *req_r, char signer_r[MST_SIGNER_LEN],
                     struct mst_err *err) {
    return mst_security_open_with(sec, in, decode_any, req_r, signer_r, err);
}

/* ---- replay window ---------------------------------------------------- */

/* Milliseconds as whole seconds, rounded up: "0 s old" would read as a
 * contradiction next to "node allows 0 s". */
static long long whole_s(int64_t ms) {
    return (long long)(ms / 1000 + (ms % 1000 > 0));
}

/* a - b, saturated instead of overflowing: absurd clocks are refused
 * anyway. */
static int64_t sat_sub(int64_t a, int64_t b) {
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        d = a > b ? INT64_MAX : INT64_MIN;
    return d;
}

int mst_request_deadline_first(const struct mst_request *req) {
    return req->deadline_ms != 0 &&
           sat_sub(req->deadline_ms, req->time_ms) < req->ttl_ms;
}

int mst_request_check_time(const struct mst_request *req, int64_t now_ms,
                           int64_t skew_ms, struct mst_err *err) {
    if (skew_ms < 0)
        skew_ms = 0;
    int64_t ahead = sat_sub(req->time_ms, now_ms);
    int64_t age = sat_sub(now_ms, req->time_ms), window;
    if (__builtin_add_overflow(req->ttl_ms, skew_ms, &window))
        window = INT64_MAX;
    /* Worded for the operator: a node sends it back as the refusal's
     * statusmsg, and a clock is the usual culprit. */
    if (ahead > skew_ms)
        return mst_err_set(err, MST_EEXPIRED,
                           "expired: request is dated %lld s in the future, "
                           "node allows %lld s (check the client's clock)",
                           whole_s(ahead), whole_s(skew_ms));
    if (age > window)
        return mst_err_set(err, MST_EEXPIRED,
                           "expired: request is %lld s old, node allows %lld "
                           "s (check the client's clock)",
                           whole_s(age), whole_s(window));
    /* The client stopped waiting: nobody reads a reply any more. */
    int64_t late = sat_sub(now_ms, req->deadline_ms);
    if (mst_request_deadline_first(req) && late > skew_ms)
        return mst_err_set(err, MST_EEXPIRED,
                           "expired: the client's timeout of %lld s ended "
                           "%lld s ago, node allows %lld s (check the "
                           "client's clock)",
                           whole_s(sat_sub(req->deadline_ms, req->time_ms)),
                           whole_s(late), whole_s(skew_ms));
    return MST_OK;
}
