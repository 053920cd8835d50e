/*
 * test_request.c - request and reply payloads: every rejection path as a
 * fixture, round trips through seal/open, the replay window.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "fixture.h"
#include "runner.h"
#include "wire/reply.h"
#include "wire/request.h"

#define ID "0123456789abcdef0123456789abcdef"

static const struct fixture_case request_cases[] = {
    {"req_ok", MST_OK},
    {"req_ok_nested", MST_OK},
    {"req_data_deep_ok", MST_OK},
    {"req_not_map", MST_EDECODE},
    {"req_unknown_key", MST_EDECODE},
    {"req_dup_id", MST_EDECODE},
    {"req_dup_data", MST_EDECODE},
    {"req_bad_id_upper", MST_EDECODE},
    {"req_bad_id_short", MST_EDECODE},
    {"req_bad_id_long", MST_EDECODE},
    {"req_bad_id_nonhex", MST_EDECODE},
    {"req_bad_id_nul", MST_EDECODE},
    {"req_id_int", MST_EDECODE},
    {"req_time_str", MST_EDECODE},
    {"req_time_negative", MST_EDECODE},
    {"req_time_float", MST_EDECODE},
    {"req_time_uint64", MST_EDECODE},
    {"req_ttl_zero", MST_EDECODE},
    {"req_ttl_big", MST_EDECODE},
    {"req_ttl_negative", MST_EDECODE},
    {"req_ttl_str", MST_EDECODE},
    {"req_agent_bad_name", MST_EDECODE},
    {"req_agent_nul", MST_EDECODE},
    {"req_agent_long", MST_EDECODE},
    {"req_agent_int", MST_EDECODE},
    {"req_agent_bin", MST_EDECODE},
    {"req_action_empty", MST_EDECODE},
    {"req_action_slash", MST_EDECODE},
    {"req_collective_nil", MST_EDECODE},
    {"req_caller_bad_utf8", MST_EDECODE},
    {"req_caller_empty", MST_EDECODE},
    {"req_sender_long", MST_EDECODE},
    {"req_sender_nul", MST_EDECODE},
    {"req_reply_to_nil", MST_EDECODE},
    {"req_reply_to_long", MST_EDECODE},
    {"req_filter_array", MST_EDECODE},
    {"req_filter_nil", MST_EDECODE},
    {"req_filter_str", MST_EDECODE},
    {"req_data_str", MST_EDECODE},
    {"req_data_bin_value", MST_EDECODE},
    {"req_data_bad_utf8", MST_EDECODE},
    {"req_data_overlong_utf8", MST_EDECODE},
    {"req_data_surrogate", MST_EDECODE},
    {"req_data_key_nul", MST_EDECODE},
    {"req_data_key_bad_utf8", MST_EDECODE},
    {"req_data_dup_key", MST_EDECODE},
    {"req_data_uint64_big", MST_EDECODE},
    {"req_data_nan", MST_EDECODE},
    {"req_data_inf", MST_EDECODE},
    {"req_data_ext", MST_EDECODE},
    {"req_data_key_int", MST_EDECODE},
    {"req_data_deep", MST_ETOODEEP},
    {"req_missing_all", MST_EDECODE},
    {"req_missing_id", MST_EDECODE},
    {"req_missing_time", MST_EDECODE},
    {"req_missing_ttl", MST_EDECODE},
    {"req_missing_collective", MST_EDECODE},
    {"req_missing_agent", MST_EDECODE},
    {"req_missing_action", MST_EDECODE},
    {"req_missing_caller", MST_EDECODE},
    {"req_missing_sender", MST_EDECODE},
    {"req_missing_filter", MST_EDECODE},
    {"req_missing_reply_to", MST_EDECODE},
    {"req_missing_data", MST_EDECODE},
    {"req_ok_deadline", MST_OK},
    {"req_ok_deadline_max", MST_OK},
    {"req_deadline_at_time", MST_EDECODE},
    {"req_deadline_before", MST_EDECODE},
    {"req_deadline_far", MST_EDECODE},
    {"req_deadline_zero", MST_EDECODE},
    {"req_deadline_str", MST_EDECODE},
    {"req_deadline_nil", MST_EDECODE},
    {"req_dup_deadline", MST_EDECODE},
    {"rep_ok", MST_EDECODE},
    {"bomb_map32_ff", MST_EDECODE},
    {"trailing_bytes", MST_EDECODE},
};

/* A word of the reason some failures must give. */
static const struct {
    const char *name, *reason;
} request_reasons[] = {
    {"req_unknown_key", "request: unknown key \"extra\""},
    {"req_dup_id", "request: duplicate key \"id\""},
    {"req_missing_data", "request: missing \"data\""},
    {"req_bad_id_upper", "request id: not 32 lowercase hex digits"},
    {"req_ttl_big", "request ttl: out of range 1..86400"},
    {"req_agent_nul", "request agent: contains NUL"},
    {"req_agent_bad_name", "request agent: not a name"},
    {"req_caller_bad_utf8", "request caller: not valid UTF-8"},
    {"req_sender_long", "request sender: 256 bytes, longer than 255"},
    {"req_filter_array", "request filter: not a map"},
    {"req_data_dup_key", "request data: duplicate key \"a\""},
    {"req_data_key_nul", "map key contains NUL"},
    {"req_data_bin_value", "binary data"},
    {"req_data_deep", "request: "},
    {"req_data_uint64_big", "out of range"},
    {"req_deadline_before", "request deadline: not within 1 ms to 86400 s "
                            "after its time"},
    {"req_deadline_far", "request deadline: not within"},
    {"req_deadline_zero", "request deadline: out of range"},
    {"req_dup_deadline", "request: duplicate key \"deadline\""},
};

static const struct fixture_case reply_cases[] = {
    {"rep_ok", MST_OK},
    {"rep_ok_empty_msg", MST_OK},
    {"rep_status_6", MST_EDECODE},
    {"rep_status_negative", MST_EDECODE},
    {"rep_status_str", MST_EDECODE},
    {"rep_statusmsg_long", MST_EDECODE},
    {"rep_statusmsg_nil", MST_EDECODE},
    {"rep_sender_empty", MST_EDECODE},
    {"rep_id_bad", MST_EDECODE},
    {"rep_data_array", MST_EDECODE},
    {"rep_unknown_key", MST_EDECODE},
    {"rep_dup_status", MST_EDECODE},
    {"rep_missing_data", MST_EDECODE},
    {"rep_missing_time", MST_EDECODE},
    {"req_ok", MST_EDECODE},
    {"deep33", MST_ETOODEEP},
};

static const char *reason_for(const char *name) {
    for (size_t i = 0; i < sizeof request_reasons / sizeof request_reasons[0];
         i++)
        if (strcmp(request_reasons[i].name, name) == 0)
            return request_reasons[i].reason;
    return NULL;
}

START_TEST(request_fixture) {
    const struct fixture_case *c = &request_cases[_i];
    size_t len;
    uint8_t *data = fixture_load(c->name, &len);
    struct mst_request req = {0};
    struct mst_err err = {0};
    int rc = mst_request_decode(MST_BYTES(data, len), &req, &err);
    ck_assert_msg(rc == c->status, "%s: got %s (%s), want %s", c->name,
                  mst_status_name(rc), err.msg, mst_status_name(c->status));
    if (rc != MST_OK) {
        ck_assert_int_eq(err.code, rc);
        /* Cleared on error: nothing left to free, nothing half-filled. */
        ck_assert_ptr_null(req.agent);
        ck_assert_ptr_null(req.filter);
        ck_assert_ptr_null(req.data);
        ck_assert_str_eq(req.id, "");
        const char *why = reason_for(c->name);
        if (why != NULL)
            ck_assert_msg(strstr(err.msg, why) != NULL,
                          "%s: \"%s\" lacks "
                          "\"%s\"",
                          c->name, err.msg, why);
    } else {
        ck_assert_str_eq(req.id, ID);
        ck_assert(json_is_object(req.filter));
        ck_assert(json_is_object(req.data));
    }
    mst_request_clear(&req);
    free(data);
}
END_TEST

START_TEST(reply_fixture) {
    const struct fixture_case *c = &reply_cases[_i];
    size_t len;
    uint8_t *data = fixture_load(c->name, &len);
    struct mst_reply rep = {0};
    struct mst_err err = {0};
    int rc = mst_reply_decode(MST_BYTES(data, len), &rep, &err);
    ck_assert_msg(rc == c->status, "%s: got %s (%s), want %s", c->name,
                  mst_status_name(rc), err.msg, mst_status_name(c->status));
    if (rc != MST_OK) {
        ck_assert_ptr_null(rep.sender);
        ck_assert_ptr_null(rep.data);
        ck_assert_ptr_nonnull(strstr(err.msg, "reply"));
    }
    mst_reply_clear(&rep);
    free(data);
}
END_TEST

START_TEST(request_fixture_fields) {
    size_t len;
    uint8_t *data = fixture_load("req_ok_nested", &len);
    struct mst_request req = {0};
    ck_assert_int_eq(mst_request_decode(MST_BYTES(data, len), &req, NULL),
                     MST_OK);
    ck_assert_int_eq(req.time_ms, 1700000000000LL);
    ck_assert_int_eq(req.ttl_ms, 60000);
    ck_assert_str_eq(req.collective, "muster");
    ck_assert_str_eq(req.agent, "rpcutil");
    ck_assert_str_eq(req.action, "ping");
    ck_assert_str_eq(req.caller, "uid=1000");
    ck_assert_str_eq(req.sender, "client.example.net");
    ck_assert_str_eq(req.reply_to, "amq.gen-abc");
    json_t *fact = json_array_get(json_object_get(req.filter, "fact"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(fact, "op")), "==");
    ck_assert_int_eq(json_integer_value(json_object_get(req.data, "big")),
                     INT64_MAX);
    json_t *c = json_object_get(
        json_object_get(json_object_get(json_object_get(req.data, "map"), "a"),
                        "b"),
        "c");
    ck_assert(json_is_array(c));
    ck_assert(json_is_object(json_array_get(c, 0)));
    ck_assert_int_eq(req.deadline_ms, 0); /* an older client's: none */
    mst_request_clear(&req);
    free(data);

    data = fixture_load("req_ok_deadline", &len);
    ck_assert_int_eq(mst_request_decode(MST_BYTES(data, len), &req, NULL),
                     MST_OK);
    ck_assert_int_eq(req.deadline_ms, 1700000005000LL);
    mst_request_clear(&req);
    free(data);
}
END_TEST

/* A complete request with nested data; the caller clears it. */
static void sample_request(struct mst_request *r) {
    memset(r, 0, sizeof *r);
    strcpy(r->id, ID);
    r->time_ms = 1700000000000LL;
    r->ttl_ms = 30000;
    r->collective = strdup("muster");
    r->agent = strdup("package");
    r->action = strdup("install");
    r->caller = strdup("cert=alice");
    r->sender = strdup("laptop.example.net");
    r->reply_to = strdup("amq.gen-XYZ_123");
    r->deadline_ms = r->time_ms + 10000;
    r->filter = json_pack("{s:[s], s:[{s:s,s:s,s:s}]}", "identity", "/^web/",
                          "fact", "fact", "os", "op", "==", "value", "debian");
    r->data = json_pack("{s:s, s:{s:[i,f,b,n]}, s:s}", "package", "nginx",
                        "opts", "list", 1, 2.5, 1, "text", "h\xc3\xa9");
}

/* The encoded bytes of `req` with the first `from` byte in `what` (a field's
 * value) turned into a NUL, as a hostile peer would send them. */
static void encode_with_nul(const struct mst_request *req, const char *what,
                            char from, struct mst_buf *out) {
    mst_buf_init(out, 0);
    ck_assert_int_eq(mst_request_encode(req, out, NULL), MST_OK);
    void *at = memmem(out->data, out->len, what, strlen(what));
    ck_assert_ptr_nonnull(at);
    char *c = memchr(at, from, strlen(what));
    ck_assert_ptr_nonnull(c);
    *c = '\0';
}

/* "h1\0evil" must not become "h1": every text field refuses a NUL. */
START_TEST(embedded_nul_is_refused) {
    static const struct {
        const char *value;
        char nul_at; /* the byte of value that becomes NUL */
        const char *reason;
    } cases[] = {
        {"h1Xevil", 'X', "request caller: contains NUL"},
        {"amq.gen-XYZ_123", 'X', "request reply_to: contains NUL"},
        {"laptop.example.net", '.', "request sender: contains NUL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mst_request req, back = {0};
        sample_request(&req);
        free(req.caller);
        req.caller = strdup("h1Xevil");
        struct mst_buf out;
        encode_with_nul(&req, cases[i].value, cases[i].nul_at, &out);
        struct mst_err err = {0};
        ck_assert_int_eq(mst_request_decode(mst_buf_view(&out), &back, &err),
                         MST_EDECODE);
        ck_assert_msg(strstr(err.msg, cases[i].reason) != NULL, "%s", err.msg);
        mst_buf_free(&out);
        mst_request_clear(&req);
    }
}
END_TEST

START_TEST(request_round_trip) {
    struct mst_security *sec = NULL;
    struct mst_security_options o = {.provider = "none"};
    ck_assert_int_eq(mst_security_new(&o, &sec, NULL), MST_OK);
    struct mst_request req, back = {0};
    sample_request(&req);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_request_seal(sec, &req, &out, &err), MST_OK);
    char signer[MST_SIGNER_LEN] = "stale";
    ck_assert_int_eq(
        mst_request_open(sec, mst_buf_view(&out), &back, signer, &err), MST_OK);
    ck_assert_str_eq(signer, "");
    ck_assert_str_eq(back.id, req.id);
    ck_assert_int_eq(back.time_ms, req.time_ms);
    ck_assert_int_eq(back.ttl_ms, req.ttl_ms);
    ck_assert_int_eq(back.deadline_ms, req.deadline_ms);
    ck_assert_str_eq(back.collective, req.collective);
    ck_assert_str_eq(back.agent, req.agent);
    ck_assert_str_eq(back.action, req.action);
    ck_assert_str_eq(back.caller, req.caller);
    ck_assert_str_eq(back.sender, req.sender);
    ck_assert_str_eq(back.reply_to, req.reply_to);
    ck_assert(json_equal(back.filter, req.filter));
    ck_assert(json_equal(back.data, req.data));

    /* The same request encodes to the same bytes: fixed key order. */
    struct mst_buf again;
    mst_buf_init(&again, 0);
    ck_assert_int_eq(mst_request_seal(sec, &back, &again, &err), MST_OK);
    ck_assert_uint_eq(again.len, out.len);
    ck_assert_mem_eq(again.data, out.data, out.len);

    /* A request envelope is not a reply. */
    struct mst_reply rep = {0};
    ck_assert_int_eq(
        mst_reply_open(sec, mst_buf_view(&out), &rep, signer, &err),
        MST_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.msg, "reply: unknown key"));

    mst_buf_free(&again);
    mst_buf_free(&out);
    mst_request_clear(&back);
    mst_request_clear(&req);
    mst_security_free(&sec);
}
END_TEST

START_TEST(reply_round_trip) {
    struct mst_security *sec = NULL;
    struct mst_security_options o = {.provider = "none",
                                     .role = MST_SECURITY_SERVER};
    ck_assert_int_eq(mst_security_new(&o, &sec, NULL), MST_OK);
    struct mst_reply rep = {0}, back = {0};
    strcpy(rep.id, ID);
    rep.sender = strdup("web1.example.net");
    rep.time_ms = 1700000000456LL;
    rep.status = MUSTER_INVALID_DATA;
    rep.statusmsg = strdup("package: not installed");
    rep.data =
        json_pack("{s:{s:[{}]}, s:I}", "nested", "deep", "n", (json_int_t)-42);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_reply_seal(sec, &rep, &out, NULL), MST_OK);
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_reply_open(sec, mst_buf_view(&out), &back, signer, &err), MST_OK);
    ck_assert_str_eq(back.id, ID);
    ck_assert_str_eq(back.sender, rep.sender);
    ck_assert_int_eq(back.time_ms, rep.time_ms);
    ck_assert_int_eq(back.status, MUSTER_INVALID_DATA);
    ck_assert_str_eq(back.statusmsg, rep.statusmsg);
    ck_assert(json_equal(back.data, rep.data));
    /* A truncated reply is refused and leaves nothing behind. */
    mst_reply_clear(&back);
    out.len -= 3;
    ck_assert_int_eq(
        mst_reply_open(sec, mst_buf_view(&out), &back, signer, &err),
        MST_EDECODE);
    ck_assert_ptr_null(back.sender);
    mst_buf_free(&out);
    mst_reply_clear(&back);
    mst_reply_clear(&rep);
    mst_security_free(&sec);
}
END_TEST

/* Break one field of a good request; encode must refuse with EINVAL. */
static void break_request(struct mst_request *r, int which) {
    switch (which) {
    case 0:
        r->id[0] = 'G';
        break;
    case 1:
        r->time_ms = -1;
        break;
    case 2:
        r->ttl_ms = 0;
        break;
    case 3:
        r->ttl_ms = (MST_TTL_MAX_S + 1) * 1000LL;
        break;
    case 4:
        free(r->agent);
        r->agent = NULL;
        break;
    case 5:
        free(r->agent);
        r->agent = strdup("bad name");
        break;
    case 6:
        free(r->action);
        r->action = strdup("");
        break;
    case 7:
        free(r->collective);
        r->collective = strdup("a/b");
        break;
    case 8:
        free(r->caller);
        r->caller = NULL;
        break;
    case 9:
        free(r->sender);
        r->sender = strdup("\xff");
        break;
    case 10:
        free(r->reply_to);
        r->reply_to = calloc(1, 300);
        memset(r->reply_to, 'q', 299);
        break;
    case 11:
        json_decref(r->filter);
        r->filter = json_array();
        break;
    case 12:
        json_decref(r->data);
        r->data = NULL;
        break;
    case 13: /* the wire carries whole seconds: no rounding in the codec */
        r->ttl_ms = 1500;
        break;
    case 14: /* a deadline is after the request's time */
        r->deadline_ms = r->time_ms;
        break;
    case 15:
        r->deadline_ms = r->time_ms + MST_TTL_MAX_S * 1000LL + 1;
        break;
    default:
        ck_abort();
    }
}

START_TEST(request_encode_refuses) {
    struct mst_request req;
    sample_request(&req);
    break_request(&req, _i);
    struct mst_buf out;
    mst_buf_init(&out, 0);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_request_encode(&req, &out, &err), MST_EINVAL);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "request "));
    mst_buf_free(&out);
    mst_request_clear(&req);
}
END_TEST

START_TEST(encode_caps) {
    struct mst_request req;
    sample_request(&req);
    struct mst_buf out;
    mst_buf_init(&out, 64);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_request_encode(&req, &out, &err), MST_ETOOBIG);
    ck_assert_uint_eq(out.len, 0);
    mst_buf_free(&out);
    /* Data too big for one message: seal refuses at the sender. */
    char *blob = malloc(MST_MPACK_DEFAULT_MAX_BYTES);
    memset(blob, 'x', MST_MPACK_DEFAULT_MAX_BYTES - 1);
    blob[MST_MPACK_DEFAULT_MAX_BYTES - 1] = '\0';
    json_object_set_new(req.data, "blob", json_string(blob));
    free(blob);
    struct mst_security *sec = NULL;
    struct mst_security_options o = {.provider = "none"};
    ck_assert_int_eq(mst_security_new(&o, &sec, NULL), MST_OK);
    mst_buf_init(&out, 0);
    ck_assert_int_eq(mst_request_seal(sec, &req, &out, &err), MST_ETOOBIG);
    ck_assert_uint_eq(out.len, 0);
    mst_buf_free(&out);
    mst_security_free(&sec);
    mst_request_clear(&req);

    struct mst_reply rep = {0};
    strcpy(rep.id, ID);
    rep.sender = strdup("n");
    rep.statusmsg = NULL;
    rep.data = json_object();
    ck_assert_int_eq(mst_reply_encode(&rep, &out, &err), MST_EINVAL);
    rep.statusmsg = strdup("");
    rep.status = 6;
    ck_assert_int_eq(mst_reply_encode(&rep, &out, &err), MST_EINVAL);
    rep.status = 0;
    ck_assert_int_eq(mst_reply_encode(&rep, &out, &err), MST_OK);
    mst_buf_free(&out);
    mst_reply_clear(&rep);
}
END_TEST

START_TEST(time_window) {
    struct mst_request r = {.id = ID, .time_ms = 1000000, .ttl_ms = 10000};
    struct mst_err err = {0};
    ck_assert_int_eq(mst_request_check_time(&r, 1000000, 0, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 1010000, 0, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 1010001, 0, &err),
                     MST_EEXPIRED);
    ck_assert_ptr_nonnull(strstr(err.msg, "expired"));
    ck_assert_int_eq(mst_request_check_time(&r, 1015000, 5000, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 1015001, 5000, NULL),
                     MST_EEXPIRED);
    ck_assert_int_eq(mst_request_check_time(&r, 995000, 5000, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 994999, 5000, &err),
                     MST_EEXPIRED);
    ck_assert_ptr_nonnull(strstr(err.msg, "future"));
    /* Negative skew counts as none; absurd clocks do not overflow. */
    ck_assert_int_eq(mst_request_check_time(&r, 999999, -5, NULL),
                     MST_EEXPIRED);
    ck_assert_int_eq(mst_request_check_time(&r, INT64_MAX, INT64_MAX, NULL),
                     MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, INT64_MIN, 0, NULL),
                     MST_EEXPIRED);
    r.time_ms = INT64_MAX;
    ck_assert_int_eq(mst_request_check_time(&r, 0, 1000, NULL), MST_EEXPIRED);
    r.time_ms = INT64_MIN;
    ck_assert_int_eq(mst_request_check_time(&r, INT64_MAX, 1000, NULL),
                     MST_EEXPIRED);
}
END_TEST

/* The client's deadline ends a request before its ttl when it comes
 * first, with the same skew; a later one changes nothing. */
START_TEST(deadline_window) {
    struct mst_request r = {.id = ID, .time_ms = 1000000, .ttl_ms = 10000};
    struct mst_err err = {0};
    r.deadline_ms = 1003000;
    ck_assert(mst_request_deadline_first(&r));
    ck_assert_int_eq(mst_request_check_time(&r, 1003000, 0, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 1003001, 0, &err),
                     MST_EEXPIRED);
    ck_assert_msg(strstr(err.msg, "expired: the client's timeout of 3 s "
                                  "ended 1 s ago, node allows 0 s") != NULL,
                  "%s", err.msg);
    ck_assert_int_eq(mst_request_check_time(&r, 1005000, 2000, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 1005001, 2000, NULL),
                     MST_EEXPIRED);
    /* A deadline after time + ttl: the ttl decides, as without one. */
    r.deadline_ms = 1020000;
    ck_assert(!mst_request_deadline_first(&r));
    ck_assert_int_eq(mst_request_check_time(&r, 1010000, 0, NULL), MST_OK);
    ck_assert_int_eq(mst_request_check_time(&r, 1010001, 0, &err),
                     MST_EEXPIRED);
    ck_assert_ptr_nonnull(strstr(err.msg, "request is 11 s old"));
    r.deadline_ms = 0;
    ck_assert(!mst_request_deadline_first(&r));
    ck_assert_int_eq(mst_request_check_time(&r, 1010000, 0, NULL), MST_OK);
    /* absurd clocks do not overflow */
    r.deadline_ms = 1003000;
    ck_assert_int_eq(mst_request_check_time(&r, INT64_MIN, 0, NULL),
                     MST_EEXPIRED);
    ck_assert_int_eq(mst_request_check_time(&r, INT64_MAX, INT64_MAX, NULL),
                     MST_OK);
}
END_TEST

START_TEST(status_texts) {
    ck_assert_str_eq(mst_rpc_status_text(MUSTER_OK), "OK");
    ck_assert_str_eq(mst_rpc_status_text(MUSTER_ABORTED), "Aborted");
    ck_assert_str_eq(mst_rpc_status_text(MUSTER_UNKNOWN_ACTION),
                     "Unknown Action");
    ck_assert_str_eq(mst_rpc_status_text(MUSTER_MISSING_DATA), "Missing Data");
    ck_assert_str_eq(mst_rpc_status_text(MUSTER_INVALID_DATA), "Invalid Data");
    ck_assert_str_eq(mst_rpc_status_text(MUSTER_UNKNOWN_ERROR),
                     "Unknown Error");
    ck_assert_str_eq(mst_rpc_status_text(6), "Invalid Status");
    ck_assert_str_eq(mst_rpc_status_text(-1), "Invalid Status");
}
END_TEST

START_TEST(clear_is_idempotent) {
    struct mst_request req;
    sample_request(&req);
    mst_request_clear(&req);
    ck_assert_ptr_null(req.agent);
    mst_request_clear(&req);
    struct mst_reply rep = {0};
    mst_reply_clear(&rep);
}
END_TEST

int main(void) {
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("decode");
    tcase_add_loop_test(tc, request_fixture, 0,
                        (int)(sizeof request_cases / sizeof request_cases[0]));
    tcase_add_loop_test(tc, reply_fixture, 0,
                        (int)(sizeof reply_cases / sizeof reply_cases[0]));
    tcase_add_test(tc, request_fixture_fields);
    suite_add_tcase(s, tc);
    tc = tcase_create("encode");
    tcase_add_test(tc, request_round_trip);
    tcase_add_test(tc, embedded_nul_is_refused);
    tcase_add_test(tc, reply_round_trip);
    tcase_add_loop_test(tc, request_encode_refuses, 0, 16);
    tcase_add_test(tc, encode_caps);
    suite_add_tcase(s, tc);
    tc = tcase_create("misc");
    tcase_add_test(tc, time_window);
    tcase_add_test(tc, deadline_window);
    tcase_add_test(tc, status_texts);
    tcase_add_test(tc, clear_is_idempotent);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
