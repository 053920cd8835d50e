/*
 * test_yaml_json.c - YAML documents as jansson values: scalar typing, JSON
 * input, the refused parts of YAML (anchors, aliases, application tags,
 * several documents, duplicate keys, deep nesting) and errors that name
 * the text and the line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/yaml_json.h"
#include "runner.h"

/* Parse `text`; the result as compact JSON with sorted keys (freed by the
 * caller), or NULL with `err` filled. */
static char *to_json(const char *text, struct mst_err *err) {
    json_t *v = NULL;
    if (mst_yaml_json_parse(text, strlen(text), "doc", &v, err) != MST_OK) {
        ck_assert_ptr_null(v);
        return NULL;
    }
    char *dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(v);
    return dump;
}

static void check_json(const char *text, const char *want) {
    struct mst_err err = {0, ""};
    char *got = to_json(text, &err);
    ck_assert_msg(got != NULL, "%s: %s", text, err.msg);
    ck_assert_str_eq(got, want);
    free(got);
}

static void check_refused(const char *text, const char *prefix,
                          const char *part) {
    struct mst_err err = {0, ""};
    char *got = to_json(text, &err);
    ck_assert_msg(got == NULL, "accepted %s as %s", text, got);
    ck_assert_int_eq(err.code, MST_EDECODE);
    ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0,
                  "'%s' does not start with '%s'", err.msg, prefix);
    ck_assert_msg(strstr(err.msg, part) != NULL, "'%s' lacks '%s'", err.msg,
                  part);
}

START_TEST(plain_scalars_are_typed) {
    check_json("i: 42\nn: -7\nf: 1.25\ne: 1e3\nt: yes\nf2: False\nz: ~\n"
               "s: web\n",
               "{\"e\":1000.0,\"f\":1.25,\"f2\":false,\"i\":42,\"n\":-7,"
               "\"s\":\"web\",\"t\":true,\"z\":null}");
}
END_TEST

START_TEST(numbers_that_are_not_numbers_stay_strings) {
    check_json("mode: 0755\nversion: 1.2.3\ninf: .inf\nbig: "
               "99999999999999999999\n",
               "{\"big\":\"99999999999999999999\",\"inf\":\".inf\","
               "\"mode\":\"0755\",\"version\":\"1.2.3\"}");
}
END_TEST

START_TEST(quoted_and_str_tagged_scalars_stay_strings) {
    check_json("a: '12'\nb: \"true\"\nc: !!str 13\nd: ! 14\n",
               "{\"a\":\"12\",\"b\":\"true\",\"c\":\"13\",\"d\":\"14\"}");
}
END_TEST

START_TEST(containers_and_json_input) {
    check_json("- 1\n- [a, 'b']\n- {k: ~}\n", "[1,[\"a\",\"b\"],{\"k\":null}]");
    check_json("{\"a\": [true, 1.25], \"b\": {}}",
               "{\"a\":[true,1.25],\"b\":{}}");
    check_json("just text", "\"just text\"");
    check_json("", "null");
}
END_TEST

START_TEST(refuses_what_is_not_plain_data) {
    check_refused("a: &x 1\nb: *x\n", "doc:1: ", "anchor &x");
    check_refused("a: 1\nb: *nothing\n", "doc:2: ", "alias *nothing");
    check_refused("a: !ruby/object:Foo {}\n",
                  "doc:1: ", "tag !ruby/object:Foo");
    check_refused("a: 1\na: 2\n", "doc:2: ", "a: duplicate key");
    check_refused("a: 1\n---\nb: 2\n", "doc:", "more than one document");
    check_refused("? [a]\n: 1\n", "doc:1: ", "plain value");
}
END_TEST

START_TEST(syntax_errors_name_the_text) {
    check_refused("a: [1,\n", "doc:", "");
    check_refused("a: \xff\xfe\n", "doc:", "");
}
END_TEST

/* MST_YAML_JSON_MAX_DEPTH nested flow sequences pass; one more fails. */
START_TEST(nesting_is_bounded) {
    char text[2 * MST_YAML_JSON_MAX_DEPTH + 8];
    int d = MST_YAML_JSON_MAX_DEPTH;
    memset(text, '[', (size_t)d);
    memset(text + d, ']', (size_t)d);
    text[2 * d] = '\0';
    struct mst_err err = {0, ""};
    char *got = to_json(text, &err);
    ck_assert_msg(got != NULL, "%s", err.msg);
    free(got);
    d++;
    memset(text, '[', (size_t)d);
    memset(text + d, ']', (size_t)d);
    text[2 * d] = '\0';
    char deeper[32];
    snprintf(deeper, sizeof deeper, "deeper than %d", MST_YAML_JSON_MAX_DEPTH);
    check_refused(text, "doc:1: ", deeper);
}
END_TEST

int main(void) {
    Suite *s = suite_create("yaml_json");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, plain_scalars_are_typed);
    tcase_add_test(tc, numbers_that_are_not_numbers_stay_strings);
    tcase_add_test(tc, quoted_and_str_tagged_scalars_stay_strings);
    tcase_add_test(tc, containers_and_json_input);
    tcase_add_test(tc, refuses_what_is_not_plain_data);
    tcase_add_test(tc, syntax_errors_name_the_text);
    tcase_add_test(tc, nesting_is_bounded);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
