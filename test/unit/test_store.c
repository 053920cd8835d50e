/*
 * test_store.c - the inventory store (client/lib/store.c) on real SQLite
 * files in a temporary directory: schema migrations (an old file upgraded,
 * a newer one refused), puts and the history they write, missed polls,
 * batches, readers beside the writer, a writer killed mid-batch, and the
 * known certificates (found only under their CA and in date).
 */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "base/strv.h"
#include "runner.h"
#include "security/cert.h"
#include "store.h"

static char dir[64];
static char path[128];
static struct mst_store *st;

static void setup(void) {
    strcpy(dir, "/tmp/test_store.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/inventory.db", dir);
}

static void teardown(void) {
    char cmd[160];
    mst_store_close(&st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A registration filled directly (the wire code is not needed here). */
static struct mst_registration reg_make(const char *sender, const char *facts,
                                        const char *classes,
                                        const char *agents) {
    struct mst_registration r = {0};
    r.sender = strdup(sender);
    r.version = strdup("0.1.0");
    r.started_ms = 1000;
    r.interval_s = 300;
    r.collectives = json_pack("[s]", "muster");
    if (facts != NULL) {
        r.facts = json_loads(facts, 0, NULL);
        r.classes = json_loads(classes, 0, NULL);
        r.agents = json_loads(agents, 0, NULL);
        ck_assert_ptr_nonnull(r.facts);
    }
    /* Any text stands for the digest here: it only has to change with
     * the body. */
    snprintf(r.digest, sizeof r.digest, "%08zx",
             facts ? strlen(facts) * 31 + strlen(classes) + strlen(agents) : 0);
    return r;
}

static void reg_free(struct mst_registration *r) {
    free(r->sender);
    free(r->version);
    json_decref(r->collectives);
    json_decref(r->facts);
    json_decref(r->classes);
    json_decref(r->agents);
    memset(r, 0, sizeof *r);
}

#define FACTS1                                                                 \
    "{\"os\":{\"family\":\"Debian\",\"release\":\"12.1\"},\"role\":\"web\"}"
#define FACTS2                                                                 \
    "{\"os\":{\"family\":\"Debian\",\"release\":\"12.2\"},\"dc\":\"par\"}"
#define AGENTS1 "[{\"name\":\"rpcutil\",\"version\":\"1.0\"}]"
#define AGENTS2                                                                \
    "[{\"name\":\"rpcutil\",\"version\":\"1.1\"},{\"name\":\"package\","       \
    "\"version\":\"2.0\"}]"

static void put(const char *sender, const char *facts, const char *classes,
                const char *agents, int64_t now, int want) {
    struct mst_registration r = reg_make(sender, facts, classes, agents);
    struct mst_err err = {0};
    int rc = mst_store_put(st, &r, now, &err);
    ck_assert_msg(rc == want, "put %s: %d (%s)", sender, rc, err.msg);
    reg_free(&r);
}

/* What the reads give, as lines of text. */
static int node_line(const struct mst_store_node *n, void *ud,
                     struct mst_err *err) {
    (void)err;
    char line[1024];
    char *facts = json_dumps(n->facts, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(line, sizeof line,
             "%s seen=%lld..%lld stale=%lld missed=%lld %s %s %s\n",
             n->identity, (long long)n->first_seen_ms,
             (long long)n->last_seen_ms, (long long)n->stale_since_ms,
             (long long)n->missed, facts, n->classes, n->agents);
    free(facts);
    strcat(ud, line);
    return MST_OK;
}

static int change_line(const struct mst_store_change *c, void *ud,
                       struct mst_err *err) {
    (void)err;
    char line[512];
    snprintf(line, sizeof line, "%lld %s %s %s %s %s\n", (long long)c->time_ms,
             c->identity, c->kind, c->name, c->old ? c->old : "-",
             c->new ? c->new : "-");
    strcat(ud, line);
    return MST_OK;
}

static const char *nodes_text(struct mst_store *s) {
    static char buf[8192];
    buf[0] = '\0';
    ck_assert_int_eq(mst_store_nodes(s, NULL, node_line, buf, NULL), MST_OK);
    return buf;
}

static const char *changes_text(struct mst_store *s, int64_t since) {
    static char buf[8192];
    buf[0] = '\0';
    ck_assert_int_eq(mst_store_changes(s, since, change_line, buf, NULL),
                     MST_OK);
    return buf;
}

static void open_write(void) {
    struct mst_err err = {0};
    int rc = mst_store_open(path, MST_STORE_WRITE, &st, &err);
    ck_assert_msg(rc == MST_OK, "open: %s", err.msg);
}

/* Raw SQL on the file, as another program (or an older muster) would. */
static void raw_sql(const char *sql) {
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(db);
}

static const char *raw_text(const char *sql) {
    static char buf[256];
    sqlite3 *db;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return buf;
}

static int raw_int(const char *sql) {
    return atoi(raw_text(sql));
}

START_TEST(a_new_file_is_created_in_wal_mode_at_the_current_version) {
    open_write();
    ck_assert_int_eq(raw_int("PRAGMA user_version"),
                     mst_store_schema_version());
    ck_assert_int_eq(raw_int("SELECT count(*) FROM fact_shapes"), 0);
    sqlite3 *db;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    ck_assert_str_eq(nodes_text(st), "");
}
END_TEST

START_TEST(reading_a_missing_file_or_not_a_database_is_refused) {
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &st, &err),
                     MST_ENOTFOUND);
    ck_assert_ptr_null(st);
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    FILE *f = fopen(path, "w");
    fputs("this is not a database, it is text long enough to be a header\n", f);
    fclose(f);
    ck_assert_int_eq(mst_store_open(path, MST_STORE_WRITE, &st, &err), MST_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a database"));
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &st, &err), MST_EIO);
}
END_TEST

/* Facts of every JSON type, which the upgrade moves to their own table. */
#define OLD_FACTS                                                              \
    "{\"a\":[1,\"x\"],\"f\":1.5,\"n\":3,\"no\":false,\"os\":{\"family\":"      \
    "\"Debian\"},\"s\":\"it''s\",\"yes\":true,\"z\":null}"

/* The schema of version 1, as the first muster with a store wrote it. */
#define SCHEMA_V1                                                              \
    "CREATE TABLE nodes (identity TEXT PRIMARY KEY NOT NULL, collectives "     \
    "TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT "       \
    "NULL, version TEXT NOT NULL, started INTEGER NOT NULL, interval "         \
    "INTEGER NOT NULL, digest TEXT NOT NULL, facts TEXT NOT NULL, classes "    \
    "TEXT NOT NULL, agents TEXT NOT NULL);"                                    \
    "CREATE TABLE history (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, "    \
    "identity TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL DEFAULT "  \
    "'', old TEXT, new TEXT);"                                                 \
    "CREATE INDEX history_time ON history(time);"                              \
    "INSERT INTO nodes VALUES ('old1', '[\"muster\"]', 10, 20, '0.0.9', 5, "   \
    "60, 'd1', '" OLD_FACTS "', '[]', '[]');"                                  \
    "INSERT INTO history (time, identity, kind) VALUES (10, 'old1', "          \
    "'appeared');"                                                             \
    "PRAGMA user_version = 1;"

START_TEST(an_old_file_is_upgraded_keeping_its_rows) {
    raw_sql(SCHEMA_V1);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &st, &err),
                     MST_ECONFIG);
    char want[64];
    snprintf(want, sizeof want, "schema version 1 is older than %d",
             mst_store_schema_version());
    ck_assert_ptr_nonnull(strstr(err.msg, want));
    open_write();
    ck_assert_int_eq(raw_int("PRAGMA user_version"),
                     mst_store_schema_version());
    ck_assert_str_eq(nodes_text(st),
                     "old1 seen=10..20 stale=0 missed=0 "
                     "{\"a\":[1,\"x\"],\"f\":1.5,\"n\":3,\"no\":false,\"os\":{"
                     "\"family\":\"Debian\"},\"s\":\"it's\",\"yes\":true,\"z\":"
                     "null} [] []\n");
    ck_assert_str_eq(changes_text(st, 0), "10 old1 appeared  - -\n");
    /* The new columns work on the upgraded file. */
    ck_assert_int_eq(mst_store_missed(st, "old1", 30, NULL), MST_OK);
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "stale=30 missed=1"));
    mst_store_close(&st);
    /* Opening it again changes nothing. */
    open_write();
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "old1 seen=10..20 stale=30"));
}
END_TEST

/* ---- fact names by shape (fact_shapes) ---- */

static int name_into(const char *name, void *ud, struct mst_err *err) {
    (void)err;
    ck_assert_int_eq(json_object_set_new(ud, name, json_true()), 0);
    return MST_OK;
}

/* The store's fact names (mst_store_fact_names), distinct and sorted, one
 * line each. */
static const char *fact_names_text(void) {
    static char buf[512];
    json_t *set = json_object(), *v;
    struct mst_strv names = {0};
    struct mst_err err = {0};
    int rc = mst_store_fact_names(st, name_into, set, &err);
    ck_assert_msg(rc == MST_OK, "fact names: %s", err.msg);
    const char *name;
    json_object_foreach(set, name, v) {
        ck_assert_int_eq(mst_strv_push(&names, name), MST_OK);
    }
    mst_strv_sort(&names);
    buf[0] = '\0';
    for (size_t i = 0; i < names.n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s\n",
                 names.v[i]);
    mst_strv_free(&names);
    json_decref(set);
    return buf;
}

/* The rows of fact_shapes as "key=nodes", sorted: the counts, exactly. */
static const char *shape_counts(void) {
    return raw_text("SELECT ifnull(group_concat(c, ' '), '') FROM (SELECT "
                    "key || '=' || nodes AS c FROM fact_shapes ORDER BY c)");
}

START_TEST(fact_names_follow_the_facts_nodes_have_now) {
    open_write();
    ck_assert_str_eq(fact_names_text(), "");
    put("n1", FACTS1, "[]", "[]", 100, MST_OK);
    put("n2", FACTS2, "[]", "[]", 100, MST_OK);
    ck_assert_str_eq(fact_names_text(), "dc\nos.family\nos.release\nrole\n");
    ck_assert_str_eq(shape_counts(), "dc=1 os=2 role=1");
    /* n1's os loses its release: n2 still has one. */
    put("n1",
        "{\"os\":{\"family\":\"Debian\"},\"role\":\"web\",\"disks\":["
        "\"sda\"]}",
        "[]", "[]", 200, MST_OK);
    ck_assert_str_eq(fact_names_text(),
                     "dc\ndisks\nos.family\nos.release\nrole\n");
    ck_assert_str_eq(shape_counts(), "dc=1 disks=1 os=1 os=1 role=1");
    /* n2's too, the last one: the name goes. */
    put("n2", "{\"os\":{\"family\":\"RedHat\"},\"dc\":\"par\"}", "[]", "[]",
        300, MST_OK);
    ck_assert_str_eq(fact_names_text(), "dc\ndisks\nos.family\nrole\n");
    ck_assert_str_eq(shape_counts(), "dc=1 disks=1 os=2 role=1");
    /* New values in the same shapes count nothing more. */
    put("n2", "{\"os\":{\"family\":\"Alpine\"},\"dc\":\"ams1\"}", "[]", "[]",
        310, MST_OK);
    ck_assert_str_eq(shape_counts(), "dc=1 disks=1 os=2 role=1");
    /* A fact that was an object is now a string; disks is gone. */
    put("n1", "{\"os\":\"Debian 12\",\"role\":\"db\"}", "[]", "[]", 400,
        MST_OK);
    ck_assert_str_eq(fact_names_text(), "dc\nos\nos.family\nrole\n");
    ck_assert_str_eq(shape_counts(), "dc=1 os=1 os=1 role=1");
    /* "Still here" changes nothing. */
    struct mst_registration full =
        reg_make("n1", "{\"os\":\"Debian 12\",\"role\":\"db\"}", "[]", "[]");
    struct mst_registration here = reg_make("n1", NULL, NULL, NULL);
    memcpy(here.digest, full.digest, sizeof here.digest);
    ck_assert_int_eq(mst_store_put(st, &here, 500, NULL), MST_OK);
    reg_free(&full);
    reg_free(&here);
    ck_assert_str_eq(shape_counts(), "dc=1 os=1 os=1 role=1");
}
END_TEST

START_TEST(fact_names_of_a_batch_are_counted_once_at_its_commit) {
    open_write();
    put("n1", FACTS1, "[]", "[]", 100, MST_OK);
    ck_assert_int_eq(mst_store_begin(st, NULL), MST_OK);
    put("n2", FACTS2, "[]", "[]", 200, MST_OK);
    put("n3", FACTS1, "[]", "[]", 200, MST_OK);
    put("n1", "{\"role\":\"db\"}", "[]", "[]", 200, MST_OK);
    /* The writer reads its batch; a reader the last commit. */
    ck_assert_str_eq(fact_names_text(), "dc\nos.family\nos.release\nrole\n");
    ck_assert_str_eq(shape_counts(), "os=1 role=1");
    ck_assert_int_eq(mst_store_commit(st, NULL), MST_OK);
    ck_assert_str_eq(shape_counts(), "dc=1 os=2 role=2");
    ck_assert_int_eq(mst_store_begin(st, NULL), MST_OK);
    put("n2", "{\"dc\":\"ams1\"}", "[]", "[]", 300, MST_OK);
    put("n3", "{\"dc\":\"ams2\"}", "[]", "[]", 300, MST_OK);
    ck_assert_int_eq(mst_store_commit(st, NULL), MST_OK);
    ck_assert_str_eq(shape_counts(), "dc=2 role=1");
    ck_assert_str_eq(fact_names_text(), "dc\nrole\n");
}
END_TEST

START_TEST(a_put_that_fails_in_a_batch_takes_its_counts_back) {
    open_write();
    put("n1", FACTS1, "[]", "[]", 100, MST_OK);
    /* A new node's put fails at its last write, the history. */
    raw_sql("CREATE TRIGGER no_history BEFORE INSERT ON history BEGIN "
            "SELECT RAISE(ABORT, 'no history'); END;");
    ck_assert_int_eq(mst_store_begin(st, NULL), MST_OK);
    put("n2", FACTS2, "[]", "[]", 200, MST_EIO);
    ck_assert_int_eq(mst_store_commit(st, NULL), MST_OK);
    ck_assert_str_eq(shape_counts(), "os=1 role=1");
    ck_assert_str_eq(fact_names_text(), "os.family\nos.release\nrole\n");
}
END_TEST

START_TEST(fact_names_of_nodes_removed_by_hand_go_after_a_recount) {
    open_write();
    put("n1", FACTS1, "[]", "[]", 100, MST_OK);
    put("n2", FACTS2, "[]", "[]", 100, MST_OK);
    mst_store_close(&st);
    /* docs/inventory.md "Retention": removing a node by hand. */
    raw_sql("DELETE FROM nodes WHERE identity = 'n1';"
            "DELETE FROM facts WHERE identity = 'n1';"
            "DELETE FROM fact_shapes;");
    open_write();
    ck_assert_str_eq(fact_names_text(), "dc\nos.family\nos.release\n");
    ck_assert_str_eq(shape_counts(), "dc=1 os=1");
    /* Counted once: opening again changes nothing. */
    mst_store_close(&st);
    open_write();
    ck_assert_str_eq(shape_counts(), "dc=1 os=1");
}
END_TEST

/* The schema of version 2, as muster wrote it before fact_shapes, with two
 * nodes whose `os` has one shape and values of every JSON type. */
#define SCHEMA_V2                                                              \
    "CREATE TABLE nodes (identity TEXT PRIMARY KEY NOT NULL, collectives "     \
    "TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT "       \
    "NULL, version TEXT NOT NULL, started INTEGER NOT NULL, interval "         \
    "INTEGER NOT NULL, digest TEXT NOT NULL, classes TEXT NOT NULL, agents "   \
    "TEXT NOT NULL, stale_since INTEGER NOT NULL DEFAULT 0, missed INTEGER "   \
    "NOT NULL DEFAULT 0);"                                                     \
    "CREATE TABLE history (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, "    \
    "identity TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL DEFAULT "  \
    "'', old TEXT, new TEXT);"                                                 \
    "CREATE INDEX history_time ON history(time);"                              \
    "CREATE TABLE facts (key TEXT NOT NULL, identity TEXT NOT NULL, value "    \
    "TEXT NOT NULL, PRIMARY KEY (key, identity)) WITHOUT ROWID;"               \
    "CREATE INDEX facts_identity ON facts(identity);"                          \
    "CREATE INDEX history_identity ON history(identity, time);"                \
    "INSERT INTO nodes VALUES ('old1', '[\"muster\"]', 10, 20, '0.0.9', 5, "   \
    "60, 'd1', '[]', '[]', 0, 0), ('old2', '[\"muster\"]', 10, 20, "           \
    "'0.0.9', 5, 60, 'd2', '[]', '[]', 0, 0);"                                 \
    "INSERT INTO facts VALUES ('os', 'old1', '{\"family\":\"Debian\"}'), "     \
    "('os', 'old2', '{\"family\":\"RedHat\"}'), ('a', 'old1', '[1,\"x\"]'), "  \
    "('n', 'old1', '3'), ('z', 'old1', 'null'), ('e', 'old2', '{}'), "         \
    "('deep', 'old2', '{\"x\":{\"y\":true}}');"                                \
    "PRAGMA user_version = 2;"

START_TEST(an_old_file_gets_the_fact_names_of_its_rows) {
    raw_sql(SCHEMA_V2);
    open_write();
    ck_assert_int_eq(raw_int("PRAGMA user_version"),
                     mst_store_schema_version());
    ck_assert_str_eq(fact_names_text(), "a\ndeep.x.y\ne\nn\nos.family\nz\n");
    ck_assert_str_eq(shape_counts(), "a=1 deep=1 e=1 n=1 os=2 z=1");
    /* The upgraded counts are the ones puts keep: old2 loses deep. */
    put("old2", "{\"os\":{\"family\":\"Alpine\"}}", "[]", "[]", 30, MST_OK);
    ck_assert_str_eq(fact_names_text(), "a\nn\nos.family\nz\n");
    ck_assert_str_eq(shape_counts(), "a=1 n=1 os=2 z=1");
}
END_TEST

START_TEST(a_file_from_a_newer_muster_is_refused_and_left_alone) {
    int newer = mst_store_schema_version() + 1;
    char sql[64], want[256];
    open_write();
    mst_store_close(&st);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", newer);
    raw_sql(sql);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_open(path, MST_STORE_WRITE, &st, &err),
                     MST_ECONFIG);
    ck_assert_ptr_null(st);
    snprintf(want, sizeof want,
             "%s: schema version %d is newer than %d: "
             "upgrade muster",
             path, newer, newer - 1);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &st, &err),
                     MST_ECONFIG);
    ck_assert_int_eq(raw_int("PRAGMA user_version"), newer);
}
END_TEST

START_TEST(a_first_registration_makes_a_node_that_appeared) {
    open_write();
    put("web1", FACTS1, "[\"apache\"]", AGENTS1, 100, MST_OK);
    ck_assert_str_eq(nodes_text(st),
                     "web1 seen=100..100 stale=0 missed=0 "
                     "{\"os\":{\"family\":\"Debian\",\"release\":\"12.1\"},"
                     "\"role\":\"web\"} [\"apache\"] " AGENTS1 "\n");
    ck_assert_str_eq(changes_text(st, 0), "100 web1 appeared  - -\n");
    /* The same body again writes no history. */
    put("web1", FACTS1, "[\"apache\"]", AGENTS1, 200, MST_OK);
    ck_assert_str_eq(changes_text(st, 0), "100 web1 appeared  - -\n");
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "seen=100..200"));
}
END_TEST

START_TEST(a_walk_reads_only_the_top_level_facts_named) {
    open_write();
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    put("web2", FACTS2, "[]", "[]", 100, MST_OK);
    put("web3", "{}", "[]", "[]", 100, MST_OK);
    struct mst_strv keys = {0};
    mst_strv_push(&keys, "dc");
    mst_strv_push(&keys, "os");
    static char buf[8192];
    buf[0] = '\0';
    ck_assert_int_eq(mst_store_nodes(st, &keys, node_line, buf, NULL), MST_OK);
    ck_assert_str_eq(
        buf, "web1 seen=100..100 stale=0 missed=0 "
             "{\"os\":{\"family\":\"Debian\",\"release\":\"12.1\"}} [] []\n"
             "web2 seen=100..100 stale=0 missed=0 "
             "{\"dc\":\"par\",\"os\":{\"family\":\"Debian\","
             "\"release\":\"12.2\"}} [] []\n"
             "web3 seen=100..100 stale=0 missed=0 {} [] []\n");
    mst_strv_free(&keys);
    buf[0] = '\0';
    ck_assert_int_eq(mst_store_nodes(st, &keys, node_line, buf, NULL), MST_OK);
    ck_assert_ptr_nonnull(
        strstr(buf, "web2 seen=100..100 stale=0 missed=0 {}"));
}
END_TEST

START_TEST(still_here_updates_last_seen_only_when_the_digest_is_known) {
    open_write();
    struct mst_err err = {0};
    put("web1", NULL, NULL, NULL, 50, MST_ENOTFOUND);
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    struct mst_registration full = reg_make("web1", FACTS1, "[]", "[]");
    struct mst_registration r = reg_make("web1", NULL, NULL, NULL);
    memcpy(r.digest, full.digest, sizeof r.digest);
    ck_assert_int_eq(mst_store_put(st, &r, 300, &err), MST_OK);
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "seen=100..300"));
    strcpy(r.digest, "0000");
    ck_assert_int_eq(mst_store_put(st, &r, 400, &err), MST_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "web1: digest 0000"));
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "seen=100..300"));
    reg_free(&r);
    reg_free(&full);
}
END_TEST

/* has_body: the node's body now, not one it had; not an unknown node. */
START_TEST(has_body_names_only_the_body_stored_now) {
    open_write();
    struct mst_registration one = reg_make("web1", FACTS1, "[]", "[]");
    struct mst_registration two = reg_make("web1", FACTS2, "[]", "[]");
    ck_assert_int_eq(mst_store_has_body(st, "web1", one.digest, NULL),
                     MST_ENOTFOUND);
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    ck_assert_int_eq(mst_store_has_body(st, "web1", one.digest, NULL), MST_OK);
    ck_assert_int_eq(mst_store_has_body(st, "web2", one.digest, NULL),
                     MST_ENOTFOUND);
    put("web1", FACTS2, "[]", "[]", 200, MST_OK);
    ck_assert_int_eq(mst_store_has_body(st, "web1", one.digest, NULL),
                     MST_ENOTFOUND);
    ck_assert_int_eq(mst_store_has_body(st, "web1", two.digest, NULL), MST_OK);
    reg_free(&one);
    reg_free(&two);
}
END_TEST

START_TEST(changes_of_facts_classes_and_agents_go_into_the_history) {
    open_write();
    put("web1", FACTS1, "[\"apache\",\"base\"]", AGENTS1, 100, MST_OK);
    put("web1", FACTS2, "[\"base\",\"nginx\"]", AGENTS2, 200, MST_OK);
    ck_assert_str_eq(changes_text(st, 150),
                     "200 web1 fact_changed os.release \"12.1\" \"12.2\"\n"
                     "200 web1 fact_added dc - \"par\"\n"
                     "200 web1 fact_removed role \"web\" -\n"
                     "200 web1 class_added nginx - -\n"
                     "200 web1 class_removed apache - -\n"
                     "200 web1 agent_changed rpcutil \"1.0\" \"1.1\"\n"
                     "200 web1 agent_added package - \"2.0\"\n");
    ck_assert_ptr_nonnull(strstr(changes_text(st, 0), "100 web1 appeared"));
}
END_TEST

START_TEST(a_missed_poll_marks_a_node_stale_once_until_it_is_back) {
    open_write();
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_missed(st, "web1", 200, &err), MST_OK);
    ck_assert_int_eq(mst_store_missed(st, "web1", 300, &err), MST_OK);
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "stale=200 missed=2"));
    ck_assert_int_eq(mst_store_missed(st, "nobody", 300, &err), MST_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "nobody: not in the store"));
    put("web1", FACTS1, "[]", "[]", 400, MST_OK);
    ck_assert_ptr_nonnull(strstr(nodes_text(st), "stale=0 missed=0"));
    ck_assert_str_eq(changes_text(st, 0), "100 web1 appeared  - -\n"
                                          "200 web1 stale  - -\n"
                                          "400 web1 back  - -\n");
}
END_TEST

START_TEST(expire_marks_overdue_nodes_and_drops_old_history) {
    open_write();
    put("web1", FACTS1, "[]", "[]", 1000, MST_OK); /* interval 300 s */
    put("web2", FACTS2, "[]", "[]", 500000, MST_OK);
    ck_assert_int_eq(mst_store_expire(st, 602000, 0, NULL), MST_OK);
    const char *n = nodes_text(st);
    ck_assert_ptr_nonnull(strstr(n, "web1 seen=1000..1000 stale=602000"));
    ck_assert_ptr_nonnull(strstr(n, "web2 seen=500000..500000 stale=0"));
    ck_assert_int_eq(mst_store_expire(st, 603000, 0, NULL), MST_OK);
    ck_assert_str_eq(changes_text(st, 0), "1000 web1 appeared  - -\n"
                                          "500000 web2 appeared  - -\n"
                                          "602000 web1 stale  - -\n");
    ck_assert_int_eq(mst_store_expire(st, 603000, 200000, NULL), MST_OK);
    ck_assert_str_eq(changes_text(st, 0), "500000 web2 appeared  - -\n"
                                          "602000 web1 stale  - -\n");
}
END_TEST

START_TEST(a_reader_sees_the_last_commit_while_a_batch_is_open) {
    open_write();
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    ck_assert_int_eq(mst_store_begin(st, NULL), MST_OK);
    put("web2", FACTS1, "[]", "[]", 100, MST_OK);
    struct mst_store *rd = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &rd, &err), MST_OK);
    ck_assert_ptr_null(strstr(nodes_text(rd), "web2"));
    ck_assert_ptr_nonnull(strstr(nodes_text(rd), "web1"));
    ck_assert_int_eq(mst_store_commit(st, NULL), MST_OK);
    ck_assert_ptr_nonnull(strstr(nodes_text(rd), "web2"));
    mst_store_close(&rd);
}
END_TEST

/* In the middle of a reader's walk, the writer commits a batch. */
static int write_while_reading(const struct mst_store_node *n, void *ud,
                               struct mst_err *err) {
    (void)n;
    (void)err;
    int *wrote = ud;
    if ((*wrote)++ == 0) {
        ck_assert_int_eq(mst_store_begin(st, NULL), MST_OK);
        put("web9", FACTS2, "[]", "[]", 300, MST_OK);
        ck_assert_int_eq(mst_store_commit(st, NULL), MST_OK);
    }
    return MST_OK;
}

START_TEST(a_reader_in_the_middle_of_a_walk_does_not_block_the_writer) {
    open_write();
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    put("web2", FACTS1, "[]", "[]", 100, MST_OK);
    struct mst_store *rd = NULL;
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &rd, NULL), MST_OK);
    int seen = 0;
    ck_assert_int_eq(
        mst_store_nodes(rd, NULL, write_while_reading, &seen, NULL), MST_OK);
    ck_assert_int_eq(seen, 2); /* its snapshot: not web9 */
    ck_assert_ptr_nonnull(strstr(nodes_text(rd), "web9"));
    mst_store_close(&rd);
}
END_TEST

START_TEST(a_writer_killed_mid_batch_leaves_the_last_commit) {
    open_write();
    put("web1", FACTS1, "[]", "[]", 100, MST_OK);
    mst_store_close(&st);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        open_write();
        mst_store_begin(st, NULL);
        for (int i = 0; i < 2000; i++) {
            char id[32];
            snprintf(id, sizeof id, "node%d", i);
            put(id, FACTS2, "[]", "[]", 200, MST_OK);
        }
        raise(SIGKILL);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &st, &err), MST_OK);
    ck_assert_str_eq(changes_text(st, 0), "100 web1 appeared  - -\n");
    mst_store_close(&st);
    open_write();
    ck_assert_str_eq(raw_text("PRAGMA integrity_check"), "ok");
    ck_assert_int_eq(raw_int("SELECT count(*) FROM nodes"), 1);
}
END_TEST

/* Fact texts share one buffer: each is stored whole, a short one after a
 * long one included. */
struct facts_check {
    const json_t *want;
    int equal;
};

static int facts_equal(const struct mst_store_node *n, void *ud,
                       struct mst_err *err) {
    (void)err;
    struct facts_check *c = ud;
    c->equal = json_equal(n->facts, c->want);
    return MST_OK;
}

START_TEST(facts_of_every_size_are_stored_whole) {
    open_write();
    char big[6001];
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct mst_registration r = reg_make("web1", "{}", "[]", "[]");
    json_object_set_new(r.facts, "a", json_string("x"));
    json_object_set_new(r.facts, "big", json_stringn(big, 3000));
    json_object_set_new(r.facts, "b", json_pack("{s:i}", "k", 1));
    json_object_set_new(r.facts, "bigger", json_string(big));
    json_object_set_new(r.facts, "c", json_true());
    struct mst_err err = {0};
    ck_assert_msg(mst_store_put(st, &r, 100, &err) == MST_OK, "%s", err.msg);
    struct facts_check c = {r.facts, 0};
    ck_assert_int_eq(mst_store_get_node(st, "web1", facts_equal, &c, &err),
                     MST_OK);
    ck_assert(c.equal);
    reg_free(&r);
}
END_TEST

START_TEST(a_bad_registration_is_refused) {
    open_write();
    struct mst_registration r = reg_make("", FACTS1, "[]", "[]");
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_put(st, &r, 1, &err), MST_EINVAL);
    free(r.sender);
    r.sender = strdup("web1");
    json_decref(r.classes);
    r.classes = json_object();
    ck_assert_int_eq(mst_store_put(st, &r, 1, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "web1: facts, classes or agents"));
    ck_assert_str_eq(nodes_text(st), "");
    reg_free(&r);
}
END_TEST

/* ---- known certificates ---- */

/* A certificate record as the x509 provider remembers one. */
static struct mst_known_cert known_make(uint8_t fpr, uint8_t ca,
                                        int64_t not_before, int64_t not_after) {
    struct mst_known_cert c = {.kind = MST_CERT_SERVER,
                               .not_before_s = not_before,
                               .not_after_s = not_after,
                               .key_len = 91};
    memset(c.fpr, fpr, sizeof c.fpr);
    memset(c.ca_fpr, ca, sizeof c.ca_fpr);
    for (size_t i = 0; i < c.key_len; i++)
        c.key[i] = (uint8_t)(i * 7 + fpr);
    snprintf(c.cn, sizeof c.cn, "web%u", fpr);
    return c;
}

static void known_put(const struct mst_known_cert *c, int64_t now_ms) {
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_begin(st, &err), MST_OK);
    ck_assert_msg(mst_store_known_put(st, c, now_ms, &err) == MST_OK, "%s",
                  err.msg);
    ck_assert_int_eq(mst_store_commit(st, &err), MST_OK);
}

/* The lookup of `fpr` under `ca` at `now_s` on a reader of its own. */
static int known_get(uint8_t fpr, uint8_t ca, int64_t now_s,
                     struct mst_known_cert *out) {
    uint8_t f[32], c[32];
    memset(f, fpr, sizeof f);
    memset(c, ca, sizeof c);
    struct mst_store *reader = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_open(path, MST_STORE_READ, &reader, &err),
                     MST_OK);
    int rc = mst_store_known_get(reader, f, c, now_s, out, &err);
    mst_store_close(&reader);
    return rc;
}

START_TEST(a_remembered_certificate_is_found_under_its_ca_in_date) {
    open_write();
    struct mst_known_cert in = known_make(1, 0xca, 1000, 2000), out;
    known_put(&in, 5000);
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(known_get(1, 0xca, 1500, &out), MST_OK);
    ck_assert_mem_eq(out.fpr, in.fpr, 32);
    ck_assert_mem_eq(out.ca_fpr, in.ca_fpr, 32);
    ck_assert_uint_eq(out.key_len, in.key_len);
    ck_assert_mem_eq(out.key, in.key, in.key_len);
    ck_assert_str_eq(out.cn, "web1");
    ck_assert_int_eq(out.kind, MST_CERT_SERVER);
    ck_assert_int_eq(out.not_before_s, 1000);
    ck_assert_int_eq(out.not_after_s, 2000);
    ck_assert_str_eq(raw_text("SELECT kind || ' ' || verified FROM "
                              "known_certs"),
                     "server 5000");
}
END_TEST

START_TEST(another_ca_or_dates_out_of_range_are_a_miss) {
    open_write();
    struct mst_known_cert in = known_make(1, 0xca, 1000, 2000), out;
    known_put(&in, 5000);
    ck_assert_int_eq(known_get(1, 0xcb, 1500, &out), MST_ENOTFOUND);
    ck_assert_int_eq(known_get(2, 0xca, 1500, &out), MST_ENOTFOUND);
    ck_assert_int_eq(known_get(1, 0xca, 999, &out), MST_ENOTFOUND);
    ck_assert_int_eq(known_get(1, 0xca, 2001, &out), MST_ENOTFOUND);
    /* verified again under a new CA: the row is that CA's only */
    in = known_make(1, 0xcb, 1000, 2000);
    known_put(&in, 6000);
    ck_assert_int_eq(known_get(1, 0xca, 1500, &out), MST_ENOTFOUND);
    ck_assert_int_eq(known_get(1, 0xcb, 1500, &out), MST_OK);
}
END_TEST

START_TEST(expire_drops_the_expired_certificates) {
    open_write();
    struct mst_known_cert a = known_make(1, 0xca, 1000, 2000),
                          b = known_make(2, 0xca, 1000, 9000);
    known_put(&a, 5000);
    known_put(&b, 5000);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_store_begin(st, &err), MST_OK);
    ck_assert_int_eq(mst_store_expire(st, 3000 * 1000LL, 0, &err), MST_OK);
    ck_assert_int_eq(mst_store_commit(st, &err), MST_OK);
    ck_assert_str_eq(raw_text("SELECT group_concat(cn) FROM known_certs"),
                     "web2");
}
END_TEST

/* A file of the version before known_certs, with a node, is upgraded. */
START_TEST(a_file_without_known_certs_is_upgraded_keeping_its_nodes) {
    open_write();
    put("web1", FACTS1, "[]", AGENTS1, 100, MST_OK);
    mst_store_close(&st);
    char sql[96];
    snprintf(sql, sizeof sql,
             "DROP TABLE known_certs; PRAGMA user_version = %d",
             mst_store_schema_version() - 1);
    raw_sql(sql);
    open_write();
    ck_assert_int_eq(raw_int("PRAGMA user_version"),
                     mst_store_schema_version());
    ck_assert_int_eq(raw_int("SELECT count(*) FROM known_certs"), 0);
    ck_assert_int_eq(raw_int("SELECT count(*) FROM nodes"), 1);
    struct mst_known_cert in = known_make(3, 0xca, 0, 2000), out;
    known_put(&in, 1);
    ck_assert_int_eq(known_get(3, 0xca, 10, &out), MST_OK);
}
END_TEST

int main(void) {
    Suite *s = suite_create("store");
    TCase *tc = mst_test_case(s, "store", setup, teardown, 30);
    tcase_add_test(tc,
                   a_new_file_is_created_in_wal_mode_at_the_current_version);
    tcase_add_test(tc, reading_a_missing_file_or_not_a_database_is_refused);
    tcase_add_test(tc, an_old_file_is_upgraded_keeping_its_rows);
    tcase_add_test(tc, facts_of_every_size_are_stored_whole);
    tcase_add_test(tc, a_file_from_a_newer_muster_is_refused_and_left_alone);
    tcase_add_test(tc, fact_names_follow_the_facts_nodes_have_now);
    tcase_add_test(tc, fact_names_of_a_batch_are_counted_once_at_its_commit);
    tcase_add_test(tc, a_put_that_fails_in_a_batch_takes_its_counts_back);
    tcase_add_test(tc, fact_names_of_nodes_removed_by_hand_go_after_a_recount);
    tcase_add_test(tc, an_old_file_gets_the_fact_names_of_its_rows);
    tcase_add_test(tc, a_first_registration_makes_a_node_that_appeared);
    tcase_add_test(tc, a_walk_reads_only_the_top_level_facts_named);
    tcase_add_test(tc,
                   still_here_updates_last_seen_only_when_the_digest_is_known);
    tcase_add_test(tc, has_body_names_only_the_body_stored_now);
    tcase_add_test(tc, changes_of_facts_classes_and_agents_go_into_the_history);
    tcase_add_test(tc, a_missed_poll_marks_a_node_stale_once_until_it_is_back);
    tcase_add_test(tc, expire_marks_overdue_nodes_and_drops_old_history);
    tcase_add_test(tc, a_reader_sees_the_last_commit_while_a_batch_is_open);
    tcase_add_test(tc, a_writer_killed_mid_batch_leaves_the_last_commit);
    tcase_add_test(tc,
                   a_reader_in_the_middle_of_a_walk_does_not_block_the_writer);
    tcase_add_test(tc, a_bad_registration_is_refused);
    tcase_add_test(tc, a_remembered_certificate_is_found_under_its_ca_in_date);
    tcase_add_test(tc, another_ca_or_dates_out_of_range_are_a_miss);
    tcase_add_test(tc, expire_drops_the_expired_certificates);
    tcase_add_test(tc,
                   a_file_without_known_certs_is_upgraded_keeping_its_nodes);
    return mst_test_run(s);
}
