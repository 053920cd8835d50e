/*
 * test_client_api.c - <muster/client.h> without a broker: configuration set
 * and read back key by key, filter texts refused with a reason, node lists
 * and counts, and DDL inputs converted and validated.  Written on the
 * public header alone and linked with libmusterclient.so, as a site tool.
 */
#include <check.h>
#include <muster/client.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static struct muster_config *cfg;

static void setup(void) {
    ck_assert_int_eq(muster_config_new(&cfg, NULL), 0);
}

static void teardown(void) {
    muster_config_free(&cfg);
    ck_assert_ptr_null(cfg);
}

/* The value of `key` as muster_config_get gives it. */
static const char *get(const char *key) {
    static char buf[512];
    ck_assert_int_ge(muster_config_get(cfg, key, buf, sizeof buf, NULL), 0);
    return buf;
}

START_TEST(config_keys_are_set_and_read_back_as_text) {
    ck_assert_str_eq(get("ttl"), "60");
    ck_assert_int_eq(muster_config_set(cfg, "ttl", "1.5", NULL), 0);
    ck_assert_str_eq(get("ttl"), "1.5");
    ck_assert_int_eq(muster_config_set(cfg, "broker.urls",
                                       "amqp://a:5672, amqp://b:5672", NULL),
                     0);
    ck_assert_str_eq(get("broker.urls"), "amqp://a:5672,amqp://b:5672");
    ck_assert_int_eq(muster_config_set(cfg, "identity", "tool1", NULL), 0);
    ck_assert_str_eq(get("identity"), "tool1");
    ck_assert_int_eq(muster_config_set(cfg, "security.provider", "none", NULL),
                     0);
    ck_assert_str_eq(get("security.provider"), "none");
    ck_assert_int_eq(muster_config_set(cfg, "log.level", "debug", NULL), 0);
    ck_assert_str_eq(get("log.level"), "debug");
    ck_assert_str_eq(muster_config_path(cfg), "");
}
END_TEST

START_TEST(bad_config_values_are_refused_and_change_nothing) {
    struct muster_error err = {0};
    ck_assert_int_eq(muster_config_set(cfg, "no_such_key", "1", &err),
                     MUSTER_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "no_such_key: unknown key"));
    ck_assert_int_eq(muster_config_set(cfg, "agents.dir", "/x", &err),
                     MUSTER_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "only allowed in the server"));
    ck_assert_int_eq(muster_config_set(cfg, "ttl", "soon", &err),
                     MUSTER_ECONFIG);
    ck_assert_int_eq(muster_config_set(cfg, "ttl", "100000", &err),
                     MUSTER_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "out of range"));
    ck_assert_str_eq(get("ttl"), "60");
    ck_assert_int_eq(
        muster_config_set(cfg, "broker.urls", "amqp://h:5672/", &err),
        MUSTER_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "empty vhost"));
    ck_assert_str_eq(get("broker.urls"), "amqp://guest:guest@127.0.0.1:5672");
    ck_assert_int_eq(muster_config_set(cfg, "identity", "two words", &err),
                     MUSTER_ECONFIG);
    ck_assert_int_eq(muster_config_set(cfg, "broker", "x", &err),
                     MUSTER_ECONFIG);
    char buf[8];
    ck_assert_int_eq(muster_config_get(cfg, "nope", buf, sizeof buf, &err),
                     MUSTER_ECONFIG);
}
END_TEST

START_TEST(a_missing_config_file_is_an_io_error) {
    struct muster_config *c = NULL;
    struct muster_error err = {0};
    ck_assert_int_eq(muster_config_load("/nonexistent/client.cfg", &c, &err),
                     MUSTER_EIO);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/client.cfg"));
}
END_TEST

START_TEST(filter_texts_are_refused_with_a_reason) {
    struct muster_filter *f = muster_filter_new();
    struct muster_error err = {0};
    ck_assert_int_eq(muster_filter_add(f, MUSTER_FILTER_FACT, "=web", &err),
                     MUSTER_EINVAL);
    ck_assert_int_ne(err.message[0], '\0');
    ck_assert_int_eq(
        muster_filter_add(f, MUSTER_FILTER_COMPOUND, "role=web and (", &err),
        MUSTER_EINVAL);
    ck_assert_int_eq(muster_filter_add(f, MUSTER_FILTER_CLASS, "/(/", &err),
                     MUSTER_EINVAL);
    char *text = json_dumps(muster_filter_json(f), JSON_COMPACT);
    ck_assert_str_eq(text, "{}"); /* unchanged by what it refused */
    free(text);
    muster_filter_free(&f);
    ck_assert_ptr_null(f);
}
END_TEST

START_TEST(only_exact_identities_are_addressed) {
    struct muster_filter *f = muster_filter_new();
    ck_assert_ptr_null(muster_filter_identities(f));
    ck_assert_int_eq(muster_filter_add(f, MUSTER_FILTER_IDENTITY, "web1", NULL),
                     0);
    ck_assert_int_eq(muster_filter_add(f, MUSTER_FILTER_IDENTITY, "web2", NULL),
                     0);
    const struct muster_list *ids = muster_filter_identities(f);
    ck_assert_uint_eq(muster_list_count(ids), 2);
    ck_assert_str_eq(muster_list_get(ids, 1), "web2");
    ck_assert_int_eq(muster_filter_add(f, MUSTER_FILTER_FACT, "role=web", NULL),
                     0);
    ck_assert_ptr_null(muster_filter_identities(f));
    muster_filter_free(&f);
    f = muster_filter_new();
    muster_filter_add(f, MUSTER_FILTER_IDENTITY, "/^web/", NULL);
    ck_assert_ptr_null(muster_filter_identities(f));
    muster_filter_free(&f);
}
END_TEST

START_TEST(counts_and_limits) {
    struct muster_count c = {0};
    struct muster_error err = {0};
    ck_assert_int_eq(muster_count_parse("5%", &c, &err), 0);
    ck_assert(c.n == 5 && c.percent);
    ck_assert_uint_eq(muster_count_of(&c, 41), 3); /* rounds up */
    ck_assert_int_eq(muster_count_parse("0", &c, &err), MUSTER_EINVAL);
    ck_assert_int_eq(muster_count_parse("101%", &c, &err), MUSTER_EINVAL);
    struct muster_list *l = muster_list_new();
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(muster_list_add(l, names[i]), 0);
    struct muster_count two = {2, 0};
    muster_list_limit(l, &two, 42);
    ck_assert_uint_eq(muster_list_count(l), 2);
    ck_assert_ptr_null(muster_list_get(l, 2));
    ck_assert_int_lt(strcmp(muster_list_get(l, 0), muster_list_get(l, 1)), 0);
    muster_list_free(&l);
}
END_TEST

/* The package agent's DDL, from the source tree. */
static struct muster_ddl *package_ddl(void) {
    struct muster_ddl *ddl = NULL;
    struct muster_error err = {0};
    setenv("MUSTER_DDL_PATH", MST_AGENT_SRC_DIR, 1);
    ck_assert_msg(muster_ddl_find(cfg, "package", &ddl, &err) == 0, "%s",
                  err.message);
    return ddl;
}

START_TEST(ddl_inputs_are_converted_and_validated) {
    struct muster_ddl *ddl = package_ddl();
    const struct muster_ddl_action *act = muster_ddl_action(ddl, "status");
    ck_assert_ptr_nonnull(act);
    ck_assert_ptr_null(muster_ddl_action(ddl, "no_such_action"));
    char *ok[] = {"package=dpkg"};
    json_t *data = NULL;
    struct muster_error err = {0};
    ck_assert_int_eq(muster_ddl_parse_args(act, ok, 1, &data, &err), 0);
    ck_assert_str_eq(json_string_value(json_object_get(data, "package")),
                     "dpkg");
    json_decref(data);
    char *bad[] = {"package=dpkg; rm -rf /"};
    ck_assert_int_eq(muster_ddl_parse_args(act, bad, 1, &data, &err),
                     MUSTER_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "package"));
    char *unknown[] = {"package=dpkg", "colour=red"};
    ck_assert_int_eq(muster_ddl_parse_args(act, unknown, 2, &data, &err),
                     MUSTER_EINVAL);
    ck_assert_int_eq(muster_ddl_parse_args(act, NULL, 0, &data, &err),
                     MUSTER_ENOTFOUND);
    json_t *given = json_pack("{s:i}", "package", 7);
    ck_assert_int_eq(muster_ddl_validate(act, given, &err), MUSTER_EINVAL);
    json_decref(given);
    muster_ddl_free(&ddl);
    ck_assert_ptr_null(ddl);
}
END_TEST

#define DDL_DATA MST_AGENT_SRC_DIR "/../test/data/ddl"

/* Every published Choria DDL is found by its agent's name on
 * MUSTER_DDL_PATH and loads without a warning; a refused DDL ahead on the
 * path is skipped and reported as one. */
START_TEST(ddl_choria_published_and_warnings) {
    static const char *const agents[] = {
        "filemgr",     "nettest", "nrpe",    "package",
        "process",     "puppet",  "service", "choria_registry",
        "choria_util", "echo",    "rpcutil", "scout"};
    setenv("MUSTER_DDL_PATH", DDL_DATA "/choria:" DDL_DATA "/choria/go-choria",
           1);
    struct muster_error err = {0};
    struct muster_list *names = muster_list_new();
    ck_assert_int_eq(muster_ddl_list(cfg, names), 0);
    for (size_t i = 0; i < sizeof agents / sizeof agents[0]; i++) {
        struct muster_ddl *ddl = NULL;
        ck_assert_msg(muster_ddl_find(cfg, agents[i], &ddl, &err) == 0,
                      "%s: %s", agents[i], err.message);
        ck_assert_msg(muster_ddl_warning(ddl, 0) == NULL, "%s",
                      muster_ddl_warning(ddl, 0));
        int listed = 0;
        for (size_t j = 0; j < muster_list_count(names); j++)
            listed += strcmp(muster_list_get(names, j), agents[i]) == 0;
        ck_assert_msg(listed == 1, "%s listed %d times", agents[i], listed);
        muster_ddl_free(&ddl);
    }
    muster_list_free(&names);
    setenv("MUSTER_DDL_PATH", DDL_DATA "/path/shadow:" DDL_DATA "/path/choria",
           1);
    struct muster_ddl *ddl = NULL;
    ck_assert_int_eq(muster_ddl_find(cfg, "twin", &ddl, &err), 0);
    ck_assert_ptr_nonnull(strstr(muster_ddl_warning(ddl, 0), "skipped: "));
    ck_assert_ptr_null(muster_ddl_warning(ddl, 1));
    muster_ddl_free(&ddl);
}
END_TEST

START_TEST(ddl_descriptions_and_aggregates) {
    struct muster_ddl *ddl = package_ddl();
    struct muster_ddl_about about;
    muster_ddl_about(ddl, &about);
    ck_assert_str_eq(about.name, "package");
    const struct muster_ddl_action *act = muster_ddl_action(ddl, "status");
    struct muster_ddl_action_about a;
    muster_ddl_action_about(act, &a);
    ck_assert_uint_eq(a.n_inputs, 1);
    struct muster_ddl_input in;
    muster_ddl_input_at(act, 0, &in);
    ck_assert_str_eq(in.name, "package");
    ck_assert_str_eq(in.type, "string");
    ck_assert_str_eq(in.validator, "regex");
    ck_assert_str_eq(muster_ddl_output_label(act, "version"), "Version");
    ck_assert_str_eq(muster_ddl_output_label(NULL, "version"), "version");
    json_t *datas = json_pack("[{s:s}, {s:s}, {s:s}]", "ensure", "1.0",
                              "ensure", "1.0", "ensure", "2.0");
    json_t *aggs = muster_ddl_aggregate(act, datas);
    json_t *ensure = json_object_get(json_array_get(aggs, 0), "value");
    ck_assert_int_eq(json_integer_value(json_object_get(ensure, "1.0")), 2);
    json_decref(aggs);
    json_decref(datas);
    struct muster_ddl *none = NULL;
    struct muster_error err = {0};
    ck_assert_int_eq(muster_ddl_find(cfg, "no-such-agent", &none, &err),
                     MUSTER_ENOTFOUND);
    muster_ddl_free(&ddl);
}
END_TEST

START_TEST(texts_and_codes) {
    ck_assert_str_eq(muster_strerror(MUSTER_ECONNECT),
                     "broker connection failed");
    ck_assert_str_eq(muster_rpc_status_text(MUSTER_OK), "OK");
    ck_assert_str_eq(muster_end_name(MUSTER_END_WINDOW), "discovery_window");
    int64_t ms = 0;
    ck_assert_int_eq(muster_parse_seconds("1.5", 10000, &ms), 0);
    ck_assert_int_eq(ms, 1500);
    json_t *v = json_pack("{s:i, s:[]}", "b", 1, "a");
    char *text = muster_value_text(v);
    ck_assert_str_eq(text, "{\"a\":[],\"b\":1}");
    free(text);
    json_decref(v);
    /* reals as people write them, alone and inside containers */
    v = json_pack("{s:f, s:[f]}", "elapsed_ms", 1.812, "t", 0.081);
    text = muster_value_text(v);
    ck_assert_str_eq(text, "{\"elapsed_ms\":1.812,\"t\":[0.081]}");
    free(text);
    text = muster_value_text(json_object_get(v, "elapsed_ms"));
    ck_assert_str_eq(text, "1.812");
    free(text);
    json_decref(v);
}
END_TEST

int main(void) {
    Suite *s = suite_create("client_api");
    TCase *tc = tcase_create("client_api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, config_keys_are_set_and_read_back_as_text);
    tcase_add_test(tc, bad_config_values_are_refused_and_change_nothing);
    tcase_add_test(tc, a_missing_config_file_is_an_io_error);
    tcase_add_test(tc, filter_texts_are_refused_with_a_reason);
    tcase_add_test(tc, only_exact_identities_are_addressed);
    tcase_add_test(tc, counts_and_limits);
    tcase_add_test(tc, ddl_inputs_are_converted_and_validated);
    tcase_add_test(tc, ddl_descriptions_and_aggregates);
    tcase_add_test(tc, ddl_choria_published_and_warnings);
    tcase_add_test(tc, texts_and_codes);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
