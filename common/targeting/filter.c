#include "targeting/filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "targeting/expr.h"
#include "targeting/regexp.h"

static const char *const kind_keys[] = {
    [MST_FILTER_IDENTITY] = "identity", [MST_FILTER_FACT] = "fact",
    [MST_FILTER_CLASS] = "class",       [MST_FILTER_AGENT] = "agent",
    [MST_FILTER_COMPOUND] = "compound",
};

/* Longest first, so that "<=" is not read as "<". */
static const char *const fact_ops[] = {
    "==", "!=", "<=", ">=", "=~", "=", "<", ">"};

static int check_value(const char *text, struct mst_err *err) {
    size_t n = strlen(text);
    if (n == 0)
        return mst_err_set(err, MST_EINVAL, "empty filter value");
    if (n > MST_FILTER_VALUE_MAX)
        return mst_err_set(err, MST_EINVAL, "filter value longer than %d bytes",
                           MST_FILTER_VALUE_MAX);
    return mst_regexp_is_slashed(text) ? mst_regexp_check_slashed(text, err)
                                       : MST_OK;
}

/*
 * The text of a filter string from the wire.  jansson keeps an embedded NUL
 * that every C string function stops at, so "h1\0evil" would match h1:
 * such a string is refused, never truncated.  *text_r is NULL after a
 * refusal, so no path leaves it unset.
 */
static int wire_text(const json_t *v, const char *what, const char **text_r,
                     struct mst_err *err) {
    const char *s = json_string_value(v);
    *text_r = NULL;
    if (s == NULL)
        return mst_err_set(err, MST_EINVAL, "%s must be text", what);
    if (strlen(s) != json_string_length(v))
        return mst_err_set(err, MST_EINVAL, "%s contains a NUL byte", what);
    *text_r = s;
    return MST_OK;
}

/* Split "name OP value" at the first operator. */
static json_t *parse_fact(const char *text, struct mst_err *err) {
    const char *at = NULL;
    const char *op = NULL;
    for (const char *p = text; *p != '\0' && at == NULL; p++)
        for (size_t i = 0; i < sizeof fact_ops / sizeof fact_ops[0]; i++)
            if (strncmp(p, fact_ops[i], strlen(fact_ops[i])) == 0) {
                at = p;
                op = fact_ops[i];
                break;
            }
    if (at == NULL || at == text) {
        mst_err_set(err, MST_EINVAL,
                    "fact filter '%s' at position 1: expected NAME OP VALUE "
                    "with OP one of == != < > <= >= =~",
                    text);
        return NULL;
    }
    const char *value = at + strlen(op);
    if (*value == '\0') {
        mst_err_set(err, MST_EINVAL,
                    "fact filter '%s' at position %zu: missing value", text,
                    (size_t)(value - text) + 1);
        return NULL;
    }
    if (strcmp(op, "=~") == 0 && !mst_regexp_is_slashed(value)) {
        mst_err_set(err, MST_EINVAL,
                    "fact filter '%s': =~ needs a /regular expression/", text);
        return NULL;
    }
    if ((op[0] == '<' || op[0] == '>') && mst_regexp_is_slashed(value)) {
        mst_err_set(err, MST_EINVAL,
                    "fact filter '%s' at position %zu: %s cannot take a "
                    "regular expression",
                    text, (size_t)(value - text) + 1, op);
        return NULL;
    }
    if (check_value(value, err) != MST_OK)
        return NULL;
    return json_pack("{s:s%, s:s, s:s}", "fact", text, (size_t)(at - text),
                     "op", strcmp(op, "=") == 0 ? "==" : op, "value", value);
}

static int check_compound(const char *text, struct mst_err *err) {
    struct mst_expr *e = NULL;
    int rc = mst_expr_parse(text, &e, err);
    mst_expr_free(&e);
    return rc;
}

/* Several -S AND together: "(first) and (second)". */
static int add_compound(json_t *filter, const char *text, struct mst_err *err) {
    int rc = check_compound(text, err);
    if (rc != MST_OK)
        return rc;
    const char *old = json_string_value(json_object_get(filter, "compound"));
    char *joined = NULL;
    if (old != NULL && asprintf(&joined, "(%s) and (%s)", old, text) < 0)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    rc = joined ? check_compound(joined, err) : MST_OK;
    if (rc == MST_OK &&
        json_object_set_new(filter, "compound",
                            json_string(joined ? joined : text)) != 0)
        rc = mst_err_set(err, MST_EINVAL, "expression is not UTF-8");
    free(joined);
    return rc;
}

/* -W "fact=value class ...": words with an operator are facts. */
static int add_with(json_t *filter, const char *text, struct mst_err *err) {
    char *copy = strdup(text), *save = NULL;
    if (copy == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    json_t *tmp = json_deep_copy(filter);
    int rc = tmp ? MST_OK : mst_err_set(err, MST_ENOMEM, "out of memory");
    int words = 0;
    for (char *w = strtok_r(copy, " \t", &save); w && rc == MST_OK;
         w = strtok_r(NULL, " \t", &save), words++) {
        rc = mst_filter_add(
            tmp, strpbrk(w, "=<>!") ? MST_FILTER_FACT : MST_FILTER_CLASS, w,
            err);
        if (rc != MST_OK)
            mst_err_prefix(err, "word at position %zu", (size_t)(w - copy) + 1);
    }
    if (rc == MST_OK && words == 0)
        rc = mst_err_set(err, MST_EINVAL, "empty filter");
    if (rc == MST_OK)
        json_object_update(filter, tmp);
    json_decref(tmp);
    free(copy);
    return rc;
}

int mst_filter_add(json_t *filter, enum mst_filter_kind kind, const char *text,
                   struct mst_err *err) {
    json_t *entry;
    if (kind == MST_FILTER_COMPOUND)
        return add_compound(filter, text, err);
    if (kind == MST_FILTER_WITH)
        return add_with(filter, text, err);
    if (kind == MST_FILTER_FACT) {
        entry = parse_fact(text, err);
        if (entry == NULL)
            return err ? err->code : MST_EINVAL;
    } else {
        int rc = check_value(text, err);
        if (rc != MST_OK)
            return rc;
        entry = json_string(text);
        if (entry == NULL)
            return mst_err_set(err, MST_EINVAL, "filter value is not UTF-8");
    }
    json_t *list = json_object_get(filter, kind_keys[kind]);
    if (json_array_size(list) >= MST_FILTER_ENTRIES_MAX) {
        json_decref(entry);
        return mst_err_set(err, MST_EINVAL, "more than %d %s filters",
                           MST_FILTER_ENTRIES_MAX, kind_keys[kind]);
    }
    if (list == NULL) {
        list = json_array();
        json_object_set_new(filter, kind_keys[kind], list);
    }
    json_array_append_new(list, entry);
    return MST_OK;
}

int mst_filter_is_identity_only(const json_t *filter) {
    const char *key;
    json_t *v;
    int any = 0;
    json_object_foreach((json_t *)filter, key, v) {
        if (strcmp(key, "identity") != 0 || json_array_size(v) == 0)
            return 0;
        size_t i;
        json_t *id;
        json_array_foreach(v, i, id) {
            if (!json_is_string(id) ||
                mst_regexp_is_slashed(json_string_value(id)))
                return 0;
        }
        any = 1;
    }
    return any;
}

/* Match `have` against `want` (exact, or /regex/).  1, 0 or error. */
static int match_text(const char *want, const char *have, struct mst_err *err) {
    if (!mst_regexp_is_slashed(want))
        return strcmp(want, have) == 0;
    return mst_regexp_match_slashed(want, have, err);
}

static int match_any(const char *want, const struct mst_strv *have,
                     struct mst_err *err) {
    for (size_t i = 0; have != NULL && i < have->n; i++) {
        int rc = match_text(want, have->v[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int known_op(const char *op) {
    for (size_t i = 0; i < sizeof fact_ops / sizeof fact_ops[0]; i++)
        if (strcmp(op, fact_ops[i]) == 0 && strcmp(op, "=") != 0)
            return 1;
    return 0;
}

static int match_fact(const json_t *entry, const struct mst_facts *facts,
                      enum mst_match_semantics sem, struct mst_err *err) {
    const char *name, *op, *want;
    if (!json_is_object(entry))
        return mst_err_set(err, MST_EINVAL,
                           "fact filter entry needs fact, op and value");
    int rc;
    if ((rc = wire_text(json_object_get(entry, "fact"), "fact filter fact",
                        &name, err)) != MST_OK ||
        (rc = wire_text(json_object_get(entry, "op"), "fact filter op", &op,
                        err)) != MST_OK ||
        (rc = wire_text(json_object_get(entry, "value"), "fact filter value",
                        &want, err)) != MST_OK)
        return rc;
    if (!known_op(op))
        return mst_err_set(err, MST_EINVAL, "unknown fact operator '%s'", op);
    return mst_expr_compare_fact(facts ? mst_facts_get(facts, name) : NULL, op,
                                 want, sem, err);
}

static int match_entry(enum mst_filter_kind kind, const json_t *entry,
                       const struct mst_filter_target *t, struct mst_err *err) {
    if (kind == MST_FILTER_FACT)
        return match_fact(entry, t->facts, t->semantics, err);
    char what[32];
    snprintf(what, sizeof what, "%s filter entry", kind_keys[kind]);
    const char *want;
    int rc = wire_text(entry, what, &want, err);
    if (rc == MST_OK)
        rc = check_value(want, err);
    if (rc != MST_OK)
        return rc;
    if (kind == MST_FILTER_IDENTITY)
        return match_text(want, t->identity, err);
    if (kind == MST_FILTER_CLASS)
        return match_any(want, t->classes, err);
    return match_any(want, t->agents, err);
}

static const json_t *env_fact(void *ud, const char *name) {
    const struct mst_filter_target *t = ud;
    return t->facts ? mst_facts_get(t->facts, name) : NULL;
}

static int env_class(void *ud, const char *pattern, struct mst_err *err) {
    return match_any(pattern, ((const struct mst_filter_target *)ud)->classes,
                     err);
}

static int env_agent(void *ud, const char *pattern, struct mst_err *err) {
    return match_any(pattern, ((const struct mst_filter_target *)ud)->agents,
                     err);
}

/* The compound expression travels as text; every node parses it anew
 * (bounded by expr.c) rather than trusting a pre-parsed form. */
static int match_compound(const json_t *v, const struct mst_filter_target *t,
                          struct mst_err *err) {
    const char *text;
    int rc = wire_text(v, "compound filter", &text, err);
    if (rc != MST_OK)
        return rc;
    struct mst_expr *e = NULL;
    rc = mst_expr_parse(text, &e, err);
    if (rc != MST_OK)
        return mst_err_prefix(err, "compound filter");
    struct mst_expr_env env = {.fact = env_fact,
                               .has_class = env_class,
                               .has_agent = env_agent,
                               .ud = (void *)t,
                               .semantics = t->semantics};
    rc = mst_expr_eval(e, &env, err);
    mst_expr_free(&e);
    return rc;
}

static int find_kind(const char *key) {
    for (int k = 0; k < (int)(sizeof kind_keys / sizeof kind_keys[0]); k++)
        if (strcmp(key, kind_keys[k]) == 0)
            return k;
    return -1;
}

/*
 * Identities OR together (-I a -I b targets both nodes, as in MCollective);
 * facts, classes and agents AND together.
 */
static int match_list(enum mst_filter_kind kind, const json_t *list,
                      const struct mst_filter_target *t, struct mst_err *err) {
    int any = kind == MST_FILTER_IDENTITY;
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry) {
        int rc = match_entry(kind, entry, t, err);
        if (rc < 0 || rc == any)
            return rc;
    }
    return !any || json_array_size(list) == 0;
}

int mst_filter_match(const json_t *filter, const struct mst_filter_target *t,
                     struct mst_err *err) {
    if (!json_is_object(filter))
        return mst_err_set(err, MST_EINVAL, "filter is not an object");
    const char *key;
    json_t *list;
    json_object_foreach((json_t *)filter, key, list) {
        if (strcmp(key, "compound") == 0) {
            int rc = match_compound(list, t, err);
            if (rc <= 0)
                return rc;
            continue;
        }
        int kind = find_kind(key);
        if (kind < 0)
            return mst_err_set(err, MST_EINVAL, "unknown filter kind '%s'",
                               key);
        if (!json_is_array(list) ||
            json_array_size(list) > MST_FILTER_ENTRIES_MAX)
            return mst_err_set(err, MST_EINVAL,
                               "%s filter must be a list of at most %d", key,
                               MST_FILTER_ENTRIES_MAX);
        int rc = match_list((enum mst_filter_kind)kind, list, t, err);
        if (rc <= 0)
            return rc;
    }
    return 1;
}
