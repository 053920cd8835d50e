/*
 * test_ddl.c - DDL loading (good and broken fixtures in test/data/ddl/ with
 * their errors), conversion of typed inputs, every validator, validation on
 * the server side, redaction, aggregates and finding DDL files.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/status.h"
#include "ddl/aggregate.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "ddl/load.h"
#include "ddl/path.h"
#include "runner.h"
#include "targeting/regexp.h"

#define DDL_DIR MST_TEST_DATA "/ddl"
#define AGENTS_DIR MST_TEST_DATA "/../../agents"

static struct mst_ddl *load(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", DDL_DIR, name);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    int rc = mst_ddl_load_file(path, &ddl, &err);
    ck_assert_msg(rc == MST_OK, "%s: %s", name, err.msg);
    return ddl;
}

static const struct mst_ddl_action *good_all(struct mst_ddl **ddl) {
    *ddl = load("good");
    const struct mst_ddl_action *act = mst_ddl_action(*ddl, "all");
    ck_assert_ptr_nonnull(act);
    return act;
}

START_TEST(loads_rpcutil) {
    char path[512];
    snprintf(path, sizeof path, "%s/rpcutil/rpcutil.json", AGENTS_DIR);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_load_file(path, &ddl, &err), MST_OK);
    ck_assert_str_eq(ddl->name, "rpcutil");
    ck_assert_int_eq(ddl->timeout_s, 2);
    ck_assert_uint_eq(ddl->n_actions, 7);
    const struct mst_ddl_action *gf = mst_ddl_action(ddl, "get_fact");
    ck_assert_ptr_nonnull(gf);
    ck_assert_int_eq(gf->display, MST_DDL_DISPLAY_ALWAYS);
    ck_assert_uint_eq(gf->n_aggregates, 1);
    const struct mst_ddl_input *fact = mst_ddl_input(gf, "fact");
    ck_assert_int_eq(fact->validator, MST_DDL_V_REGEX);
    ck_assert_uint_eq(fact->maxlength, 128);
    ck_assert(!fact->optional);
    json_t *ok = json_string("os.family"), *no = json_string("a b");
    ck_assert_int_eq(mst_ddl_inputs_check_value(fact, ok, &err), MST_OK);
    ck_assert_int_eq(mst_ddl_inputs_check_value(fact, no, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
    json_decref(ok);
    json_decref(no);
    const struct mst_ddl_input *facts =
        mst_ddl_input(mst_ddl_action(ddl, "get_facts"), "facts");
    ok = json_string("role, os.family,n");
    ck_assert_int_eq(mst_ddl_inputs_check_value(facts, ok, &err), MST_OK);
    json_decref(ok);
    ck_assert_ptr_null(mst_ddl_action(ddl, "nope"));
    mst_ddl_free(&ddl);
    ck_assert_ptr_null(ddl);
}
END_TEST

START_TEST(loads_good) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    ck_assert_str_eq(ddl->description,
                     "Every type, validator and aggregate, for test_ddl");
    ck_assert_str_eq(ddl->author, "muster developers");
    ck_assert_int_eq(ddl->timeout_s, 5);
    ck_assert_int_eq(act->display, MST_DDL_DISPLAY_OK);
    ck_assert_uint_eq(act->n_inputs, 16);
    ck_assert_uint_eq(act->n_outputs, 3);
    ck_assert_str_eq(act->inputs[0].name, "name"); /* file order */
    ck_assert_str_eq(act->inputs[0].prompt, "Name");
    ck_assert(mst_ddl_input(act, "password")->sensitive);
    ck_assert(json_is_real(mst_ddl_input(act, "ratio")->def));
    ck_assert_str_eq(mst_ddl_output(act, "extra")->display_as, "extra");
    ck_assert_int_eq(mst_ddl_output(act, "extra")->type, MST_DDL_ANY);
    const struct mst_ddl_action *none = mst_ddl_action(ddl, "none");
    ck_assert_int_eq(none->display, MST_DDL_DISPLAY_FAILED); /* default */
    ck_assert_uint_eq(none->n_inputs, 0);
    mst_ddl_free(&ddl);
}
END_TEST

static const struct {
    const char *name;
    int code;
    const char *msg; /* after "DIR/bad-x.json: " */
} broken[] = {
    {"bad-syntax", MST_ECONFIG, ":2:0: "},
    {"bad-not-object", MST_ECONFIG, "expected a JSON object"},
    {"bad-top-key", MST_ECONFIG, "extra: unknown key"},
    {"bad-no-metadata", MST_ECONFIG, "metadata: required"},
    {"bad-name", MST_ECONFIG, "metadata.name: \"a b\" is not a name"},
    {"bad-timeout", MST_ECONFIG, "metadata.timeout: expected an integer"},
    {"bad-no-actions", MST_ECONFIG, "actions: required"},
    {"bad-type", MST_ECONFIG,
     "actions[2].input.fact.type: unknown type \"str\""},
    {"bad-no-type", MST_ECONFIG, "actions[0].input.x.type: required"},
    {"bad-input-key", MST_ECONFIG, "actions[0].input.x.optinal: unknown key"},
    {"bad-validator", MST_ECONFIG,
     "actions[0].input.x.validation: unknown validator \"shelsafe\""},
    {"bad-regex", MST_ECONFIG, "actions[0].input.x.validation: bad regular"},
    {"bad-regex-bomb", MST_ECONFIG, "repetition bound"},
    {"bad-validation-type", MST_ECONFIG, "only string inputs take"},
    {"bad-default", MST_ECONFIG,
     "actions[0].input.x.default: expected an integer, got a string"},
    {"bad-default-invalid", MST_ECONFIG, "\"nope\" is not ipv4address"},
    {"bad-list-enum", MST_ECONFIG, "actions[0].input.x.enum: a list input"},
    {"bad-enum-type", MST_ECONFIG, "only list inputs take an enum"},
    {"bad-maxlength", MST_ECONFIG, "maxlength: expected an integer"},
    {"bad-optional", MST_ECONFIG, "optional: expected true or false"},
    {"bad-display", MST_ECONFIG, "actions[0].display: expected \"always\""},
    {"bad-dup-action", MST_ECONFIG, "actions[1]: action \"a\" defined twice"},
    {"bad-dup-key", MST_ECONFIG, "duplicate object key"},
    {"bad-agg-function", MST_ECONFIG,
     "actions[0].aggregate[0].function: unknown function \"median\""},
    {"bad-agg-output", MST_ECONFIG, "\"y\" is not an output"},
    {"bad-agg-format", MST_ECONFIG, "format: expected one printf"},
    {"bad-output-type", MST_ECONFIG, "output.x.type: unknown type \"strng\""},
    {"bad-input-any", MST_ECONFIG, "input.x.type: unknown type \"any\""},
};

START_TEST(refuses_broken) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", DDL_DIR, broken[_i].name);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    int rc = mst_ddl_load_file(path, &ddl, &err);
    ck_assert_msg(rc == broken[_i].code, "%s: rc %d (%s)", broken[_i].name, rc,
                  err.msg);
    ck_assert_ptr_null(ddl);
    ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0,
                  "%s: no file name in '%s'", broken[_i].name, err.msg);
    ck_assert_msg(strstr(err.msg, broken[_i].msg) != NULL,
                  "%s: expected '%s' in '%s'", broken[_i].name, broken[_i].msg,
                  err.msg);
}
END_TEST

START_TEST(refuses_missing_and_huge) {
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_load_file(DDL_DIR "/nope.json", &ddl, &err),
                     MST_ENOTFOUND);
    char *big = malloc(MST_DDL_MAX_FILE + 2);
    memset(big, ' ', MST_DDL_MAX_FILE + 1);
    ck_assert_int_eq(
        mst_ddl_load_text(big, MST_DDL_MAX_FILE + 1, "big", &ddl, &err),
        MST_EIO);
    free(big);
}
END_TEST

/* Convert `text` for input `name` of good/all; compare as compact JSON. */
static void conv(const char *name, const char *text, const char *want) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *v = NULL;
    struct mst_err err = {0};
    int rc = mst_ddl_inputs_convert(mst_ddl_input(act, name), text, &v, &err);
    if (want == NULL) {
        ck_assert_msg(rc == MST_EINVAL, "%s=%s accepted", name, text);
        ck_assert_ptr_nonnull(strstr(err.msg, "expected"));
    } else {
        ck_assert_msg(rc == MST_OK, "%s=%s: %s", name, text, err.msg);
        char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        ck_assert_str_eq(got, want);
        free(got);
    }
    json_decref(v);
    mst_ddl_free(&ddl);
}

START_TEST(converts_types) {
    conv("name", "web", "\"web\"");
    conv("count", "42", "42");
    conv("count", "-7", "-7");
    conv("count", "9223372036854775807", "9223372036854775807");
    conv("count", "9223372036854775808", NULL);
    conv("count", "4.5", NULL);
    conv("count", "", NULL);
    conv("count", "12abc", NULL);
    conv("ratio", "0.5", "0.5");
    conv("ratio", "2", "2.0");
    conv("ratio", "1e3", "1000.0");
    conv("ratio", "nan", NULL);
    conv("ratio", "inf", NULL);
    conv("ratio", "0x10", NULL);
    conv("num", "3", "3");
    conv("num", "3.25", "3.25");
    conv("num", "three", NULL);
    conv("flag", "true", "true");
    conv("flag", "YES", "true");
    conv("flag", "y", "true");
    conv("flag", "1", "true");
    conv("flag", "f", "false");
    conv("flag", "No", "false");
    conv("flag", "0", "false");
    conv("flag", "maybe", NULL);
    conv("mode", "slow", "\"slow\"");
    conv("items", "[\"a\",1]", "[\"a\",1]");
    conv("items", "a,b", NULL);
    conv("items", "{}", NULL);
    conv("opts", "{\"a\":1}", "{\"a\":1}");
    conv("opts", "[1]", NULL);
    conv("opts", "{\"a\":1,\"a\":2}", NULL);
}
END_TEST

/* Check string `text` against input `name` of good/all. */
static void valid(const char *name, const char *text, int ok) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *v = json_string(text);
    struct mst_err err = {0};
    int rc = mst_ddl_inputs_check_value(mst_ddl_input(act, name), v, &err);
    ck_assert_msg(ok ? rc == MST_OK : rc == MST_EINVAL, "%s=\"%s\": %d %s",
                  name, text, rc, err.msg);
    json_decref(v);
    mst_ddl_free(&ddl);
}

START_TEST(validators) {
    valid("name", "web-1.ex", 1);
    valid("name", "a_b", 1);
    valid("name", "a b", 0);
    valid("name", "a;b", 0);
    valid("name", "ninechars", 0); /* maxlength 8 */
    valid("password", "éééé", 1);  /* 4 characters, 8 bytes */
    valid("password", "ééééé", 0);
    valid("safe", "/var/log/syslog", 1);
    valid("safe", "nginx-1.2 web", 1);
    valid("safe", "a;rm -rf /", 0);
    valid("safe", "$(id)", 0);
    valid("safe", "`id`", 0);
    valid("safe", "a\nb", 0);
    valid("safe", "a|b", 0);
    valid("safe", "a&b", 0);
    valid("safe", "a>b", 0);
    valid("v4", "192.168.1.10", 1);
    valid("v4", "256.1.1.1", 0);
    valid("v4", "::1", 0);
    valid("v6", "::1", 1);
    valid("v6", "fe80::1:2", 1);
    valid("v6", "1.2.3.4", 0);
    valid("ip", "1.2.3.4", 1);
    valid("ip", "::1", 1);
    valid("ip", "example.net", 0);
    valid("yes", "true", 1);
    valid("yes", "No", 1);
    valid("yes", "perhaps", 0);
    valid("host", "web1.example.net", 1);
    valid("host", "localhost", 1);
    valid("host", "-web", 0);
    valid("host", "web-", 0);
    valid("host", "a..b", 0);
    valid("host", "a_b", 0);
    valid("wait", "10", 1);
    valid("wait", "1.5s", 1);
    valid("wait", "500ms", 1);
    valid("wait", "2h", 1);
    valid("wait", "2 h", 0);
    valid("wait", "s", 0);
    valid("mode", "fast", 1);
    valid("mode", "medium", 0);
}
END_TEST

static int check_json(const char *text, json_t **data_r, struct mst_err *err) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *data = json_loads(text, JSON_ALLOW_NUL, NULL);
    ck_assert_ptr_nonnull(data);
    int rc = mst_ddl_inputs_validate(act, data, err);
    mst_ddl_free(&ddl);
    *data_r = data;
    return rc;
}

START_TEST(validates_json) {
    json_t *d;
    struct mst_err err = {0};
    ck_assert_int_eq(check_json("{\"name\": \"web\"}", &d, &err), MST_OK);
    /* defaults filled in, of their types */
    ck_assert_int_eq(json_integer_value(json_object_get(d, "count")), 3);
    ck_assert(json_is_real(json_object_get(d, "ratio")));
    ck_assert(json_is_false(json_object_get(d, "flag")));
    ck_assert_str_eq(json_string_value(json_object_get(d, "mode")), "fast");
    ck_assert_ptr_null(json_object_get(d, "safe"));
    json_decref(d);

    ck_assert_int_eq(check_json("{\"name\": \"web\", \"ratio\": 2}", &d, &err),
                     MST_OK);
    ck_assert(json_is_real(json_object_get(d, "ratio")));
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": \"w\", \"safe\": null}", &d, &err),
                     MST_OK);
    json_decref(d);

    ck_assert_int_eq(check_json("{}", &d, &err), MST_ENOTFOUND);
    ck_assert_str_eq(err.msg, "missing required input name");
    ck_assert_int_eq(mst_ddl_inputs_rpc_status(MST_ENOTFOUND), 3);
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": \"w\", \"bogus\": 1}", &d, &err),
                     MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown input \"bogus\""));
    ck_assert_int_eq(mst_ddl_inputs_rpc_status(MST_EINVAL), 4);
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": 5}", &d, &err), MST_EINVAL);
    ck_assert_str_eq(err.msg, "input name: expected a string, got an integer");
    json_decref(d);
    ck_assert_int_eq(
        check_json("{\"name\": \"w\", \"count\": \"3\"}", &d, &err),
        MST_EINVAL);
    ck_assert_str_eq(err.msg, "input count: expected an integer, got a string");
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": \"w\", \"flag\": 1}", &d, &err),
                     MST_EINVAL);
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": \"w\", \"opts\": []}", &d, &err),
                     MST_EINVAL);
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": \"w\\u0000x\"}", &d, &err),
                     MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
    json_decref(d);
    ck_assert_int_eq(
        check_json("{\"name\": \"w\", \"password\": \"secret\"}", &d, &err),
        MST_EINVAL);
    ck_assert_ptr_null(strstr(err.msg, "secret"));
    ck_assert_ptr_nonnull(strstr(err.msg, "input password: not a valid"));
    json_decref(d);
    ck_assert_int_eq(check_json("{\"name\": \"a;b\"}", &d, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "input name: \"a;b\" does not"));
    json_decref(d);

    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *arr = json_array();
    ck_assert_int_eq(mst_ddl_inputs_validate(act, arr, &err), MST_EINVAL);
    json_decref(arr);
    mst_ddl_free(&ddl);
}
END_TEST

START_TEST(parses_args) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    struct mst_err err = {0};
    json_t *d = NULL;
    char *ok[] = {"name=web", "count=7", "flag=yes", "v4=10.0.0.1"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, ok, 4, &d, &err), MST_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "count")), 7);
    ck_assert(json_is_true(json_object_get(d, "flag")));
    ck_assert_str_eq(json_string_value(json_object_get(d, "mode")), "fast");
    json_decref(d);
    char *eq_in_value[] = {"name=a", "safe=x=y"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, eq_in_value, 2, &d, &err),
                     MST_OK);
    ck_assert_str_eq(json_string_value(json_object_get(d, "safe")), "x=y");
    json_decref(d);

    d = NULL;
    char *missing[] = {"count=1"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, missing, 1, &d, &err),
                     MST_ENOTFOUND);
    ck_assert_ptr_null(d);
    char *unknown[] = {"name=a", "colour=red"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, unknown, 2, &d, &err),
                     MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown input \"colour\" (all "
                                          "takes: name, safe,"));
    char *typed[] = {"name=a", "count=many"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, typed, 2, &d, &err), MST_EINVAL);
    ck_assert_str_eq(err.msg, "input count: expected an integer, got \"many\"");
    char *twice[] = {"name=a", "name=b"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, twice, 2, &d, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "given twice"));
    char *noeq[] = {"name"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, noeq, 1, &d, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "expected KEY=VALUE"));
    char *bad[] = {"name=a b"};
    ck_assert_int_eq(mst_ddl_inputs_parse(act, bad, 1, &d, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
    mst_ddl_free(&ddl);
}
END_TEST

START_TEST(redacts) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *d = json_pack("{s:s, s:s}", "name", "a", "password", "hunter2");
    json_t *r = mst_ddl_inputs_redact(act, d);
    ck_assert_str_eq(json_string_value(json_object_get(r, "password")),
                     "***");
    ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "a");
    ck_assert_str_eq(json_string_value(json_object_get(d, "password")),
                     "hunter2");
    json_decref(r);
    json_decref(d);
    mst_ddl_free(&ddl);
}
END_TEST

START_TEST(aggregates) {
    struct mst_ddl *ddl;
    const struct mst_ddl_action *act = good_all(&ddl);
    json_t *datas = json_loads("[{\"size\": 10, \"state\": \"up\"},"
                               " {\"size\": 20.5, \"state\": \"up\"},"
                               " {\"size\": \"x\", \"state\": \"down\"},"
                               " {\"state\": 3}, {}]",
                               0, NULL);
    json_t *r = mst_ddl_aggregate_compute(act, datas);
    ck_assert_uint_eq(json_array_size(r), 3);
    json_t *sum0 = json_array_get(r, 0);
    ck_assert_str_eq(json_string_value(json_object_get(sum0, "function")),
                     "summary");
    ck_assert_str_eq(json_string_value(json_object_get(sum0, "display_as")),
                     "State");
    char *counts = json_dumps(json_object_get(sum0, "value"),
                              JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(counts, "{\"3\":1,\"down\":1,\"up\":2}");
    free(counts);
    json_t *avg = json_array_get(r, 1);
    ck_assert_double_eq_tol(json_real_value(json_object_get(avg, "value")),
                            15.25, 1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(avg, "count")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(avg, "text")),
                     "15.2 bytes");
    json_t *sum = json_array_get(r, 2);
    ck_assert_double_eq_tol(json_real_value(json_object_get(sum, "value")),
                            30.5, 1e-9);
    ck_assert_str_eq(json_string_value(json_object_get(sum, "text")),
                     "31 in all");
    json_decref(r);
    json_decref(datas);

    json_t *empty = json_array();
    r = mst_ddl_aggregate_compute(act, empty);
    ck_assert(json_is_null(json_object_get(json_array_get(r, 1), "value")));
    json_decref(r);
    r = mst_ddl_aggregate_compute(mst_ddl_action(ddl, "none"), empty);
    ck_assert_uint_eq(json_array_size(r), 0);
    json_decref(r);
    json_decref(empty);
    mst_ddl_free(&ddl);
}
END_TEST

static void tr(const char *src, const char *want) {
    char out[1100];
    struct mst_err err = {0};
    int rc = mst_regexp_translate(src, out, sizeof out, &err);
    if (want == NULL) {
        ck_assert_msg(rc == MST_EINVAL, "%s translated to %s", src, out);
        return;
    }
    ck_assert_msg(rc == MST_OK, "%s: %s", src, err.msg);
    ck_assert_str_eq(out, want);
}

START_TEST(translates_regex) {
    tr("^[\\w\\-\\.]+$", "^[[:alnum:]_.-]+$");
    tr("^\\d+\\.\\d+$", "^[0-9]+\\.[0-9]+$");
    tr("\\s*,\\s*", "[[:space:]]*,[[:space:]]*");
    tr("\\A\\S+\\z", "^[^[:space:]]+$");
    tr("[^\\]a]", "[^]a]");
    tr("[-a]", "[a-]");
    tr("[a\\^]", "[a^]");
    tr("[\\^]", "\\^");
    tr("[[:alpha:]\\d]", "[[:alpha:]0-9]");
    tr("a\\/b\\-c", "a/b-c");
    tr("(a|b)\\(", "(a|b)\\(");
    tr("\\1", NULL);
    tr("\\bword", NULL);
    tr("(?i)abc", NULL);
    tr("[abc", NULL);
    tr("abc\\", NULL);
    tr("[\\W]", NULL);
}
END_TEST

START_TEST(finds_files) {
    struct mst_strv dirs = {0};
    mst_strv_push(&dirs, MST_TEST_DATA "/nonexistent");
    mst_strv_push(&dirs, DDL_DIR);
    mst_strv_push(&dirs, AGENTS_DIR);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "good", &ddl, &err), MST_OK);
    mst_ddl_free(&ddl);
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "rpcutil", &ddl, &err), MST_OK);
    ck_assert_str_eq(ddl->name, "rpcutil");
    mst_ddl_free(&ddl);
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "nope", &ddl, &err),
                     MST_ENOTFOUND);
    ck_assert_str_eq(err.msg, "no DDL for agent nope");
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "bad-type", &ddl, &err),
                     MST_ECONFIG);
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "..", &ddl, &err), MST_EINVAL);
    /* bad-top-key.json names itself "bad" */
    ck_assert_int_eq(mst_ddl_path_find(&dirs, "bad-top-key", &ddl, &err),
                     MST_ECONFIG);
    struct mst_strv names = {0};
    ck_assert_int_eq(mst_ddl_path_list(&dirs, &names), MST_OK);
    int good = 0, rpcutil = 0;
    for (size_t i = 0; i < names.n; i++) {
        good += strcmp(names.v[i], "good") == 0;
        rpcutil += strcmp(names.v[i], "rpcutil") == 0;
        if (i > 0)
            ck_assert_int_lt(strcmp(names.v[i - 1], names.v[i]), 0);
    }
    ck_assert_int_eq(good, 1);
    ck_assert_int_eq(rpcutil, 1);
    mst_strv_free(&names);
    mst_strv_free(&dirs);
}
END_TEST

static Suite *ddl_suite(void) {
    Suite *s = suite_create("ddl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, loads_rpcutil);
    tcase_add_test(tc, loads_good);
    tcase_add_loop_test(tc, refuses_broken, 0,
                        (int)(sizeof broken / sizeof broken[0]));
    tcase_add_test(tc, refuses_missing_and_huge);
    tcase_add_test(tc, converts_types);
    tcase_add_test(tc, validators);
    tcase_add_test(tc, validates_json);
    tcase_add_test(tc, parses_args);
    tcase_add_test(tc, redacts);
    tcase_add_test(tc, aggregates);
    tcase_add_test(tc, translates_regex);
    tcase_add_test(tc, finds_files);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return mst_test_run(ddl_suite());
}
