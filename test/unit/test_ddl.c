/*
 * test_ddl.c - the loaded DDL (ddl/ddl.h) and its loader (ddl/load.h):
 * good and broken fixtures in test/data/ddl/ with their errors, the size
 * cap, and the names of the DDL's enums.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "ddl/load.h"
#include "ddl_fixture.h"
#include "runner.h"

START_TEST(loads_rpcutil) {
    char path[512];
    snprintf(path, sizeof path, "%s/rpcutil/rpcutil.json", AGENTS_DIR);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_load_file(path, &ddl, &err), MST_OK);
    ck_assert_str_eq(ddl->name, "rpcutil");
    ck_assert_int_eq(ddl->timeout_ms, 2000);
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
    ck_assert_int_eq(ddl->timeout_ms, 5000);
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
    {"bad-regex", MST_ECONFIG, "actions[0].input.x.validation: bad regular"},
    {"bad-regex-bomb", MST_ECONFIG, "repetition bound"},
    {"bad-default", MST_ECONFIG,
     "actions[0].input.x.default: expected an integer, got a string"},
    {"bad-default-list", MST_ECONFIG,
     "actions[0].input.x.default: \"c\" is not one of [\"a\",\"b\"]"},
    {"bad-list-enum", MST_ECONFIG, "actions[0].input.x.enum: a list input"},
    {"bad-list-type", MST_ECONFIG, "only list inputs take a list of choices"},
    {"bad-list-twice", MST_ECONFIG, "give the choices once"},
    {"bad-maxlength", MST_ECONFIG, "maxlength: expected an integer"},
    {"bad-optional", MST_ECONFIG, "optional: expected true or false"},
    {"bad-display", MST_ECONFIG, "actions[0].display: expected \"always\""},
    {"bad-dup-action", MST_ECONFIG, "actions[1]: action \"a\" defined twice"},
    {"bad-dup-key", MST_ECONFIG, "duplicate object key"},
    {"bad-agg-output", MST_ECONFIG, "\"y\" is not an output"},
    {"bad-agg-format", MST_ECONFIG, "format: not a format sum takes"},
    {"bad-agg-summary-format", MST_ECONFIG,
     "format: not a format summary takes"},
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

/* What loads with one warning naming the file and the field. */
static const struct {
    const char *name;
    const char *warning; /* after "DIR/warn-x.json: " */
} warned[] = {
    {"warn-validator", "actions[0].input.x.validation: unknown validator "
                       "\"shelsafe\": the input is checked by type only"},
    {"warn-validation-type",
     "actions[0].input.x.validation: \"^[0-9]+$\" ignored: only string "
     "inputs are checked beyond their type (this one is integer)"},
    {"warn-agg-function", "actions[0].aggregate[0].function: unknown "
                          "aggregate function \"median\": left out"},
};

START_TEST(warns_and_loads) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", DDL_DIR, warned[_i].name);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_ddl_load_file(path, &ddl, &err) == MST_OK, "%s: %s",
                  warned[_i].name, err.msg);
    ck_assert_uint_eq(ddl->warnings.n, 1);
    char want[1024];
    snprintf(want, sizeof want, "%s: %s", path, warned[_i].warning);
    ck_assert_str_eq(ddl->warnings.v[0], want);
    /* What is not understood is left out: the input is checked by its
     * type only, the aggregate is not computed. */
    const struct mst_ddl_action *a = mst_ddl_action(ddl, "a");
    ck_assert_uint_eq(a->n_aggregates, 0);
    if (a->n_inputs > 0)
        ck_assert_int_eq(a->inputs[0].validator, MST_DDL_V_NONE);
    mst_ddl_free(&ddl);
}
END_TEST

/* A default is checked against its type, not its validation (Choria
 * checks none; "" defaults are common); a value given still is. */
START_TEST(defaults_skip_validation) {
    struct mst_ddl *ddl = load("default-unvalidated");
    const struct mst_ddl_input *x =
        mst_ddl_input(mst_ddl_action(ddl, "a"), "x");
    ck_assert_str_eq(json_string_value(x->def), "nope");
    ck_assert_uint_eq(ddl->warnings.n, 0);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_ddl_inputs_check_value(x, x->def, &err), MST_EINVAL);
    mst_ddl_free(&ddl);
}
END_TEST

/* Choria's forms: "list" choices, Hash and Array, a validation naming the
 * input's own type, the plugin aggregates, a two-value summary format. */
START_TEST(loads_choria_forms) {
    struct mst_ddl *ddl = load("choria-forms");
    ck_assert_uint_eq(ddl->warnings.n, 0);
    const struct mst_ddl_action *act = mst_ddl_action(ddl, "check");
    const struct mst_ddl_input *mode = mst_ddl_input(act, "mode");
    ck_assert_int_eq(mode->type, MST_DDL_LIST);
    char *choices = json_dumps(mode->enum_values, JSON_COMPACT);
    ck_assert_str_eq(choices, "[\"all\",\"headers\"]");
    free(choices);
    ck_assert_int_eq(mst_ddl_input(act, "opts")->type, MST_DDL_HASH);
    ck_assert_int_eq(mst_ddl_input(act, "items")->type, MST_DDL_ARRAY);
    ck_assert_int_eq(mst_ddl_input(act, "noop")->validator, MST_DDL_V_NONE);
    const struct mst_ddl_input *tags = mst_ddl_input(act, "tags");
    ck_assert_int_eq(tags->validator, MST_DDL_V_PUPPET_TAGS);
    ck_assert_str_eq(json_string_value(tags->def), "");
    static const enum mst_ddl_function fns[] = {
        MST_DDL_SUMMARY,         MST_DDL_BOOLEAN_SUMMARY, MST_DDL_NAGIOS_STATES,
        MST_DDL_PROCESS_SUMMARY, MST_DDL_NETTEST_MMA,     MST_DDL_CHART};
    ck_assert_uint_eq(act->n_aggregates, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(act->aggregates[i].function, fns[i]);
    ck_assert_str_eq(act->aggregates[0].format, "%s Tests on %d node(s)");
    ck_assert_str_eq(act->aggregates[1].label_true, "on");
    ck_assert_str_eq(act->aggregates[1].label_false, "off");
    mst_ddl_free(&ddl);
}
END_TEST

/*
 * Every DDL published by the choria-plugins agents and go-choria (copies
 * in test/data/ddl/choria/, sources in its SOURCE) loads, without a
 * warning, with a few facts of each: the agent, its number of actions,
 * one input's type and validation, one aggregate.  Their regexes use
 * \\A \\z \\d \\w \\s, which mst_regexp_translate reads today and RE2
 * syntax (issue 11, regexp.c) keeps.
 */
static const struct {
    const char *file; /* below test/data/ddl/choria/ */
    const char *agent;
    size_t n_actions;
    const char *action, *input;
    enum mst_ddl_type type;
    enum mst_ddl_validator validator;
    const char *aggregate_action; /* its first aggregate, or NULL */
    enum mst_ddl_function function;
} published[] = {
    {"filemgr.json", "filemgr", 3, "remove", "file", MST_DDL_STRING,
     MST_DDL_V_REGEX, NULL, 0},
    {"nettest.json", "nettest", 2, "ping", "fqdn", MST_DDL_STRING,
     MST_DDL_V_NETTEST_FQDN, "ping", MST_DDL_NETTEST_MMA},
    {"nrpe.json", "nrpe", 2, "runcommand", "command", MST_DDL_STRING,
     MST_DDL_V_REGEX, "runcommand", MST_DDL_NAGIOS_STATES},
    {"package.json", "package", 14, "yum_clean", "mode", MST_DDL_LIST,
     MST_DDL_V_NONE, "status", MST_DDL_SUMMARY},
    {"process.json", "process", 1, "list", "pattern", MST_DDL_STRING,
     MST_DDL_V_SHELLSAFE, "list", MST_DDL_PROCESS_SUMMARY},
    {"puppet.json", "puppet", 6, "runonce", "tags", MST_DDL_STRING,
     MST_DDL_V_PUPPET_TAGS, "disable", MST_DDL_BOOLEAN_SUMMARY},
    {"service.json", "service", 4, "restart", "service", MST_DDL_STRING,
     MST_DDL_V_SERVICE_NAME, "status", MST_DDL_SUMMARY},
    {"go-choria/choria_registry.json", "choria_registry", 2, "names",
     "plugin_type", MST_DDL_LIST, MST_DDL_V_NONE, NULL, 0},
    {"go-choria/choria_util.json", "choria_util", 4, "machine_transition",
     "version", MST_DDL_STRING, MST_DDL_V_REGEX, "info", MST_DDL_SUMMARY},
    {"go-choria/go_agent.json", "echo", 1, "ping", "message", MST_DDL_STRING,
     MST_DDL_V_REGEX, NULL, 0},
    {"go-choria/rpcutil.json", "rpcutil", 9, "get_facts", "facts",
     MST_DDL_STRING, MST_DDL_V_REGEX, "get_fact", MST_DDL_SUMMARY},
    {"go-choria/scout.json", "scout", 5, "goss_validate", "yaml_rules",
     MST_DDL_STRING, MST_DDL_V_REGEX, "goss_validate", MST_DDL_SUMMARY},
};

START_TEST(loads_published) {
    char path[512];
    snprintf(path, sizeof path, "%s/choria/%s", DDL_DIR, published[_i].file);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_ddl_load_file(path, &ddl, &err) == MST_OK, "%s", err.msg);
    ck_assert_msg(ddl->warnings.n == 0, "%s", ddl->warnings.v[0]);
    ck_assert_str_eq(ddl->name, published[_i].agent);
    ck_assert_uint_eq(ddl->n_actions, published[_i].n_actions);
    const struct mst_ddl_action *act =
        mst_ddl_action(ddl, published[_i].action);
    ck_assert_ptr_nonnull(act);
    const struct mst_ddl_input *in = mst_ddl_input(act, published[_i].input);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(in->type, published[_i].type);
    ck_assert_int_eq(in->validator, published[_i].validator);
    if (published[_i].aggregate_action != NULL) {
        act = mst_ddl_action(ddl, published[_i].aggregate_action);
        ck_assert_uint_gt(act->n_aggregates, 0);
        ck_assert_int_eq(act->aggregates[0].function, published[_i].function);
    }
    mst_ddl_free(&ddl);
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
        MST_ETOOBIG);
    /* The same from a file: refused by the read, naming file and cap. */
    char path[] = "/tmp/test_ddl_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, big, MST_DDL_MAX_FILE + 1),
                     MST_DDL_MAX_FILE + 1);
    close(fd);
    ck_assert_int_eq(mst_ddl_load_file(path, &ddl, &err), MST_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    ck_assert_ptr_nonnull(strstr(err.msg, "larger than 1048576 bytes"));
    ck_assert_ptr_null(ddl);
    unlink(path);
    free(big);
}
END_TEST

/* Every name printed is a name the loader reads back to the same value. */
START_TEST(names_round_trip) {
    static const char *const types[] = {"string", "integer", "float",
                                        "number", "boolean", "list",
                                        "array",  "hash",    "any"};
    for (int t = MST_DDL_STRING; t <= MST_DDL_ANY; t++)
        ck_assert_str_eq(mst_ddl_type_name(t), types[t]);
    ck_assert_str_eq(mst_ddl_display_name(MST_DDL_DISPLAY_FAILED), "failed");
    ck_assert_str_eq(mst_ddl_display_name(MST_DDL_DISPLAY_OK), "ok");
    ck_assert_str_eq(mst_ddl_display_name(MST_DDL_DISPLAY_ALWAYS), "always");
    ck_assert_str_eq(mst_ddl_function_name(MST_DDL_SUMMARY), "summary");
    ck_assert_str_eq(mst_ddl_function_name(MST_DDL_AVERAGE), "average");
    ck_assert_str_eq(mst_ddl_function_name(MST_DDL_SUM), "sum");
    ck_assert_str_eq(mst_ddl_function_name(MST_DDL_CHART), "chart");
    /* Each display name loads back as its value; good.json spells each
     * aggregate function. */
    for (int d = MST_DDL_DISPLAY_FAILED; d <= MST_DDL_DISPLAY_ALWAYS; d++) {
        char text[200];
        int n = snprintf(text, sizeof text,
                         "{\"metadata\": {\"name\": \"x\"}, \"actions\": "
                         "[{\"action\": \"a\", \"display\": \"%s\"}]}",
                         mst_ddl_display_name(d));
        struct mst_ddl *ddl = NULL;
        struct mst_err err = {0};
        ck_assert_int_eq(
            mst_ddl_load_text(text, (size_t)n, "display", &ddl, &err), MST_OK);
        ck_assert_int_eq(ddl->actions[0].display, d);
        mst_ddl_free(&ddl);
    }
    struct mst_ddl *ddl = load("good");
    const struct mst_ddl_action *all = mst_ddl_action(ddl, "all");
    ck_assert_int_eq(all->display, MST_DDL_DISPLAY_OK);
    ck_assert_int_eq(all->aggregates[0].function, MST_DDL_SUMMARY);
    ck_assert_int_eq(all->aggregates[1].function, MST_DDL_AVERAGE);
    ck_assert_int_eq(all->aggregates[2].function, MST_DDL_SUM);
    mst_ddl_free(&ddl);
}
END_TEST

START_TEST(json_kinds) {
    json_t *v = json_pack("[{}, [], s, i, f, b, n]", "x", 1, 1.5, 1);
    static const char *const want[] = {"an object",  "an array", "a string",
                                       "an integer", "a float",  "a boolean",
                                       "null"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_str_eq(mst_ddl_json_kind(json_array_get(v, i)), want[i]);
    json_decref(v);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddl");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, loads_rpcutil);
    tcase_add_test(tc, loads_good);
    tcase_add_loop_test(tc, refuses_broken, 0,
                        (int)(sizeof broken / sizeof broken[0]));
    tcase_add_loop_test(tc, warns_and_loads, 0,
                        (int)(sizeof warned / sizeof warned[0]));
    tcase_add_test(tc, defaults_skip_validation);
    tcase_add_loop_test(tc, loads_published, 0,
                        (int)(sizeof published / sizeof published[0]));
    tcase_add_test(tc, loads_choria_forms);
    tcase_add_test(tc, refuses_missing_and_huge);
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, json_kinds);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
