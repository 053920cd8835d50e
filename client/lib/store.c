/*
 * store.c - the inventory store: one SQLite file in WAL mode, its schema
 * and migrations, the collector's writes and the reports' reads
 * (docs/inventory.md "The store").
 */
#include "store.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/status.h"
#include "base/strv.h"
#include "changes.h"
#include "security/cert.h"

/* How long a statement waits for another connection's lock. */
#define BUSY_TIMEOUT_MS 5000

/*
 * The migrations: step i takes a file from user_version i to i + 1.  A
 * file is only ever moved forward, inside one transaction, so a crash
 * leaves it at the old version.  Append, never edit a released step.
 */
static const char *const migrations[] = {
    /* 0 -> 1: nodes and their history. */
    "CREATE TABLE nodes ("
    " identity TEXT PRIMARY KEY NOT NULL,"
    " collectives TEXT NOT NULL,"   /* JSON array */
    " first_seen INTEGER NOT NULL," /* ms since the epoch */
    " last_seen INTEGER NOT NULL,"
    " version TEXT NOT NULL,"
    " started INTEGER NOT NULL,"
    " interval INTEGER NOT NULL," /* s; 0 = not registering */
    " digest TEXT NOT NULL,"
    " facts TEXT NOT NULL,"   /* JSON object */
    " classes TEXT NOT NULL," /* JSON array */
    " agents TEXT NOT NULL);" /* JSON array of {name, version} */
    "CREATE TABLE history ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " identity TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '',"
    " old TEXT," /* JSON */
    " new TEXT);"
    "CREATE INDEX history_time ON history(time);",
    /* 1 -> 2: facts move to a table of their own, one row per top-level
     * fact clustered by name, so that a report or a filter reads the facts
     * it names and not 5 KB per node; a node's stale state and unanswered
     * polls; the history by node. */
    "CREATE TABLE facts ("
    " key TEXT NOT NULL," /* a top-level fact */
    " identity TEXT NOT NULL,"
    " value TEXT NOT NULL," /* JSON */
    " PRIMARY KEY (key, identity)) WITHOUT ROWID;"
    "CREATE INDEX facts_identity ON facts(identity);"
    "INSERT INTO facts SELECT j.key, n.identity, CASE j.type"
    " WHEN 'object' THEN j.value WHEN 'array' THEN j.value"
    " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
    " WHEN 'null' THEN 'null' ELSE json_quote(j.value) END"
    " FROM nodes n, json_each(n.facts) j;"
    "ALTER TABLE nodes DROP COLUMN facts;"
    "ALTER TABLE nodes ADD COLUMN stale_since INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE nodes ADD COLUMN missed INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX history_identity ON history(identity, time);",
    /* 2 -> 3: the fact names by shape (fact_shape), counted, so that shell
     * completion reads a few rows and not every object; filled from the
     * facts by the open that migrates (count_shapes_if_empty). */
    "CREATE TABLE fact_shapes ("
    " key TEXT NOT NULL,"      /* a top-level fact */
    " shape INTEGER NOT NULL," /* fact_shape() of its values */
    " nodes INTEGER NOT NULL," /* the facts rows with it, > 0 */
    " names TEXT NOT NULL,"    /* JSON array: their dotted names */
    " PRIMARY KEY (key, shape)) WITHOUT ROWID;",
    /* 3 -> 4: certificates a run verified in full, so that the next one
     * trusts their bytes without parsing them or checking the chain
     * (client/lib/known.c), under the CA that verified them only. */
    "CREATE TABLE known_certs ("
    " fpr BLOB PRIMARY KEY NOT NULL," /* SHA-256 of the DER */
    " pubkey BLOB NOT NULL,"          /* DER SubjectPublicKeyInfo */
    " cn TEXT NOT NULL,"
    " kind TEXT NOT NULL,"          /* server, client (other) */
    " not_before INTEGER NOT NULL," /* s since the epoch */
    " not_after INTEGER NOT NULL,"
    " ca_fpr BLOB NOT NULL," /* SHA-256 of the CA file's certificates */
    " verified INTEGER NOT NULL) WITHOUT ROWID;", /* ms: the full check */
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* The prepared statements, compiled once per handle. */
enum stmt {
    S_GET,
    S_FACTS_OF,
    S_FACT_PUT,
    S_FACTS_DROP,
    S_INSERT,
    S_UPDATE,
    S_SEEN,
    S_MISSED,
    S_STALE,
    S_HISTORY,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK,
    S_NODES,
    S_NODE,
    S_CHANGES,
    S_PRUNE,
    S_OVERDUE,
    S_SHAPE_ADD,
    S_SHAPE_NEW,
    S_SHAPE_GONE,
    S_FACT_NAMES,
    S_KNOWN_GET,
    S_KNOWN_PUT,
    S_KNOWN_PRUNE,
    S_HAS_BODY,
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_GET] = "SELECT digest, classes, agents, stale_since"
              " FROM nodes WHERE identity = ?1",
    [S_FACTS_OF] = "SELECT key, value FROM facts WHERE identity = ?1",
    [S_FACT_PUT] = "INSERT INTO facts (key, identity, value) VALUES (?1, ?2,"
                   " ?3)",
    [S_FACTS_DROP] = "DELETE FROM facts WHERE identity = ?1",
    [S_INSERT] = "INSERT INTO nodes (identity, collectives, first_seen,"
                 " last_seen, version, started, interval, digest, classes,"
                 " agents) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_UPDATE] = "UPDATE nodes SET collectives = ?2, last_seen = ?3,"
                 " version = ?4, started = ?5, interval = ?6, digest = ?7,"
                 " classes = ?8, agents = ?9, stale_since = 0, missed = 0"
                 " WHERE identity = ?1",
    [S_SEEN] = "UPDATE nodes SET collectives = ?2, last_seen = ?3,"
               " version = ?4, started = ?5, interval = ?6, stale_since = 0,"
               " missed = 0 WHERE identity = ?1",
    [S_MISSED] = "UPDATE nodes SET missed = missed + 1, stale_since ="
                 " CASE stale_since WHEN 0 THEN ?2 ELSE stale_since END"
                 " WHERE identity = ?1",
    [S_STALE] = "UPDATE nodes SET stale_since = ?2 WHERE identity = ?1",
    [S_HISTORY] = "INSERT INTO history (time, identity, kind, name, old, new)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_SAVEPOINT] = "SAVEPOINT mst_put",
    [S_RELEASE] = "RELEASE mst_put",
    [S_ROLLBACK] = "ROLLBACK TO mst_put",
    [S_NODES] = "SELECT identity, collectives, first_seen, last_seen, version,"
                " started, interval, digest, classes, agents, stale_since,"
                " missed FROM nodes ORDER BY identity",
    [S_NODE] = "SELECT identity, collectives, first_seen, last_seen, version,"
               " started, interval, digest, classes, agents, stale_since,"
               " missed FROM nodes WHERE identity = ?1",
    [S_CHANGES] = "SELECT time, identity, kind, name, old, new FROM history"
                  " WHERE time >= ?1 ORDER BY time, id",
    [S_PRUNE] = "DELETE FROM history WHERE time < ?1",
    [S_OVERDUE] = "SELECT identity FROM nodes WHERE stale_since = 0"
                  " AND interval > 0 AND last_seen + 2000 * interval < ?1",
    [S_SHAPE_ADD] = "UPDATE fact_shapes SET nodes = nodes + ?3"
                    " WHERE key = ?1 AND shape = ?2",
    [S_SHAPE_NEW] = "INSERT INTO fact_shapes (key, shape, nodes, names)"
                    " VALUES (?1, ?2, ?3, ?4)",
    [S_SHAPE_GONE] = "DELETE FROM fact_shapes"
                     " WHERE key = ?1 AND shape = ?2 AND nodes <= 0",
    [S_FACT_NAMES] = "SELECT names FROM fact_shapes",
    [S_KNOWN_GET] = "SELECT pubkey, cn, kind, not_before, not_after"
                    " FROM known_certs WHERE fpr = ?1 AND ca_fpr = ?2"
                    " AND not_before <= ?3 AND not_after >= ?3",
    [S_KNOWN_PUT] = "INSERT OR REPLACE INTO known_certs (fpr, pubkey, cn,"
                    " kind, not_before, not_after, ca_fpr, verified)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_KNOWN_PRUNE] = "DELETE FROM known_certs WHERE not_after < ?1",
    [S_HAS_BODY] = "SELECT 1 FROM nodes WHERE identity = ?1 AND digest = ?2",
};

/* Counts of fact_shapes not written yet. */
struct shape_delta {
    char *key;
    uint64_t shape;
    int64_t delta; /* facts rows more (or fewer) in that shape */
    char *names;   /* JSON array text, made by the first count up */
};

struct shape_deltas {
    struct shape_delta *v;
    size_t n, cap;
};

/* What a put added to an entry of the batch's shape_deltas: taken back
 * when the put fails (its rows are rolled back). */
struct shape_undo {
    size_t i;
    int64_t delta;
};

struct mst_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmt[S_COUNT];
    char *text; /* a fact's JSON text being written (fact_text) */
    size_t text_cap;
    /* The batch's counts until it commits: a batch of nodes that share
     * shapes writes each count once, not once per fact of every node. */
    struct shape_deltas deltas;
    struct shape_undo *undo; /* the current put's */
    size_t undo_n, undo_cap;
};

/* The SQLite error of the last call on `st`, as MST_EIO "PATH: what: why". */
static int db_err(struct mst_store *st, const char *what, struct mst_err *err) {
    return mst_err_set(err, MST_EIO, "%s: %s: %s", st->path, what,
                       sqlite3_errmsg(st->db));
}

/* The statement `id`, reset and with its bindings cleared. */
static sqlite3_stmt *stmt(struct mst_store *st, enum stmt id) {
    sqlite3_stmt *s = st->stmt[id];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

/* Step `s` to its end (a statement without rows). */
static int run(struct mst_store *st, sqlite3_stmt *s, const char *what,
               struct mst_err *err) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? MST_OK : db_err(st, what, err);
}

static int exec(struct mst_store *st, const char *sql, const char *what,
                struct mst_err *err) {
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(st, what, err);
    return MST_OK;
}

static int user_version(struct mst_store *st, int *version_r,
                        struct mst_err *err) {
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
        SQLITE_OK)
        return db_err(st, "reading the schema version", err);
    int rc = sqlite3_step(s);
    *version_r = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? MST_OK
                            : db_err(st, "reading the schema version", err);
}

/* Refuse a file from a newer muster; in `write` mode upgrade an older one. */
static int check_version(struct mst_store *st, int version, int write,
                         struct mst_err *err) {
    if (version > SCHEMA_VERSION)
        return mst_err_set(err, MST_ECONFIG,
                           "%s: schema version %d is newer than %d: "
                           "upgrade muster",
                           st->path, version, SCHEMA_VERSION);
    if (version < SCHEMA_VERSION && !write)
        return mst_err_set(err, MST_ECONFIG,
                           "%s: schema version %d is older than %d: run "
                           "muster collect once to upgrade it",
                           st->path, version, SCHEMA_VERSION);
    return MST_OK;
}

/* Bring the file to SCHEMA_VERSION in one transaction. */
static int migrate(struct mst_store *st, struct mst_err *err) {
    int version = 0;
    int rc = exec(st, "BEGIN IMMEDIATE", "locking for the migration", err);
    if (rc == MST_OK)
        rc = user_version(st, &version, err);
    if (rc == MST_OK)
        rc = check_version(st, version, 1, err);
    for (; rc == MST_OK && version < SCHEMA_VERSION; version++) {
        char pragma[40];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
                 version + 1);
        rc = exec(st, migrations[version], "migrating the schema", err);
        if (rc == MST_OK)
            rc = exec(st, pragma, "setting the schema version", err);
    }
    if (rc == MST_OK)
        return exec(st, "COMMIT", "committing the migration", err);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int prepare_all(struct mst_store *st, struct mst_err *err) {
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                               NULL) != SQLITE_OK)
            return db_err(st, "preparing a statement", err);
    return MST_OK;
}

/* ---------------------------------------------------------- fact shapes */

/*
 * A fact's dotted names (mst_changes_flatten) depend only on its shape:
 * its tree of objects and their keys (any other value is a leaf).  Nodes share
 * shapes far more than values (each node's `mountpoints` differ in their byte
 * counts, not in the mounts), so fact_shapes holds each (fact, shape) once with
 * its names and how many facts rows have it, kept by every write of the facts
 * table here.  A shape is a 64-bit hash of that tree, the same whatever the
 * order of the keys; two shapes of one fact meeting in one hash is as likely as
 * 2^-64 per pair.
 */
#define LEAF_SHAPE UINT64_C(0x6c656166) /* "leaf" */

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* FNV-1a of a key. */
static uint64_t key_hash(const char *s) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* The shape of a fact value (NULL, a damaged value: a leaf, as any value
 * that is not an object).  Children are summed, so key order is no part
 * of it. */
static uint64_t fact_shape(const json_t *v) {
    if (!json_is_object(v))
        return LEAF_SHAPE;
    uint64_t sum = 0;
    const char *key;
    json_t *child;
    json_object_foreach((json_t *)v, key, child) {
        sum += mix(key_hash(key) ^ mix(fact_shape(child) + LEAF_SHAPE));
    }
    return mix(sum ^ UINT64_C(0x6f626a656374)); /* "object" */
}

/* The names of top-level fact `key` = `v` into the array `names`: the
 * dotted names of an object's leaves as the history names them, or the
 * name of any other value. */
static int add_names(json_t *names, const char *key, const json_t *v) {
    if (!json_is_object(v))
        return json_array_append_new(names, json_string(key));
    json_t *one = json_pack("{s:O}", key, (json_t *)v), *leaf;
    json_t *flat = one ? mst_changes_flatten(one) : NULL;
    int rc = flat ? 0 : -1;
    const char *name;
    json_object_foreach(flat, name, leaf) {
        if (rc == 0)
            rc = json_array_append_new(names, json_string(name));
    }
    json_decref(flat);
    json_decref(one);
    return rc;
}

/* Those names as a JSON array text (caller frees; NULL: out of memory). */
static char *names_text(const char *key, const json_t *v) {
    json_t *names = json_array();
    char *text = names && add_names(names, key, v) == 0
                     ? json_dumps(names, JSON_COMPACT)
                     : NULL;
    json_decref(names);
    return text;
}

static sqlite3_stmt *shape_stmt(struct mst_store *st, enum stmt id,
                                const char *key, uint64_t shape) {
    sqlite3_stmt *s = stmt(st, id);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)shape);
    return s;
}

/* `d`'s count written: a new row for a shape not in the table (its names
 * are there: a count up made them), a row gone at 0. */
static int shape_write(struct mst_store *st, const struct shape_delta *d,
                       struct mst_err *err) {
    sqlite3_stmt *s = shape_stmt(st, S_SHAPE_ADD, d->key, d->shape);
    sqlite3_bind_int64(s, 3, d->delta);
    int rc = run(st, s, "counting a fact's names", err);
    if (rc == MST_OK && d->delta > 0 && sqlite3_changes(st->db) == 0) {
        s = shape_stmt(st, S_SHAPE_NEW, d->key, d->shape);
        sqlite3_bind_int64(s, 3, d->delta);
        sqlite3_bind_text(s, 4, d->names, -1, SQLITE_STATIC);
        rc = run(st, s, "adding a fact's names", err);
    }
    if (rc == MST_OK && d->delta < 0)
        rc = run(st, shape_stmt(st, S_SHAPE_GONE, d->key, d->shape),
                 "dropping a fact's names", err);
    return rc;
}

static struct shape_delta *deltas_find(struct shape_deltas *ds, const char *key,
                                       uint64_t shape) {
    for (size_t i = 0; i < ds->n; i++)
        if (ds->v[i].shape == shape && strcmp(ds->v[i].key, key) == 0)
            return &ds->v[i];
    return NULL;
}

/* Room for `more` entries in `ds`: MST_OK or MST_ENOMEM. */
static int deltas_reserve(struct shape_deltas *ds, size_t more) {
    if (ds->n + more <= ds->cap)
        return MST_OK;
    size_t cap = 2 * (ds->n + more);
    struct shape_delta *v = realloc(ds->v, cap * sizeof *v);
    if (v == NULL)
        return MST_ENOMEM;
    ds->v = v;
    ds->cap = cap;
    return MST_OK;
}

/* `delta` facts rows more of `key` = `v` (a value of that shape, for its
 * names, made once per batch: only read when delta > 0) in `shape`; the
 * entry's index in *i_r. */
static int deltas_add(struct mst_store *st, struct shape_deltas *ds,
                      const char *key, uint64_t shape, int64_t delta,
                      const json_t *v, size_t *i_r, struct mst_err *err) {
    struct shape_delta *d = deltas_find(ds, key, shape);
    if (d == NULL && deltas_reserve(ds, 1) == MST_OK &&
        (key = strdup(key)) != NULL) {
        d = &ds->v[ds->n++];
        *d = (struct shape_delta){.key = (char *)key, .shape = shape};
    }
    if (d != NULL && delta > 0 && d->names == NULL)
        d->names = names_text(key, v);
    if (d == NULL || (delta > 0 && d->names == NULL))
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
    d->delta += delta;
    *i_r = (size_t)(d - ds->v);
    return MST_OK;
}

static void deltas_clear(struct shape_deltas *ds) {
    for (size_t i = 0; i < ds->n; i++) {
        free(ds->v[i].key);
        free(ds->v[i].names);
    }
    ds->n = 0;
}

/* Every count of `ds` written, and `ds` emptied. */
static int deltas_flush(struct mst_store *st, struct shape_deltas *ds,
                        struct mst_err *err) {
    int rc = MST_OK;
    for (size_t i = 0; rc == MST_OK && i < ds->n; i++)
        if (ds->v[i].delta != 0)
            rc = shape_write(st, &ds->v[i], err);
    deltas_clear(ds);
    return rc;
}

/* Every facts row counted into fact_shapes, which is empty (the counts
 * written every few hundred shapes, not to search a long list). */
static int count_shapes(struct mst_store *st, struct mst_err *err) {
    struct shape_deltas ds = {0};
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT key, value FROM facts", -1, &s,
                           NULL) != SQLITE_OK)
        return db_err(st, "reading the facts", err);
    int rc = MST_OK, step;
    while (rc == MST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 1);
        json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
        size_t i;
        rc = deltas_add(st, &ds, (const char *)sqlite3_column_text(s, 0),
                        fact_shape(v), 1, v, &i, err);
        json_decref(v);
        if (rc == MST_OK && ds.n >= 256)
            rc = deltas_flush(st, &ds, err);
    }
    if (rc == MST_OK && step != SQLITE_DONE)
        rc = db_err(st, "reading the facts", err);
    sqlite3_finalize(s);
    if (rc == MST_OK)
        rc = deltas_flush(st, &ds, err);
    deltas_clear(&ds);
    free(ds.v);
    return rc;
}

/* fact_shapes filled when it is empty beside facts rows: on the file the
 * migration to it has just made, or one whose fact_shapes an operator
 * emptied after removing nodes by hand (docs/inventory.md "Retention"). */
static int count_shapes_if_empty(struct mst_store *st, struct mst_err *err) {
    int empty = 0;
    sqlite3_stmt *s = NULL;
    int rc = exec(st, "BEGIN IMMEDIATE", "locking to count fact names", err);
    if (rc == MST_OK &&
        sqlite3_prepare_v2(st->db,
                           "SELECT EXISTS (SELECT 1 FROM facts) AND NOT "
                           "EXISTS (SELECT 1 FROM fact_shapes)",
                           -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        empty = sqlite3_column_int(s, 0);
    else if (rc == MST_OK)
        rc = db_err(st, "looking for fact names", err);
    sqlite3_finalize(s);
    if (rc == MST_OK && empty)
        rc = count_shapes(st, err);
    if (rc == MST_OK)
        return exec(st, "COMMIT", "committing the fact names", err);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Connection settings, then the schema: migrated (write) or checked. */
static int setup(struct mst_store *st, enum mst_store_mode mode,
                 struct mst_err *err) {
    int version = 0, rc;
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    if (mode == MST_STORE_WRITE) {
        /* WAL: readers never block the writer; NORMAL sync keeps every
         * committed batch across a crash of the process (kill -9). */
        rc = exec(st, "PRAGMA journal_mode = WAL", "enabling WAL", err);
        if (rc == MST_OK)
            rc = exec(st, "PRAGMA synchronous = NORMAL", "setting sync", err);
        if (rc == MST_OK)
            rc = migrate(st, err);
    } else {
        rc = user_version(st, &version, err);
        if (rc == MST_OK)
            rc = check_version(st, version, 0, err);
    }
    if (rc == MST_OK)
        rc = prepare_all(st, err);
    return rc == MST_OK && mode == MST_STORE_WRITE
               ? count_shapes_if_empty(st, err)
               : rc;
}

int mst_store_open(const char *path, enum mst_store_mode mode,
                   struct mst_store **st_r, struct mst_err *err) {
    struct stat sb;
    *st_r = NULL;
    if (path == NULL || *path == '\0')
        return mst_err_set(err, MST_EINVAL, "inventory store: no file given");
    if (mode == MST_STORE_READ && stat(path, &sb) != 0)
        return mst_err_set(err, MST_ENOTFOUND,
                           "%s: no inventory store (run muster collect)", path);
    struct mst_store *st = calloc(1, sizeof *st);
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        free(st);
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", path);
    }
    int flags = mode == MST_STORE_WRITE
                    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                    : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    rc = rc == SQLITE_OK ? setup(st, mode, err)
                         : db_err(st, "opening the store", err);
    if (rc != MST_OK) {
        mst_store_close(&st);
        return rc;
    }
    *st_r = st;
    return MST_OK;
}

void mst_store_close(struct mst_store **st) {
    if (st == NULL || *st == NULL)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize((*st)->stmt[i]);
    sqlite3_close((*st)->db);
    deltas_clear(&(*st)->deltas);
    free((*st)->deltas.v);
    free((*st)->undo);
    free((*st)->text);
    free((*st)->path);
    free(*st);
    *st = NULL;
}

int mst_store_begin(struct mst_store *st, struct mst_err *err) {
    return exec(st, "BEGIN IMMEDIATE", "beginning a batch", err);
}

int mst_store_commit(struct mst_store *st, struct mst_err *err) {
    int rc = deltas_flush(st, &st->deltas, err);
    return rc == MST_OK ? exec(st, "COMMIT", "committing a batch", err) : rc;
}

/* ------------------------------------------------------------- history */

/* Compact JSON text of any value, or NULL for NULL (caller frees); keys
 * in the order the node sent them (the digest has its own canonical
 * form). */
static char *json_text(const json_t *v) {
    return v == NULL ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int history(struct mst_store *st, int64_t now_ms, const char *identity,
                   const char *kind, const char *name, const json_t *old,
                   const json_t *new, struct mst_err *err) {
    char *old_text = json_text(old), *new_text = json_text(new);
    sqlite3_stmt *s = stmt(st, S_HISTORY);
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_text(s, 2, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, name ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, old_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, new_text, -1, SQLITE_STATIC);
    int rc = run(st, s, "writing the history", err);
    free(old_text);
    free(new_text);
    return rc;
}

/* A stored JSON column, parsed (NULL when damaged: diffed as empty). */
static json_t *column_json(sqlite3_stmt *s, int col) {
    const char *text = (const char *)sqlite3_column_text(s, col);
    return text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

/* The facts stored for `identity` as one object (NULL: out of memory);
 * with `shapes`, each fact's shape in it too ({key: shape}, damaged
 * values included, as count_shapes counted them). */
static json_t *facts_of(struct mst_store *st, const char *identity,
                        json_t *shapes) {
    sqlite3_stmt *s = stmt(st, S_FACTS_OF);
    sqlite3_bind_text(s, 1, identity, -1, SQLITE_STATIC);
    json_t *facts = json_object();
    while (facts != NULL && sqlite3_step(s) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(s, 0);
        json_t *v = column_json(s, 1);
        if (shapes != NULL &&
            json_object_set_new(shapes, key,
                                json_integer((json_int_t)fact_shape(v)))) {
            json_decref(v);
            json_decref(facts);
            facts = NULL;
        } else if (v != NULL)
            json_object_set_new(facts, key, v);
    }
    sqlite3_reset(s);
    return facts;
}

/* A change found by mst_changes_diff, written to the history. */
struct change_ctx {
    struct mst_store *st;
    const char *identity;
    int64_t now_ms;
    struct mst_err *err;
};

static int write_change(void *ud, const char *kind, const char *name,
                        const json_t *old, const json_t *new) {
    struct change_ctx *c = ud;
    return history(c->st, c->now_ms, c->identity, kind, name, old, new, c->err);
}

/* Every change between the stored row (S_GET, on its row) and `reg`; the
 * stored facts' shapes into `old_shapes`. */
static int record_changes(struct mst_store *st, sqlite3_stmt *row,
                          const struct mst_registration *reg, int64_t now_ms,
                          json_t *old_shapes, struct mst_err *err) {
    struct mst_changes_body old = {facts_of(st, reg->sender, old_shapes),
                                   column_json(row, 1), column_json(row, 2)};
    struct mst_changes_body new = {reg->facts, reg->classes, reg->agents};
    struct change_ctx c = {st, reg->sender, now_ms, err};
    int rc = old.facts
                 ? mst_changes_diff(&old, &new, write_change, &c, err)
                 : mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
    json_decref((json_t *)old.facts);
    json_decref((json_t *)old.classes);
    json_decref((json_t *)old.agents);
    return rc;
}

/* --------------------------------------------------------------- writes */

/* The node columns ?1 .. ?9 of S_INSERT / S_UPDATE / S_SEEN from `reg`;
 * the JSON texts are kept in `texts` (freed by the caller; S_SEEN leaves
 * the stored classes and agents alone, so they are not made for it). */
static void bind_node(sqlite3_stmt *s, enum stmt id,
                      const struct mst_registration *reg, int64_t now_ms,
                      char *texts[3]) {
    int seen = id == S_SEEN;
    texts[0] = json_text(reg->collectives);
    texts[1] = seen ? NULL : json_text(reg->classes);
    texts[2] = seen ? NULL : json_text(reg->agents);
    sqlite3_bind_text(s, 1, reg->sender, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, texts[0] ? texts[0] : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now_ms);
    sqlite3_bind_text(s, 4, reg->version ? reg->version : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, reg->started_ms);
    sqlite3_bind_int64(s, 6, reg->interval_s);
    if (seen)
        return; /* S_SEEN has no more columns */
    sqlite3_bind_text(s, 7, reg->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, texts[1] ? texts[1] : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, texts[2] ? texts[2] : "[]", -1, SQLITE_STATIC);
}

/*
 * The JSON text of one fact value, as json_text makes it, in the store's
 * buffer (valid until the next call; its length in *len_r): a node's
 * facts are a dozen values of up to kilobytes each, written one after the
 * other, so one buffer that grows to the largest saves an allocation and
 * its copies for each.  NULL when out of memory.
 */
static const char *fact_text(struct mst_store *st, const json_t *v,
                             size_t *len_r) {
    for (;;) {
        size_t n = json_dumpb(v, st->text, st->text_cap,
                              JSON_COMPACT | JSON_ENCODE_ANY);
        if (n == 0)
            return NULL;
        if (n <= st->text_cap) {
            *len_r = n;
            return st->text;
        }
        char *bigger = realloc(st->text, 2 * n);
        if (bigger == NULL)
            return NULL;
        st->text = bigger;
        st->text_cap = 2 * n;
    }
}

/* `delta` facts rows of `key` in `shape` counted in the batch's shapes,
 * as the current put's (`v` as for deltas_add). */
static int count_put(struct mst_store *st, const char *key, uint64_t shape,
                     int64_t delta, const json_t *v, struct mst_err *err) {
    if (st->undo_n == st->undo_cap) {
        size_t cap = st->undo_cap ? 2 * st->undo_cap : 32;
        struct shape_undo *u = realloc(st->undo, cap * sizeof *u);
        if (u == NULL)
            return mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
        st->undo = u;
        st->undo_cap = cap;
    }
    size_t i;
    int rc = deltas_add(st, &st->deltas, key, shape, delta, v, &i, err);
    if (rc == MST_OK)
        st->undo[st->undo_n++] = (struct shape_undo){i, delta};
    return rc;
}

/* Fact `key` = `v` of a node counted in the batch's shapes, unless the
 * node had it in that shape already: that one leaves `old_shapes` (the
 * shapes of the facts it had; NULL for a new node), where what stays is
 * what the node no longer has. */
static int count_fact(struct mst_store *st, const char *key, const json_t *v,
                      json_t *old_shapes, struct mst_err *err) {
    uint64_t shape = fact_shape(v);
    json_t *old = json_object_get(old_shapes, key);
    if (old != NULL && (uint64_t)json_integer_value(old) == shape) {
        json_object_del(old_shapes, key);
        return MST_OK;
    }
    return count_put(st, key, shape, 1, v, err);
}

/* The facts of `reg`, one row per top-level fact, and their shapes
 * counted; with `old_shapes` (the node's stored facts, facts_of), the old
 * rows go first and shapes the node no longer has are uncounted. */
static int write_facts(struct mst_store *st, const struct mst_registration *reg,
                       json_t *old_shapes, struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_FACTS_DROP);
    sqlite3_bind_text(s, 1, reg->sender, -1, SQLITE_STATIC);
    int rc = old_shapes ? run(st, s, "replacing the facts", err) : MST_OK;
    const char *key;
    json_t *v;
    json_object_foreach(reg->facts, key, v) {
        size_t len = 0;
        const char *text = rc == MST_OK ? fact_text(st, v, &len) : NULL;
        s = stmt(st, S_FACT_PUT);
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, reg->sender, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, text, (int)len, SQLITE_STATIC);
        if (rc == MST_OK)
            rc = text ? run(st, s, "writing a fact", err)
                      : mst_err_set(err, MST_ENOMEM, "%s: out of memory",
                                    st->path);
        if (rc == MST_OK)
            rc = count_fact(st, key, v, old_shapes, err);
    }
    json_object_foreach(old_shapes, key, v) {
        if (rc == MST_OK)
            rc = count_put(st, key, (uint64_t)json_integer_value(v), -1, NULL,
                           err);
    }
    return rc;
}

static int write_node(struct mst_store *st, enum stmt id,
                      const struct mst_registration *reg, int64_t now_ms,
                      json_t *old_shapes, struct mst_err *err) {
    char *texts[3];
    sqlite3_stmt *s = stmt(st, id);
    bind_node(s, id, reg, now_ms, texts);
    int rc = run(st, s, "writing a node", err);
    for (int i = 0; i < 3; i++)
        free(texts[i]);
    return rc == MST_OK && id != S_SEEN ? write_facts(st, reg, old_shapes, err)
                                        : rc;
}

/* What `reg` does to a node already in the store (S_GET on its row). */
static int put_known(struct mst_store *st, sqlite3_stmt *row,
                     const struct mst_registration *reg, int64_t now_ms,
                     struct mst_err *err) {
    const char *digest = (const char *)sqlite3_column_text(row, 0);
    int same = digest != NULL && strcmp(digest, reg->digest) == 0;
    int was_stale = sqlite3_column_int64(row, 3) != 0;
    int rc = MST_OK;
    json_t *old_shapes = NULL; /* a new body: the stored facts' shapes */
    if (reg->facts == NULL && !same)
        return mst_err_set(err, MST_ENOTFOUND,
                           "%s: %s: digest %s is not the one stored: wait "
                           "for a full registration",
                           st->path, reg->sender, reg->digest);
    if (reg->facts != NULL && !same)
        rc = (old_shapes = json_object()) != NULL
                 ? record_changes(st, row, reg, now_ms, old_shapes, err)
                 : mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
    sqlite3_reset(row);
    if (rc == MST_OK && was_stale)
        rc = history(st, now_ms, reg->sender, "back", NULL, NULL, NULL, err);
    if (rc == MST_OK)
        rc = write_node(st, old_shapes ? S_UPDATE : S_SEEN, reg, now_ms,
                        old_shapes, err);
    json_decref(old_shapes);
    return rc;
}

static int put_row(struct mst_store *st, const struct mst_registration *reg,
                   int64_t now_ms, struct mst_err *err) {
    sqlite3_stmt *row = stmt(st, S_GET);
    sqlite3_bind_text(row, 1, reg->sender, -1, SQLITE_STATIC);
    int rc = sqlite3_step(row);
    if (rc == SQLITE_ROW)
        return put_known(st, row, reg, now_ms, err);
    sqlite3_reset(row);
    if (rc != SQLITE_DONE)
        return db_err(st, "reading a node", err);
    if (reg->facts == NULL)
        return mst_err_set(err, MST_ENOTFOUND,
                           "%s: %s: not in the store yet: wait for a full "
                           "registration",
                           st->path, reg->sender);
    rc = write_node(st, S_INSERT, reg, now_ms, NULL, err);
    return rc == MST_OK ? history(st, now_ms, reg->sender, "appeared", NULL,
                                  NULL, NULL, err)
                        : rc;
}

static int check_reg(const struct mst_store *st,
                     const struct mst_registration *reg, struct mst_err *err) {
    if (reg->sender == NULL || *reg->sender == '\0')
        return mst_err_set(err, MST_EINVAL, "%s: registration without sender",
                           st->path);
    if (reg->facts != NULL &&
        (!json_is_object(reg->facts) || !json_is_array(reg->classes) ||
         !json_is_array(reg->agents)))
        return mst_err_set(err, MST_EINVAL,
                           "%s: %s: facts, classes or agents of the wrong "
                           "type",
                           st->path, reg->sender);
    return MST_OK;
}

/* Run `rc = body` inside a savepoint, so that a failed put leaves nothing
 * half-written in the caller's batch. */
static int savepoint_end(struct mst_store *st, int rc) {
    if (rc != MST_OK)
        sqlite3_step(stmt(st, S_ROLLBACK));
    sqlite3_step(stmt(st, S_RELEASE));
    sqlite3_reset(st->stmt[S_ROLLBACK]);
    sqlite3_reset(st->stmt[S_RELEASE]);
    return rc;
}

int mst_store_put(struct mst_store *st, const struct mst_registration *reg,
                  int64_t now_ms, struct mst_err *err) {
    int rc = check_reg(st, reg, err);
    if (rc != MST_OK)
        return rc;
    int alone = sqlite3_get_autocommit(st->db); /* not in a batch */
    if ((rc = run(st, stmt(st, S_SAVEPOINT), "starting a put", err)) != MST_OK)
        return rc;
    rc = put_row(st, reg, now_ms, err);
    for (size_t i = 0; rc != MST_OK && i < st->undo_n; i++)
        st->deltas.v[st->undo[i].i].delta -= st->undo[i].delta;
    st->undo_n = 0; /* a failed put's counts go with its rows */
    if (rc == MST_OK && alone)
        rc = deltas_flush(st, &st->deltas, err);
    return savepoint_end(st, rc);
}

/* Mark `identity` stale at `now_ms` (once in the history); MST_ENOTFOUND
 * when it is not in the store. */
static int mark_stale(struct mst_store *st, const char *identity,
                      int64_t now_ms, struct mst_err *err) {
    sqlite3_stmt *row = stmt(st, S_GET);
    sqlite3_bind_text(row, 1, identity, -1, SQLITE_STATIC);
    int rc = sqlite3_step(row);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(row);
        return rc == SQLITE_DONE
                   ? mst_err_set(err, MST_ENOTFOUND, "%s: %s: not in the store",
                                 st->path, identity)
                   : db_err(st, "reading a node", err);
    }
    int was_stale = sqlite3_column_int64(row, 3) != 0;
    sqlite3_reset(row);
    sqlite3_stmt *s = stmt(st, S_MISSED);
    sqlite3_bind_text(s, 1, identity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now_ms);
    rc = run(st, s, "recording a missed poll", err);
    if (rc == MST_OK && !was_stale)
        rc = history(st, now_ms, identity, "stale", NULL, NULL, NULL, err);
    return rc;
}

int mst_store_missed(struct mst_store *st, const char *identity, int64_t now_ms,
                     struct mst_err *err) {
    if (identity == NULL || *identity == '\0')
        return mst_err_set(err, MST_EINVAL, "%s: missed: no identity",
                           st->path);
    int rc = run(st, stmt(st, S_SAVEPOINT), "starting a put", err);
    if (rc != MST_OK)
        return rc;
    return savepoint_end(st, mark_stale(st, identity, now_ms, err));
}

/* The identities S_OVERDUE names, copied (a write must not run while the
 * select is open on the same table). */
static int overdue(struct mst_store *st, int64_t now_ms, struct mst_strv *ids,
                   struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_OVERDUE);
    sqlite3_bind_int64(s, 1, now_ms);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (mst_strv_push(ids, (const char *)sqlite3_column_text(s, 0)) !=
            MST_OK) {
            sqlite3_reset(s);
            return mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
        }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? MST_OK
                             : db_err(st, "finding overdue nodes", err);
}

int mst_store_expire(struct mst_store *st, int64_t now_ms, int64_t keep_ms,
                     struct mst_err *err) {
    struct mst_strv ids = {0};
    int rc = overdue(st, now_ms, &ids, err);
    for (size_t i = 0; rc == MST_OK && i < ids.n; i++) {
        sqlite3_stmt *s = stmt(st, S_STALE);
        sqlite3_bind_text(s, 1, ids.v[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, now_ms);
        rc = run(st, s, "marking a node stale", err);
        if (rc == MST_OK)
            rc = history(st, now_ms, ids.v[i], "stale", NULL, NULL, NULL, err);
    }
    mst_strv_free(&ids);
    if (rc == MST_OK && keep_ms > 0) {
        sqlite3_stmt *s = stmt(st, S_PRUNE);
        sqlite3_bind_int64(s, 1, now_ms - keep_ms);
        rc = run(st, s, "pruning the history", err);
    }
    if (rc == MST_OK) {
        sqlite3_stmt *s = stmt(st, S_KNOWN_PRUNE);
        sqlite3_bind_int64(s, 1, now_ms / 1000);
        rc = run(st, s, "pruning expired certificates", err);
    }
    return rc;
}

/* ---------------------------------------------------------------- reads */

static const char *text(sqlite3_stmt *s, int col) {
    const char *t = (const char *)sqlite3_column_text(s, col);
    return t ? t : "";
}

/*
 * The facts of the node a walk is on: all of them (keys NULL: the node's
 * rows), or the top-level facts named, read through one cursor per name
 * over the facts table's (key, identity) order, advanced in step with the
 * nodes (both in identity order), so a report reads only the facts it
 * names.
 */
struct fact_cursors {
    const struct mst_strv *keys; /* NULL = every fact */
    sqlite3_stmt **cur;          /* one per key, on its current row or NULL
                                    when done */
};

static int cursors_open(struct mst_store *st, struct fact_cursors *fc,
                        struct mst_err *err) {
    if (fc->keys == NULL)
        return MST_OK;
    fc->cur = calloc(fc->keys->n ? fc->keys->n : 1, sizeof *fc->cur);
    if (fc->cur == NULL)
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
    for (size_t i = 0; i < fc->keys->n; i++) {
        if (sqlite3_prepare_v2(st->db,
                               "SELECT identity, value FROM facts WHERE key = "
                               "?1 ORDER BY identity",
                               -1, &fc->cur[i], NULL) != SQLITE_OK)
            return db_err(st, "reading the facts", err);
        sqlite3_bind_text(fc->cur[i], 1, fc->keys->v[i], -1, SQLITE_STATIC);
        if (sqlite3_step(fc->cur[i]) != SQLITE_ROW) {
            sqlite3_finalize(fc->cur[i]);
            fc->cur[i] = NULL;
        }
    }
    return MST_OK;
}

static void cursors_close(struct fact_cursors *fc) {
    for (size_t i = 0; fc->cur != NULL && i < fc->keys->n; i++)
        sqlite3_finalize(fc->cur[i]);
    free(fc->cur);
}

/* The named facts of `identity` into `facts`, moving each cursor past it
 * (identities compare as SQLite's BINARY collation: bytes). */
static void cursors_take(struct fact_cursors *fc, const char *identity,
                         json_t *facts) {
    for (size_t i = 0; i < fc->keys->n; i++) {
        sqlite3_stmt *c = fc->cur[i];
        int cmp = -1;
        while (c != NULL &&
               (cmp = strcmp((const char *)sqlite3_column_text(c, 0),
                             identity)) < 0) {
            if (sqlite3_step(c) != SQLITE_ROW) {
                sqlite3_finalize(c);
                c = fc->cur[i] = NULL;
            }
        }
        json_t *v = c != NULL && cmp == 0 ? column_json(c, 1) : NULL;
        if (v != NULL)
            json_object_set_new(facts, fc->keys->v[i], v);
    }
}

static json_t *node_facts(struct mst_store *st, struct fact_cursors *fc,
                          const char *identity) {
    if (fc->keys == NULL)
        return facts_of(st, identity, NULL);
    json_t *facts = json_object();
    if (facts != NULL)
        cursors_take(fc, identity, facts);
    return facts;
}

/* Every row of `s` (S_NODES or S_NODE, bound) to `fn`; how many in
 * *count_r. */
static int walk_nodes(struct mst_store *st, sqlite3_stmt *s,
                      struct fact_cursors *fc, mst_store_node_fn fn, void *ud,
                      size_t *count_r, struct mst_err *err) {
    int rc = MST_OK, step;
    *count_r = 0;
    while (rc == MST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        struct mst_store_node n = {
            .identity = text(s, 0),
            .collectives = text(s, 1),
            .first_seen_ms = sqlite3_column_int64(s, 2),
            .last_seen_ms = sqlite3_column_int64(s, 3),
            .version = text(s, 4),
            .started_ms = sqlite3_column_int64(s, 5),
            .interval_s = sqlite3_column_int64(s, 6),
            .digest = text(s, 7),
            .classes = text(s, 8),
            .agents = text(s, 9),
            .stale_since_ms = sqlite3_column_int64(s, 10),
            .missed = sqlite3_column_int64(s, 11),
        };
        json_t *facts = node_facts(st, fc, n.identity);
        n.facts = facts;
        ++*count_r;
        rc = facts
                 ? fn(&n, ud, err)
                 : mst_err_set(err, MST_ENOMEM, "%s: out of memory", st->path);
        json_decref(facts);
    }
    sqlite3_reset(s);
    if (rc == MST_OK && step != SQLITE_DONE)
        rc = db_err(st, "reading the nodes", err);
    return rc;
}

/* One read transaction around a walk, so that the nodes and their facts
 * are one snapshot (a savepoint: fine inside the writer's batch too). */
static int walk(struct mst_store *st, sqlite3_stmt *s,
                const struct mst_strv *fact_keys, mst_store_node_fn fn,
                void *ud, size_t *count_r, struct mst_err *err) {
    struct fact_cursors fc = {.keys = fact_keys};
    int rc = exec(st, "SAVEPOINT mst_read", "starting a read", err);
    if (rc != MST_OK)
        return rc;
    rc = cursors_open(st, &fc, err);
    if (rc == MST_OK)
        rc = walk_nodes(st, s, &fc, fn, ud, count_r, err);
    cursors_close(&fc);
    sqlite3_exec(st->db, "RELEASE mst_read", NULL, NULL, NULL);
    return rc;
}

int mst_store_nodes(struct mst_store *st, const struct mst_strv *fact_keys,
                    mst_store_node_fn fn, void *ud, struct mst_err *err) {
    size_t n;
    return walk(st, stmt(st, S_NODES), fact_keys, fn, ud, &n, err);
}

int mst_store_get_node(struct mst_store *st, const char *identity,
                       mst_store_node_fn fn, void *ud, struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_NODE);
    sqlite3_bind_text(s, 1, identity, -1, SQLITE_STATIC);
    size_t n = 0;
    int rc = walk(st, s, NULL, fn, ud, &n, err);
    if (rc == MST_OK && n == 0)
        return mst_err_set(err, MST_ENOTFOUND, "%s: %s: not in the store",
                           st->path, identity);
    return rc;
}

int mst_store_changes(struct mst_store *st, int64_t since_ms,
                      mst_store_change_fn fn, void *ud, struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_CHANGES);
    sqlite3_bind_int64(s, 1, since_ms);
    int rc, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct mst_store_change c = {
            .time_ms = sqlite3_column_int64(s, 0),
            .identity = text(s, 1),
            .kind = text(s, 2),
            .name = text(s, 3),
            .old = (const char *)sqlite3_column_text(s, 4),
            .new = (const char *)sqlite3_column_text(s, 5),
        };
        if ((rc = fn(&c, ud, err)) != MST_OK) {
            sqlite3_reset(s);
            return rc;
        }
    }
    sqlite3_reset(s);
    return step == SQLITE_DONE ? MST_OK
                               : db_err(st, "reading the history", err);
}

int mst_store_fact_names(struct mst_store *st, mst_store_name_fn fn, void *ud,
                         struct mst_err *err) {
    /* The writer's batch so far, as the rest of its reads see it. */
    int rc = deltas_flush(st, &st->deltas, err), step = SQLITE_DONE;
    sqlite3_stmt *s = stmt(st, S_FACT_NAMES);
    while (rc == MST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *names = column_json(s, 0), *name;
        size_t i;
        if (!json_is_array(names))
            rc = mst_err_set(err, MST_EIO, "%s: fact names that are not JSON",
                             st->path);
        json_array_foreach(names, i, name) {
            if (rc == MST_OK && json_is_string(name))
                rc = fn(json_string_value(name), ud, err);
        }
        json_decref(names);
    }
    sqlite3_reset(s);
    if (rc == MST_OK && step != SQLITE_DONE)
        rc = db_err(st, "reading the fact names", err);
    return rc;
}

int mst_store_schema_version(void) {
    return SCHEMA_VERSION;
}

/* ------------------------------------------------- known certificates */

/* A kind as stored (mst_cert_kind_name) back to its value. */
static int kind_value(const char *name) {
    for (int i = MST_CERT_CLIENT; i <= MST_CERT_SERVER; i++)
        if (strcmp(name, mst_cert_kind_name((enum mst_cert_kind)i)) == 0)
            return i;
    return MST_CERT_OTHER;
}

/* Copy a blob column into `out` (`cap` bytes); 0 when it does not fit. */
static int column_blob(sqlite3_stmt *s, int col, void *out, size_t cap,
                       size_t *len_r) {
    int len = sqlite3_column_bytes(s, col);
    if (len < 0 || (size_t)len > cap)
        return 0;
    memcpy(out, sqlite3_column_blob(s, col), (size_t)len);
    *len_r = (size_t)len;
    return 1;
}

/* The row S_KNOWN_GET found into `c` (fpr and ca_fpr are the query's). */
static int known_row(struct mst_store *st, sqlite3_stmt *s,
                     struct mst_known_cert *c, struct mst_err *err) {
    const char *cn = text(s, 1);
    if (!column_blob(s, 0, c->key, sizeof c->key, &c->key_len) ||
        strlen(cn) >= sizeof c->cn)
        return mst_err_set(err, MST_EIO, "%s: a damaged known certificate",
                           st->path);
    memcpy(c->cn, cn, strlen(cn) + 1);
    c->kind = kind_value(text(s, 2));
    c->not_before_s = sqlite3_column_int64(s, 3);
    c->not_after_s = sqlite3_column_int64(s, 4);
    return MST_OK;
}

int mst_store_known_get(struct mst_store *st, const uint8_t fpr[32],
                        const uint8_t ca_fpr[32], int64_t now_s,
                        struct mst_known_cert *cert_r, struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_KNOWN_GET);
    sqlite3_bind_blob(s, 1, fpr, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, ca_fpr, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now_s);
    int step = sqlite3_step(s), rc = MST_ENOTFOUND;
    if (step == SQLITE_ROW) {
        memcpy(cert_r->fpr, fpr, 32);
        memcpy(cert_r->ca_fpr, ca_fpr, 32);
        rc = known_row(st, s, cert_r, err);
    } else if (step != SQLITE_DONE) {
        rc = db_err(st, "reading a known certificate", err);
    }
    sqlite3_reset(s);
    return rc;
}

int mst_store_known_put(struct mst_store *st, const struct mst_known_cert *c,
                        int64_t now_ms, struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_KNOWN_PUT);
    sqlite3_bind_blob(s, 1, c->fpr, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, c->key, (int)c->key_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, c->cn, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, mst_cert_kind_name((enum mst_cert_kind)c->kind), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, c->not_before_s);
    sqlite3_bind_int64(s, 6, c->not_after_s);
    sqlite3_bind_blob(s, 7, c->ca_fpr, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, now_ms);
    return run(st, s, "remembering a certificate", err);
}

int mst_store_has_body(struct mst_store *st, const char *identity,
                       const char *digest, struct mst_err *err) {
    sqlite3_stmt *s = stmt(st, S_HAS_BODY);
    sqlite3_bind_text(s, 1, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, digest, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    int rc = step == SQLITE_ROW    ? MST_OK
             : step == SQLITE_DONE ? MST_ENOTFOUND
                                   : db_err(st, "reading a node", err);
    sqlite3_reset(s);
    return rc;
}

const char *mst_store_path(const struct mst_store *st) {
    return st->path;
}
