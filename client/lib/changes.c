/*
 * changes.c - what changed between two bodies of a node: facts leaf by
 * leaf, classes and agents as sets.
 */
#include "changes.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"

/* The leaves of a fact tree by dotted name into `flat` (arrays are
 * leaves: a fact's value). */
static int flatten(const json_t *v, char *prefix, size_t len, size_t cap,
                   json_t *flat) {
    if (!json_is_object(v) || json_object_size(v) == 0)
        return json_object_set(flat, prefix, (json_t *)v);
    const char *key;
    json_t *child;
    json_object_foreach((json_t *)v, key, child) {
        size_t klen = strlen(key), sep = len > 0;
        if (len + sep + klen >= cap)
            continue; /* deeper than any fact name a filter may use */
        if (sep)
            prefix[len] = '.';
        memcpy(prefix + len + sep, key, klen + 1);
        if (flatten(child, prefix, len + sep + klen, cap, flat) != 0)
            return -1;
        prefix[len] = '\0';
    }
    return 0;
}

json_t *mst_changes_flatten(const json_t *facts) {
    char prefix[1024] = "";
    json_t *flat = json_object();
    if (flat != NULL && json_is_object(facts) &&
        flatten(facts, prefix, 0, sizeof prefix, flat) != 0) {
        json_decref(flat);
        flat = NULL;
    }
    return flat;
}

/* Classes as a set ({name: true}); agents as {name: version}. */
static json_t *class_set(const json_t *classes) {
    json_t *set = json_object(), *v;
    size_t i;
    json_array_foreach(classes, i, v) {
        if (set != NULL && json_is_string(v))
            json_object_set_new(set, json_string_value(v), json_true());
    }
    return set;
}

static json_t *agent_map(const json_t *agents) {
    json_t *map = json_object(), *v;
    size_t i;
    json_array_foreach(agents, i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        json_t *version = json_object_get(v, "version");
        if (map != NULL && name != NULL)
            json_object_set(map, name, version ? version : json_null());
    }
    return map;
}

/*
 * One change per key added to, removed from or changed between the maps
 * `old` and `new` ("fact_added", "fact_removed", "fact_changed" for `what`
 * = "fact").  `with_values`: pass the values (not for classes).
 */
static int diff(const char *what, const json_t *old, const json_t *new,
                int with_values, mst_changes_fn fn, void *ud) {
    char kind[32];
    const char *key;
    json_t *v;
    int rc = MST_OK;
    json_object_foreach((json_t *)new, key, v) {
        json_t *was = json_object_get(old, key);
        if (was != NULL && json_equal(was, v))
            continue;
        snprintf(kind, sizeof kind, "%s_%s", what,
                 was == NULL ? "added" : "changed");
        rc =
            fn(ud, kind, key, with_values ? was : NULL, with_values ? v : NULL);
        if (rc != MST_OK)
            return rc;
    }
    snprintf(kind, sizeof kind, "%s_removed", what);
    json_object_foreach((json_t *)old, key, v) {
        if (json_object_get(new, key) == NULL &&
            (rc = fn(ud, kind, key, with_values ? v : NULL, NULL)) != MST_OK)
            return rc;
    }
    return MST_OK;
}

int mst_changes_diff(const struct mst_changes_body *old,
                     const struct mst_changes_body *new, mst_changes_fn fn,
                     void *ud, struct mst_err *err) {
    json_t *pairs[3][2] = {
        {mst_changes_flatten(old->facts), mst_changes_flatten(new->facts)},
        {class_set(old->classes), class_set(new->classes)},
        {agent_map(old->agents), agent_map(new->agents)},
    };
    static const char *const what[3] = {"fact", "class", "agent"};
    int rc = MST_OK;
    for (int i = 0; i < 3; i++) {
        if (rc == MST_OK && (pairs[i][0] == NULL || pairs[i][1] == NULL))
            rc = mst_err_set(err, MST_ENOMEM, "changes: out of memory");
        if (rc == MST_OK)
            rc = diff(what[i], pairs[i][0], pairs[i][1], i != 1, fn, ud);
        json_decref(pairs[i][0]);
        json_decref(pairs[i][1]);
    }
    return rc;
}
