/*
 * test_ddl_inputs.c - an action's inputs (ddl/inputs.h): conversion of
 * typed inputs, every validator, validation on the server side, KEY=VALUE
 * arguments and redaction, against test/data/ddl/good.json.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "ddl_fixture.h"
#include "runner.h"

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

/* The choria-plugins validators on the cases of their Ruby specs
 * (spec/validator/NAME_validator_spec.rb), and a few of Ruby's edges. */
static const struct {
    const char *validator, *value;
    int ok;
} plugin_cases[] = {
    {"service_name", "rspec", 1},
    {"service_name", "rspec-service-1", 1},
    {"service_name", "rspec.service", 1},
    {"service_name", "rspec@service", 1},
    {"service_name", "rspec:service", 1},
    {"service_name", "rspec!", 0},
    {"service_name", "", 0},
    {"package_name", "rspec-package-1", 1},
    {"package_name", "rspec.package", 1},
    {"package_name", "lib_x", 1},
    {"package_name", "rspec!", 0},
    {"package_name", "a:b", 0},
    {"nettest_fqdn", "1.2.3.4", 1},
    {"nettest_fqdn", "host1.example.com", 1},
    {"nettest_fqdn", "exmaple.com", 1},
    {"nettest_fqdn", "localhost", 1},
    {"nettest_fqdn", "not a hostname", 0},
    {"nettest_fqdn", "1host.example.com", 0}, /* labels start with a letter */
    {"nettest_fqdn", "host-.com", 0},
    {"nettest_fqdn", "::1", 0},
    {"nettest_server_address", "host.example.com:8080", 1},
    {"nettest_server_address", "1host:80", 1},
    {"nettest_server_address", "host.example.com", 0},
    {"nettest_server_address", ":8080", 0},
    {"nettest_server_address", "localhost#:8080", 0},
    {"nettest_server_address", "host.example.com:rspec", 0},
    {"nettest_server_address", "host:80;ls", 0}, /* shellsafe */
    {"puppet_variable", "a", 1},
    {"puppet_variable", "A", 1},
    {"puppet_variable", "1a", 1},
    {"puppet_variable", "a1", 1},
    {"puppet_variable", "1", 0},
    {"puppet_variable", "a-b", 0},
    {"puppet_variable", "a.b", 0},
    {"puppet_variable", "a b", 0},
    {"puppet_tags", "one,two::three", 1},
    {"puppet_tags", "a,", 1},
    {"puppet_tags", "a::", 1},
    {"puppet_tags", "a,,b", 1},
    {"puppet_tags", "::a", 0},
    {"puppet_tags", "a:b", 0},
    {"puppet_tags", "a-b", 0},
    {"puppet_tags", "a|b", 0},
    {"puppet_server_address", "box", 1},
    {"puppet_server_address", "a-nother.box.com", 1},
    {"puppet_server_address", "a", 1},
    {"puppet_server_address", "1.1.1.1", 1},
    {"puppet_server_address", "255.255.255.255", 1},
    {"puppet_server_address", "fe80::7a31:c1ff:fed6:92a2", 1},
    {"puppet_server_address", "::FFFF:129.144.52.38", 1},
    {"puppet_server_address", "::1", 1},
    {"puppet_server_address", "a:123", 1},
    {"puppet_server_address", "a:", 1},
    {"puppet_server_address", "1.1.1.1:123", 1},
    {"puppet_server_address", "[::1]:123", 1},
    {"puppet_server_address", "[2001:0db8:0000:0000:0000:ff00:0042:8329]:9999",
     1},
    {"puppet_server_address", "foo bar", 0},
    {"puppet_server_address", "1", 0},
    {"puppet_server_address", "300000", 0},
    {"puppet_server_address", "a_box", 0},
    {"puppet_server_address", "a_nother.box.com", 0},
    {"puppet_server_address", "1.2", 0},
    {"puppet_server_address", "300.1.1.1", 0},
    {"puppet_server_address", "200.200", 0},
    {"puppet_server_address", "fe80::7a31:c1ff:fed6:92a2:e0e0e0", 0},
    {"puppet_server_address", "gggg::7a31:c1ff:fed6:92a2", 0},
    {"puppet_server_address", "a:a", 0},
    {"puppet_server_address", "1.1.1.1:a", 0},
    {"puppet_server_address", "[::1]:a", 0},
    {"puppet_server_address", "[::1]:", 0},
    {"puppet_server_address", "box;ls", 0},
    {"puppet_resource", "rspec[abc]", 1},
    {"puppet_resource", "rspec[ ]", 1},
    {"puppet_resource", "rspec_rspec[rspec]", 1},
    {"puppet_resource", "rspec", 0},
    {"puppet_resource", "rspec[mcollective", 0},
    {"puppet_resource", "[mcollective]", 0},
    {"puppet_resource", "rspec[]", 0},
    {"puppet_resource", "rspec-rspec[rspec]", 0},
};

START_TEST(plugin_validators) {
    char text[256];
    int n = snprintf(text, sizeof text,
                     "{\"metadata\": {\"name\": \"v\"}, \"actions\": "
                     "[{\"action\": \"a\", \"input\": {\"x\": {\"type\": "
                     "\"string\", \"validation\": \"%s\"}}}]}",
                     plugin_cases[_i].validator);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_load_text(text, (size_t)n, "v", &ddl, &err),
                     MST_OK);
    ck_assert_uint_eq(ddl->warnings.n, 0);
    const struct mst_ddl_input *x = mst_ddl_input(&ddl->actions[0], "x");
    json_t *v = json_string(plugin_cases[_i].value);
    int rc = mst_ddl_inputs_check_value(x, v, &err);
    ck_assert_msg((rc == MST_OK) == plugin_cases[_i].ok, "%s \"%s\": %s",
                  plugin_cases[_i].validator, plugin_cases[_i].value,
                  rc == MST_OK ? "accepted" : err.msg);
    if (rc != MST_OK)
        ck_assert_ptr_nonnull(strstr(err.msg, plugin_cases[_i].validator));
    json_decref(v);
    mst_ddl_free(&ddl);
}
END_TEST

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
    /* a list choice with a NUL after it is not that choice (strcmp alone
     * would take "fast\0x" for "fast"): check_string refuses it */
    ck_assert_int_eq(
        check_json("{\"name\": \"w\", \"mode\": \"fast\\u0000x\"}", &d, &err),
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
    ck_assert_str_eq(json_string_value(json_object_get(r, "password")), "***");
    ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "a");
    ck_assert_str_eq(json_string_value(json_object_get(d, "password")),
                     "hunter2");
    json_decref(r);
    json_decref(d);
    mst_ddl_free(&ddl);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddl_inputs");
    TCase *tc = tcase_create("inputs");
    tcase_add_test(tc, converts_types);
    tcase_add_test(tc, validators);
    tcase_add_loop_test(tc, plugin_validators, 0,
                        (int)(sizeof plugin_cases / sizeof plugin_cases[0]));
    tcase_add_test(tc, validates_json);
    tcase_add_test(tc, parses_args);
    tcase_add_test(tc, redacts);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
