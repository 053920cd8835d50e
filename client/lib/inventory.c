/*
 * inventory.c - reads of the inventory store for reports and discovery:
 * stored rows parsed, matched by the nodes' own filter code, given as JSON.
 */
#include "inventory.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "targeting/expr.h"
#include "targeting/facts.h"
#include "targeting/filter.h"

/* A stored node's JSON columns, parsed for the filter and the report. */
struct parsed {
    struct mst_facts *facts; /* those the store gave */
    struct mst_strv classes;
    struct mst_strv agents; /* names */
};

static void parsed_free(struct parsed *p) {
    mst_facts_free(&p->facts);
    mst_strv_free(&p->classes);
    mst_strv_free(&p->agents);
}

/* The strings of a JSON array text (or, with `key`, the string `key` of
 * each object in it) into `sv`. */
static int names_of(const char *text, const char *key, struct mst_strv *sv) {
    json_t *a = json_loads(text, 0, NULL), *v;
    size_t i;
    int rc = MST_OK;
    json_array_foreach(a, i, v) {
        const char *s = json_string_value(key ? json_object_get(v, key) : v);
        if (s != NULL && rc == MST_OK)
            rc = mst_strv_push(sv, s);
    }
    json_decref(a);
    return rc;
}

/* Classes and agents are parsed only for a filter that looks at them. */
static int parse_node(const struct mst_store_node *n, const json_t *filter,
                      struct parsed *p, struct mst_err *err) {
    int any = json_object_get(filter, "compound") != NULL;
    if (((any || json_object_get(filter, "class")) &&
         names_of(n->classes, NULL, &p->classes) != MST_OK) ||
        ((any || json_object_get(filter, "agent")) &&
         names_of(n->agents, "name", &p->agents) != MST_OK))
        return mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    return mst_facts_from_json(json_incref((json_t *)n->facts), &p->facts, err);
}

/* 1 if `filter` selects the node, 0 if not, or an error. */
static int match(const json_t *filter, const struct mst_store_node *n,
                 const struct parsed *p, struct mst_err *err) {
    if (filter == NULL)
        return 1;
    struct mst_filter_target t = {.identity = n->identity,
                                  .facts = p->facts,
                                  .classes = &p->classes,
                                  .agents = &p->agents,
                                  .semantics = MST_MATCH_CHORIA};
    int rc = mst_filter_match(filter, &t, err);
    return rc < 0 ? mst_err_prefix(err, "%s", n->identity) : rc;
}

static json_t *column(const char *text) {
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_null();
}

/* The keys of a node's JSON, in the order it is given. */
enum key {
    K_IDENTITY,
    K_COLLECTIVES,
    K_FIRST_SEEN,
    K_LAST_SEEN,
    K_VERSION,
    K_STARTED,
    K_UPTIME,
    K_INTERVAL,
    K_DIGEST,
    K_FACTS,
    K_CLASSES,
    K_AGENTS,
    K_STALE,
    K_STALE_SINCE,
    K_MISSED,
    N_KEYS
};

static const char *const node_keys[N_KEYS] = {
    [K_IDENTITY] = "identity",     [K_COLLECTIVES] = "collectives",
    [K_FIRST_SEEN] = "first_seen", [K_LAST_SEEN] = "last_seen",
    [K_VERSION] = "version",       [K_STARTED] = "started",
    [K_UPTIME] = "uptime",         [K_INTERVAL] = "interval",
    [K_DIGEST] = "digest",         [K_FACTS] = "facts",
    [K_CLASSES] = "classes",       [K_AGENTS] = "agents",
    [K_STALE] = "stale",           [K_STALE_SINCE] = "stale_since",
    [K_MISSED] = "missed",
};

/* The key `name` names, or -1. */
static int node_key(const char *name) {
    for (int k = 0; k < N_KEYS; k++)
        if (strcmp(name, node_keys[k]) == 0)
            return k;
    return -1;
}

static json_t *ms(int64_t v) {
    return json_integer((json_int_t)v);
}

/* The value of node key `k` (a new reference). */
static json_t *node_value(const struct mst_store_node *n,
                          const struct parsed *p, enum key k) {
    switch (k) {
    case K_IDENTITY:
        return json_string(n->identity);
    case K_COLLECTIVES:
        return column(n->collectives);
    case K_FIRST_SEEN:
        return ms(n->first_seen_ms);
    case K_LAST_SEEN:
        return ms(n->last_seen_ms);
    case K_VERSION:
        return json_string(n->version);
    case K_STARTED:
        return ms(n->started_ms);
    case K_UPTIME: /* at last_seen */
        return ms(n->started_ms > 0 && n->last_seen_ms > n->started_ms
                      ? (n->last_seen_ms - n->started_ms) / 1000
                      : 0);
    case K_INTERVAL:
        return ms(n->interval_s);
    case K_DIGEST:
        return json_string(n->digest);
    case K_FACTS:
        return json_incref((json_t *)mst_facts_root(p->facts));
    case K_CLASSES:
        return column(n->classes);
    case K_AGENTS:
        return column(n->agents);
    case K_STALE:
        return json_boolean(n->stale_since_ms != 0);
    case K_STALE_SINCE:
        return n->stale_since_ms ? ms(n->stale_since_ms) : json_null();
    default:
        return ms(n->missed);
    }
}

static json_t *node_json(const struct mst_store_node *n,
                         const struct parsed *p) {
    json_t *o = json_object();
    for (int k = 0; o != NULL && k < N_KEYS; k++)
        if (json_object_set_new(o, node_keys[k], node_value(n, p, k))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

/* A field of a report: a node key (but not "facts"), "facts.NAME", or
 * else a dotted fact name; null when the node has none.  New reference. */
static json_t *field(const struct mst_store_node *n, const struct parsed *p,
                     const char *name) {
    int k = node_key(name);
    if (k >= 0 && k != K_FACTS)
        return node_value(n, p, k);
    if (strncmp(name, "facts.", 6) == 0)
        name += 6;
    const json_t *v = mst_facts_get(p->facts, name);
    return v ? json_deep_copy(v) : json_null();
}

/* {"identity", "fields": {name: value}}: what a report of fields needs. */
static json_t *fields_json(const struct mst_store_node *n,
                           const struct parsed *p,
                           const struct mst_strv *fields) {
    json_t *f = json_object();
    for (size_t i = 0; f != NULL && i < fields->n; i++)
        json_object_set_new(f, fields->v[i], field(n, p, fields->v[i]));
    return json_pack("{s:s, s:o*}", "identity", n->identity, "fields", f);
}

/* ---- which facts to read ---- */

/* The top-level facts the lookup of dotted `name` can reach (facts.h:
 * "a.b.c" is "a.b.c", or "b.c" in "a", or "c" in "a.b"): every prefix
 * that ends before a dot, and the name. */
static int add_prefixes(struct mst_strv *keys, const char *name) {
    size_t n = strlen(name);
    char buf[1024];
    if (n >= sizeof buf)
        return MST_OK; /* longer than a fact name may be: nothing found */
    for (size_t i = 1; i <= n; i++) {
        if (i < n && name[i] != '.')
            continue;
        memcpy(buf, name, i);
        buf[i] = '\0';
        int seen = 0;
        for (size_t j = 0; j < keys->n && !seen; j++)
            seen = strcmp(keys->v[j], buf) == 0;
        if (!seen && mst_strv_push(keys, buf) != MST_OK)
            return MST_ENOMEM;
    }
    return MST_OK;
}

static int add_name(void *ud, const char *name) {
    return add_prefixes(ud, name);
}

/* The facts a -S expression may look up (MST_EINVAL: malformed, or it
 * reads files, which only the node itself can). */
static int compound_facts(const json_t *compound, struct mst_strv *keys,
                          struct mst_err *err) {
    struct mst_expr *e = NULL;
    const char *text = json_string_value(compound);
    int rc = text ? mst_expr_parse(text, &e, NULL) : MST_EINVAL;
    if (rc == MST_OK && mst_expr_reads_files(e))
        rc = mst_err_set(err, MST_EUNSUPPORTED,
                         "-S '%s': fstat() reads the node's own files: it "
                         "cannot be evaluated from the inventory store "
                         "(use --dm broadcast)",
                         text);
    if (rc == MST_OK)
        rc = mst_expr_fact_names(e, add_name, keys);
    mst_expr_free(&e);
    return rc;
}

/*
 * The top-level facts a walk needs into `keys`; 1 when it needs them all
 * (whole nodes; a malformed -S, for the filter to refuse with its reason),
 * or a negative code with `err` filled.
 */
static int needed_facts(const struct mst_inventory_query *q, int whole,
                        struct mst_strv *keys, struct mst_err *err) {
    const json_t *facts = json_object_get(q->filter, "fact"), *e;
    const json_t *compound = json_object_get(q->filter, "compound");
    int rc = compound ? compound_facts(compound, keys, err) : MST_OK;
    if (rc == MST_EINVAL || (rc == MST_OK && whole))
        return 1;
    size_t i;
    json_array_foreach(facts, i, e) {
        const char *name = json_string_value(json_object_get(e, "fact"));
        if (name != NULL && rc == MST_OK)
            rc = add_prefixes(keys, name);
    }
    for (i = 0; q->fields != NULL && i < q->fields->n && rc == MST_OK; i++) {
        const char *name = q->fields->v[i];
        if (strcmp(name, "facts") == 0)
            return 1;
        if (node_key(name) < 0 || strncmp(name, "facts.", 6) == 0)
            rc =
                add_prefixes(keys, name + (strncmp(name, "facts.", 6) ? 0 : 6));
    }
    return rc == MST_OK       ? 0
           : rc == MST_ENOMEM ? mst_err_set(err, rc, "inventory: out of memory")
                              : rc;
}

struct walk {
    const struct mst_inventory_query *q;
    int json; /* give fn the node (else collect identities) */
    mst_inventory_fn fn;
    void *ud;
    struct mst_strv *names; /* or collect identities here */
};

static int deliver(struct walk *w, const struct mst_store_node *n,
                   const struct parsed *p, struct mst_err *err) {
    if (!w->json)
        return mst_strv_push(w->names, n->identity) == MST_OK
                   ? MST_OK
                   : mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    json_t *node =
        w->q->fields ? fields_json(n, p, w->q->fields) : node_json(n, p);
    int rc = node ? w->fn(w->ud, node, err)
                  : mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    json_decref(node);
    return rc;
}

static int visit(const struct mst_store_node *n, void *ud,
                 struct mst_err *err) {
    struct walk *w = ud;
    if (w->q->unseen_since_ms != 0 && n->last_seen_ms >= w->q->unseen_since_ms)
        return MST_OK;
    struct parsed p = {0};
    int rc = parse_node(n, w->q->filter, &p, err);
    int m = rc == MST_OK ? match(w->q->filter, n, &p, err) : rc;
    rc = m == 1 ? deliver(w, n, &p, err) : m < 0 ? m : MST_OK;
    parsed_free(&p);
    return rc; /* what fn returned, to stop the walk with it */
}

static int run(struct mst_store *st, struct walk *w, struct mst_err *err) {
    struct mst_strv keys = {0};
    int all = needed_facts(w->q, w->json && w->q->fields == NULL, &keys, err);
    int rc =
        all < 0 ? all : mst_store_nodes(st, all ? NULL : &keys, visit, w, err);
    mst_strv_free(&keys);
    return rc;
}

int mst_inventory_nodes(struct mst_store *st,
                        const struct mst_inventory_query *q,
                        mst_inventory_fn fn, void *ud, struct mst_err *err) {
    struct walk w = {.q = q, .json = 1, .fn = fn, .ud = ud};
    return run(st, &w, err);
}

int mst_inventory_select(struct mst_store *st, const json_t *filter,
                         struct mst_strv *nodes_r, struct mst_err *err) {
    struct mst_inventory_query q = {.filter = filter};
    struct walk w = {.q = &q, .names = nodes_r};
    return run(st, &w, err); /* the store gives identity order */
}

static int copy_node(const struct mst_store_node *n, void *ud,
                     struct mst_err *err) {
    struct parsed p = {0};
    int rc = parse_node(n, NULL, &p, err);
    if (rc == MST_OK && (*(json_t **)ud = node_json(n, &p)) == NULL)
        rc = mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    parsed_free(&p);
    return rc;
}

int mst_inventory_node(struct mst_store *st, const char *identity,
                       json_t **node_r, struct mst_err *err) {
    *node_r = NULL;
    return mst_store_get_node(st, identity, copy_node, node_r, err);
}

/* ---- history ---- */

struct changes {
    json_t *only; /* {identity: true} of the nodes selected; NULL = all */
    mst_inventory_fn fn;
    void *ud;
};

static int visit_change(const struct mst_store_change *c, void *ud,
                        struct mst_err *err) {
    struct changes *ch = ud;
    if (ch->only != NULL && json_object_get(ch->only, c->identity) == NULL)
        return MST_OK;
    json_t *item = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "time",
                             (json_int_t)c->time_ms, "identity", c->identity,
                             "kind", c->kind, "name", c->name, "old",
                             c->old ? column(c->old) : json_null(), "new",
                             c->new ? column(c->new) : json_null());
    if (item == NULL)
        return mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    int rc = ch->fn(ch->ud, item, err);
    json_decref(item);
    return rc;
}

/* The identities `filter` selects as a set, or NULL for every node. */
static int selected(struct mst_store *st, const json_t *filter, json_t **only_r,
                    struct mst_err *err) {
    struct mst_strv ids = {0};
    *only_r = NULL;
    if (filter == NULL || json_object_size(filter) == 0)
        return MST_OK;
    int rc = mst_inventory_select(st, filter, &ids, err);
    json_t *only = rc == MST_OK ? json_object() : NULL;
    for (size_t i = 0; only != NULL && i < ids.n; i++)
        json_object_set_new(only, ids.v[i], json_true());
    mst_strv_free(&ids);
    if (rc == MST_OK && only == NULL)
        rc = mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    *only_r = only;
    return rc;
}

int mst_inventory_changes(struct mst_store *st,
                          const struct mst_inventory_query *q, int64_t since_ms,
                          mst_inventory_fn fn, void *ud, struct mst_err *err) {
    struct changes ch = {.fn = fn, .ud = ud};
    int rc = selected(st, q ? q->filter : NULL, &ch.only, err);
    if (rc == MST_OK)
        rc = mst_store_changes(st, since_ms, visit_change, &ch, err);
    json_decref(ch.only);
    return rc;
}

/* ---- fact names ---- */

/* A fact name into the set `ud` ({name: true}). */
static int add_fact_name(const char *name, void *ud, struct mst_err *err) {
    return json_object_set_new(ud, name, json_true())
               ? mst_err_set(err, MST_ENOMEM, "inventory: out of memory")
               : MST_OK;
}

int mst_inventory_fact_names(struct mst_store *st, struct mst_strv *names_r,
                             struct mst_err *err) {
    json_t *set = json_object(), *v;
    struct mst_strv sorted = {0};
    int rc =
        set ? mst_store_fact_names(st, add_fact_name, set, err) : MST_ENOMEM;
    const char *name;
    json_object_foreach(set, name, v) {
        if (rc == MST_OK)
            rc = mst_strv_push(&sorted, name);
    }
    json_decref(set);
    mst_strv_sort(&sorted);
    for (size_t i = 0; rc == MST_OK && i < sorted.n; i++)
        rc = mst_strv_push(names_r, sorted.v[i]);
    mst_strv_free(&sorted);
    return rc == MST_ENOMEM ? mst_err_set(err, rc, "inventory: out of memory")
                            : rc;
}
