/*
 * test_inventory.c - the store's queries for reports and discovery
 * (client/lib/inventory.c) on a real SQLite file: filters of every kind
 * evaluated by the nodes' code on the stored facts, classes and agents;
 * fields by dotted name; nodes not heard from; changes of the selected
 * nodes only; one node; a malformed filter refused; the distinct dotted
 * fact names (shell completion).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "inventory.h"
#include "runner.h"
#include "store.h"
#include "targeting/filter.h"

static char dir[64];
static char path[128];
static struct mst_store *st;

static void put(const char *id, const char *facts, const char *classes,
                const char *agents, int64_t now) {
    struct mst_registration r = {0};
    r.sender = (char *)id;
    r.version = (char *)"0.1.0";
    r.started_ms = 1000;
    r.collectives = json_pack("[s]", "muster");
    r.facts = json_loads(facts, 0, NULL);
    r.classes = json_loads(classes, 0, NULL);
    r.agents = json_loads(agents, 0, NULL);
    snprintf(r.digest, sizeof r.digest, "%zu", strlen(facts));
    struct mst_err err = {0};
    ck_assert_msg(mst_store_put(st, &r, now, &err) == MST_OK, "%s", err.msg);
    json_decref(r.collectives);
    json_decref(r.facts);
    json_decref(r.classes);
    json_decref(r.agents);
}

#define RPCUTIL "{\"name\":\"rpcutil\",\"version\":\"1\"}"
#define PACKAGE "{\"name\":\"package\",\"version\":\"2\"}"

static void setup(void) {
    strcpy(dir, "/tmp/test_inventory.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/inventory.db", dir);
    ck_assert_int_eq(mst_store_open(path, MST_STORE_WRITE, &st, NULL), MST_OK);
    put("web1",
        "{\"os\":{\"family\":\"Debian\"},\"cpus\":4,\"disks\":[\"sda\"]}",
        "[\"apache\",\"base\"]", "[" RPCUTIL "]", 5000);
    put("web2", "{\"os\":{\"family\":\"RedHat\"},\"cpus\":16}", "[\"nginx\"]",
        "[" RPCUTIL "," PACKAGE "]", 9000);
    put("db1", "{\"os\":{\"family\":\"Debian\"},\"cpus\":32}", "[\"mysql\"]",
        "[" RPCUTIL "," PACKAGE "]", 9000);
    mst_store_close(&st);
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &st, NULL), MST_OK);
}

static void teardown(void) {
    char cmd[160];
    mst_store_close(&st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The identities a filter built from (kind, text) pairs selects. */
static const char *select_text(int n, const int *kinds,
                               const char *const *texts) {
    static char buf[256];
    json_t *f = json_object();
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(mst_filter_add(f, kinds[i], texts[i], NULL), MST_OK);
    struct mst_strv ids = {0};
    struct mst_err err = {0};
    ck_assert_msg(mst_inventory_select(st, f, &ids, &err) == MST_OK, "%s",
                  err.msg);
    buf[0] = '\0';
    for (size_t i = 0; i < ids.n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
                 i ? " " : "", ids.v[i]);
    mst_strv_free(&ids);
    json_decref(f);
    return buf;
}

static const char *sel(int kind, const char *text) {
    return select_text(1, &kind, &text);
}

START_TEST(every_filter_kind_selects_from_the_stored_node) {
    ck_assert_str_eq(select_text(0, NULL, NULL), "db1 web1 web2");
    ck_assert_str_eq(sel(MST_FILTER_FACT, "os.family=Debian"), "db1 web1");
    ck_assert_str_eq(sel(MST_FILTER_FACT, "os.family=debian"), "db1 web1");
    ck_assert_str_eq(sel(MST_FILTER_FACT, "cpus>=16"), "db1 web2");
    ck_assert_str_eq(sel(MST_FILTER_FACT, "disks=sda"), "web1");
    ck_assert_str_eq(sel(MST_FILTER_CLASS, "/^(apache|nginx)$/"), "web1 web2");
    ck_assert_str_eq(sel(MST_FILTER_AGENT, "package"), "db1 web2");
    ck_assert_str_eq(sel(MST_FILTER_IDENTITY, "/^web/"), "web1 web2");
    ck_assert_str_eq(sel(MST_FILTER_WITH, "os.family=Debian base"), "web1");
    ck_assert_str_eq(
        sel(MST_FILTER_COMPOUND, "mysql or (cpus<8 and agent(\"rpcutil\"))"),
        "db1 web1");
    ck_assert_str_eq(
        sel(MST_FILTER_COMPOUND, "fact(\"os.family\") = RedHat or disks.0=sda"),
        "web1 web2");
    ck_assert_str_eq(sel(MST_FILTER_COMPOUND, "not os.family=Debian"), "web2");
    int kinds[] = {MST_FILTER_IDENTITY, MST_FILTER_IDENTITY, MST_FILTER_FACT};
    const char *texts[] = {"web1", "db1", "cpus>8"};
    ck_assert_str_eq(select_text(3, kinds, texts), "db1");
    ck_assert_str_eq(sel(MST_FILTER_FACT, "nosuch=1"), "");
}
END_TEST

START_TEST(a_malformed_filter_is_refused_naming_the_node) {
    json_t *f = json_pack("{s:[{s:s, s:s, s:s}]}", "fact", "fact", "a", "op",
                          "<>", "value", "1");
    struct mst_strv ids = {0};
    struct mst_err err = {0};
    ck_assert_int_eq(mst_inventory_select(st, f, &ids, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "db1: unknown fact operator"));
    ck_assert_uint_eq(ids.n, 0);
    json_decref(f);
    /* fstat() would read this machine's files, not the node's. */
    f = json_object();
    mst_filter_add(f, MST_FILTER_COMPOUND, "cpus>1 or fstat(\"/etc\").present",
                   NULL);
    ck_assert_int_eq(mst_inventory_select(st, f, &ids, &err), MST_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "fstat() reads the node's own"));
    ck_assert_uint_eq(ids.n, 0);
    json_decref(f);
}
END_TEST

static int keep(void *ud, const json_t *item, struct mst_err *err) {
    (void)err;
    json_array_append((json_t *)ud, (json_t *)item);
    return MST_OK;
}

START_TEST(nodes_carry_their_columns_and_the_fields_asked) {
    struct mst_strv fields = {0};
    mst_strv_push(&fields, "identity");
    mst_strv_push(&fields, "os.family");
    mst_strv_push(&fields, "disks.0");
    mst_strv_push(&fields, "no.such");
    mst_strv_push(&fields, "last_seen");
    json_t *f = json_object(), *all = json_array();
    mst_filter_add(f, MST_FILTER_IDENTITY, "web1", NULL);
    struct mst_inventory_query q = {.filter = f, .fields = &fields};
    ck_assert_int_eq(mst_inventory_nodes(st, &q, keep, all, NULL), MST_OK);
    ck_assert_uint_eq(json_array_size(all), 1);
    json_t *n = json_array_get(all, 0);
    char *text = json_dumps(json_object_get(n, "fields"), JSON_COMPACT);
    ck_assert_str_eq(text, "{\"identity\":\"web1\",\"os.family\":\"Debian\","
                           "\"disks.0\":\"sda\",\"no.such\":null,"
                           "\"last_seen\":5000}");
    free(text);
    ck_assert_uint_eq(json_object_size(n), 2); /* identity and fields */
    json_array_clear(all);
    q.fields = NULL;
    ck_assert_int_eq(mst_inventory_nodes(st, &q, keep, all, NULL), MST_OK);
    n = json_array_get(all, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(n, "uptime")), 4);
    ck_assert(json_is_false(json_object_get(n, "stale")));
    ck_assert(json_is_null(json_object_get(n, "stale_since")));
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(json_object_get(n, "facts"), "os"), "family")),
        "Debian");
    ck_assert_int_eq(json_array_size(json_object_get(n, "agents")), 1);
    mst_strv_free(&fields);
    json_decref(f);
    json_decref(all);
}
END_TEST

static int stop_at_two(void *ud, const json_t *item, struct mst_err *err) {
    (void)item;
    (void)err;
    return ++*(int *)ud == 2 ? 42 : MST_OK;
}

START_TEST(a_callback_stops_the_walk_with_its_value) {
    int seen = 0;
    struct mst_inventory_query q = {0};
    ck_assert_int_eq(mst_inventory_nodes(st, &q, stop_at_two, &seen, NULL), 42);
    ck_assert_int_eq(seen, 2);
}
END_TEST

START_TEST(unseen_since_gives_the_nodes_not_heard_from) {
    json_t *all = json_array();
    struct mst_inventory_query q = {.unseen_since_ms = 9000};
    ck_assert_int_eq(mst_inventory_nodes(st, &q, keep, all, NULL), MST_OK);
    ck_assert_uint_eq(json_array_size(all), 1);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(all, 0), "identity")),
        "web1");
    json_decref(all);
}
END_TEST

START_TEST(changes_are_those_of_the_selected_nodes) {
    mst_store_close(&st);
    ck_assert_int_eq(mst_store_open(path, MST_STORE_WRITE, &st, NULL), MST_OK);
    put("web2", "{\"os\":{\"family\":\"RedHat\"},\"cpus\":8}", "[\"nginx\"]",
        "[" RPCUTIL "," PACKAGE "]", 20000);
    ck_assert_int_eq(mst_store_missed(st, "db1", 21000, NULL), MST_OK);
    json_t *f = json_object(), *all = json_array();
    mst_filter_add(f, MST_FILTER_IDENTITY, "/^web/", NULL);
    struct mst_inventory_query q = {.filter = f};
    ck_assert_int_eq(mst_inventory_changes(st, &q, 10000, keep, all, NULL),
                     MST_OK);
    char *text = json_dumps(all, JSON_COMPACT);
    ck_assert_str_eq(text, "[{\"time\":20000,\"identity\":\"web2\",\"kind\":"
                           "\"fact_changed\",\"name\":\"cpus\",\"old\":16,"
                           "\"new\":8}]");
    free(text);
    json_array_clear(all);
    ck_assert_int_eq(mst_inventory_changes(st, NULL, 10000, keep, all, NULL),
                     MST_OK);
    ck_assert_uint_eq(json_array_size(all), 2);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(all, 1), "kind")),
        "stale");
    json_decref(f);
    json_decref(all);
}
END_TEST

START_TEST(one_node_by_identity) {
    json_t *n = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_inventory_node(st, "db1", &n, &err), MST_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(n, "last_seen")), 9000);
    json_decref(n);
    ck_assert_int_eq(mst_inventory_node(st, "nope", &n, &err), MST_ENOTFOUND);
    ck_assert_ptr_null(n);
    ck_assert_ptr_nonnull(strstr(err.msg, "nope: not in the store"));
}
END_TEST

/* The fact names of the store, one line each after what `names` held. */
static const char *fact_names(struct mst_strv *names) {
    static char buf[512];
    struct mst_err err = {0};
    ck_assert_msg(mst_inventory_fact_names(st, names, &err) == MST_OK, "%s",
                  err.msg);
    buf[0] = '\0';
    for (size_t i = 0; i < names->n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s\n",
                 names->v[i]);
    mst_strv_free(names);
    return buf;
}

START_TEST(fact_names_are_the_distinct_dotted_leaves_sorted) {
    struct mst_strv names = {0};
    ck_assert_str_eq(fact_names(&names), "cpus\ndisks\nos.family\n");
    /* Deeper objects, a dotted top-level name, an empty object and an
     * array (leaves), a name only one node has; appended after what the
     * list held. */
    mst_store_close(&st);
    ck_assert_int_eq(mst_store_open(path, MST_STORE_WRITE, &st, NULL), MST_OK);
    put("app1",
        "{\"os\":{\"family\":\"Debian\",\"release\":{\"major\":12}},"
        "\"a.b\":1,\"empty\":{},\"tags\":[{\"x\":1}],\"cpus\":2}",
        "[]", "[]", 9000);
    ck_assert_int_eq(mst_strv_push(&names, "zz-first"), MST_OK);
    ck_assert_str_eq(fact_names(&names),
                     "zz-first\na.b\ncpus\ndisks\nempty\nos.family\n"
                     "os.release.major\ntags\n");
}
END_TEST

int main(void) {
    Suite *s = suite_create("inventory");
    TCase *tc = mst_test_case(s, "queries", setup, teardown, 30);
    tcase_add_test(tc, every_filter_kind_selects_from_the_stored_node);
    tcase_add_test(tc, a_malformed_filter_is_refused_naming_the_node);
    tcase_add_test(tc, nodes_carry_their_columns_and_the_fields_asked);
    tcase_add_test(tc, unseen_since_gives_the_nodes_not_heard_from);
    tcase_add_test(tc, a_callback_stops_the_walk_with_its_value);
    tcase_add_test(tc, changes_are_those_of_the_selected_nodes);
    tcase_add_test(tc, one_node_by_identity);
    tcase_add_test(tc, fact_names_are_the_distinct_dotted_leaves_sorted);
    return mst_test_run(s);
}
