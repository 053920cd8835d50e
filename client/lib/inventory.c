/*
 * inventory.c - reads of the inventory store for reports and discovery:
 * stored rows parsed, matched by the nodes' own filter code, given as JSON.
 */
#include "inventory.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "targeting/facts.h"
#include "targeting/filter.h"

/* A stored node's JSON columns, parsed for the filter and the report. */
struct parsed {
    struct mst_facts *facts; /* NULL until needed */
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

static int parse_facts(const struct mst_store_node *n, struct parsed *p,
                       struct mst_err *err) {
    json_t *root = json_loads(n->facts, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        root = json_object(); /* a damaged column: no facts */
    }
    return mst_facts_from_json(root, &p->facts, err);
}

/* Whether evaluating `filter` may look at facts (-F, -W, -S). */
static int needs_facts(const json_t *filter) {
    return json_object_get(filter, "fact") != NULL ||
           json_object_get(filter, "compound") != NULL;
}

static int parse_node(const struct mst_store_node *n, int with_facts,
                      struct parsed *p, struct mst_err *err) {
    if (names_of(n->classes, NULL, &p->classes) != MST_OK ||
        names_of(n->agents, "name", &p->agents) != MST_OK)
        return mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    return with_facts ? parse_facts(n, p, err) : MST_OK;
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

static json_t *node_json(const struct mst_store_node *n,
                         const struct parsed *p) {
    json_t *facts = p->facts ? json_incref((json_t *)mst_facts_root(p->facts))
                             : column(n->facts);
    return json_pack(
        "{s:s, s:o, s:I, s:I, s:s, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:b, "
        "s:o, s:I}",
        "identity", n->identity, "collectives", column(n->collectives),
        "first_seen", (json_int_t)n->first_seen_ms, "last_seen",
        (json_int_t)n->last_seen_ms, "version", n->version, "started",
        (json_int_t)n->started_ms, "uptime",
        (json_int_t)(n->started_ms > 0 && n->last_seen_ms > n->started_ms
                         ? (n->last_seen_ms - n->started_ms) / 1000
                         : 0),
        "interval", (json_int_t)n->interval_s, "digest", n->digest, "facts",
        facts, "classes", column(n->classes), "agents", column(n->agents),
        "stale", n->stale_since_ms != 0, "stale_since",
        n->stale_since_ms ? json_integer(n->stale_since_ms) : json_null(),
        "missed", (json_int_t)n->missed);
}

/* A field of a report: a key of the node's JSON, "facts.NAME", or else a
 * dotted fact name; NULL when the node has none. */
static const json_t *field(const json_t *node, const struct parsed *p,
                           const char *name) {
    if (strncmp(name, "facts.", 6) == 0)
        return mst_facts_get(p->facts, name + 6);
    const json_t *v = strcmp(name, "facts") ? json_object_get(node, name) : 0;
    return v ? v : mst_facts_get(p->facts, name);
}

static int add_fields(json_t *node, const struct parsed *p,
                      const struct mst_strv *fields) {
    json_t *f = json_object();
    for (size_t i = 0; f != NULL && i < fields->n; i++) {
        const json_t *v = field(node, p, fields->v[i]);
        json_object_set_new(f, fields->v[i],
                            v ? json_deep_copy(v) : json_null());
    }
    return json_object_set_new(node, "fields", f);
}

struct walk {
    const struct mst_inventory_query *q;
    int with_facts; /* parse facts: the filter or the JSON needs them */
    int json;       /* build the node's JSON for fn */
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
    json_t *node = node_json(n, p);
    if (node == NULL || (w->q->fields && add_fields(node, p, w->q->fields))) {
        json_decref(node);
        return mst_err_set(err, MST_ENOMEM, "inventory: out of memory");
    }
    int rc = w->fn(w->ud, node, err);
    json_decref(node);
    return rc;
}

static int visit(const struct mst_store_node *n, void *ud,
                 struct mst_err *err) {
    struct walk *w = ud;
    if (w->q->unseen_since_ms != 0 && n->last_seen_ms >= w->q->unseen_since_ms)
        return MST_OK;
    struct parsed p = {0};
    int rc = parse_node(n, w->with_facts, &p, err);
    if (rc == MST_OK)
        rc = match(w->q->filter, n, &p, err);
    if (rc == 1)
        rc = deliver(w, n, &p, err);
    parsed_free(&p);
    return rc < 0 ? rc : MST_OK;
}

static int run(struct mst_store *st, struct walk *w, struct mst_err *err) {
    w->with_facts = w->json || needs_facts(w->q->filter);
    return mst_store_nodes(st, visit, w, err);
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
    int rc = parse_node(n, 1, &p, err);
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
