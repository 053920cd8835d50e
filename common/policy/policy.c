#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "policy/callers.h"
#include "policy/groups.h"
#include "policy/lines.h"
#include "targeting/regexp.h"

#define POLICY_MAX_FIELDS 5

struct rule {
    int allow;
    int line;
    struct mst_strv callers; /* empty: * */
    struct mst_strv actions; /* empty: * */
    json_t *filter;          /* facts and classes, as a filter object */
};

struct mst_policy {
    int has_default;
    int default_allow;
    struct rule *rules;
    size_t n;
};

static void rule_clear(struct rule *r) {
    mst_strv_free(&r->callers);
    mst_strv_free(&r->actions);
    json_decref(r->filter);
    memset(r, 0, sizeof *r);
}

void mst_policy_free(struct mst_policy **policy) {
    if (policy == NULL || *policy == NULL)
        return;
    for (size_t i = 0; i < (*policy)->n; i++)
        rule_clear(&(*policy)->rules[i]);
    free((*policy)->rules);
    free(*policy);
    *policy = NULL;
}

/* Split `field` at spaces into `out`, or leave it empty for "*". */
static int split_words(char *field, struct mst_strv *out) {
    if (strcmp(field, "*") == 0)
        return MST_OK;
    for (char *save = NULL, *w = strtok_r(field, " ", &save); w != NULL;
         w = strtok_r(NULL, " ", &save))
        if (mst_strv_push(out, w) != MST_OK)
            return MST_ENOMEM;
    return out->n > 0 ? MST_OK : MST_EINVAL;
}

/* One word of CALLERS: a "/regex/", a caller id or a group name. */
static int check_caller(const char *w, struct mst_err *err) {
    if (mst_regexp_is_slashed(w))
        return mst_caller_check_regex(w, err);
    if (strchr(w, '=') != NULL)
        return mst_caller_check_id(w, err);
    if (mst_groups_is_name(w))
        return MST_OK;
    return mst_err_set(err, MST_EINVAL,
                       "'%s' is neither a caller id (cert=NAME, "
                       "choria=NAME), a /regex/ nor a group name",
                       w);
}

static int parse_callers(char *field, struct mst_strv *out,
                         struct mst_err *err) {
    if (split_words(field, out) != MST_OK)
        return mst_err_set(err, MST_EINVAL, "bad CALLERS field");
    for (size_t i = 0; i < out->n; i++)
        if (check_caller(out->v[i], err) != MST_OK)
            return mst_err_prefix(err, "CALLERS");
    return MST_OK;
}

static int word_is(const char *w, size_t n, const char *keyword) {
    return n == strlen(keyword) && strncmp(w, keyword, n) == 0;
}

/*
 * A FACTS or CLASSES field is a compound expression when one of its words
 * is and, or, not, starts with "!" or holds a "(" - the actionpolicy
 * plugin's rule (is_compound?).
 */
static int looks_compound(const char *field) {
    for (const char *w = field; *w != '\0';) {
        size_t n = strcspn(w, " ");
        if (word_is(w, n, "and") || word_is(w, n, "or") ||
            word_is(w, n, "not") || w[0] == '!' || memchr(w, '(', n) != NULL)
            return 1;
        w += n + strspn(w + n, " ");
    }
    return 0;
}

static int add_words(json_t *filter, enum mst_filter_kind kind, char *field,
                     struct mst_err *err) {
    if (strcmp(field, "*") == 0)
        return MST_OK;
    int any = 0;
    for (char *save = NULL, *w = strtok_r(field, " ", &save); w != NULL;
         w = strtok_r(NULL, " ", &save), any = 1) {
        int rc = mst_filter_add(filter, kind, w, err);
        if (rc != MST_OK)
            return rc;
    }
    return any ? MST_OK : mst_err_set(err, MST_EINVAL, "empty field");
}

/*
 * FACTS (kind MST_FILTER_FACT) or CLASSES (MST_FILTER_CLASS): "*", words
 * of that kind, or one compound expression.
 */
static int parse_field(json_t *filter, enum mst_filter_kind kind, char *field,
                       struct mst_err *err) {
    int rc;
    if (looks_compound(field))
        rc = mst_filter_add(filter, MST_FILTER_COMPOUND, field, err);
    else if (kind == MST_FILTER_CLASS && strpbrk(field, "=<>") != NULL)
        rc = mst_err_set(err, MST_EINVAL,
                         "'%s' is a fact comparison; facts go in the FACTS "
                         "field",
                         field);
    else
        rc = add_words(filter, kind, field, err);
    if (rc == MST_OK)
        return rc;
    return mst_err_prefix(err, "%s field",
                          kind == MST_FILTER_FACT ? "FACTS" : "CLASSES");
}

/* Cut a line at tabs; runs of tabs separate one field. */
static size_t split_tabs(char *line, char *fields[POLICY_MAX_FIELDS + 1]) {
    size_t n = 0;
    for (char *save = NULL, *f = strtok_r(line, "\t", &save);
         f != NULL && n <= POLICY_MAX_FIELDS; f = strtok_r(NULL, "\t", &save))
        fields[n++] = f;
    return n;
}

static int parse_rule(char *line, struct rule *r, struct mst_err *err) {
    char *f[POLICY_MAX_FIELDS + 1];
    size_t n = split_tabs(line, f);
    if (n > POLICY_MAX_FIELDS || n < 4)
        return mst_err_set(err, MST_EINVAL,
                           "expected 4 or 5 tab-separated fields (allow|deny "
                           "CALLERS ACTIONS FACTS [CLASSES]), found %zu",
                           n);
    if (strcmp(f[0], "allow") != 0 && strcmp(f[0], "deny") != 0)
        return mst_err_set(err, MST_EINVAL,
                           "first field must be allow or deny, not '%s'", f[0]);
    r->allow = f[0][0] == 'a';
    int rc = parse_callers(f[1], &r->callers, err);
    if (rc != MST_OK)
        return rc;
    if (split_words(f[2], &r->actions) != MST_OK)
        return mst_err_set(err, MST_EINVAL, "bad ACTIONS field");
    if ((r->filter = json_object()) == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    rc = parse_field(r->filter, MST_FILTER_FACT, f[3], err);
    if (rc == MST_OK && n == 5)
        rc = parse_field(r->filter, MST_FILTER_CLASS, f[4], err);
    return rc;
}

static int parse_default(const char *line, struct mst_policy *p,
                         struct mst_err *err) {
    if (p->has_default)
        return mst_err_set(err, MST_EINVAL, "a second 'policy default' line");
    if (strcmp(line, "policy default allow") == 0)
        p->default_allow = 1;
    else if (strcmp(line, "policy default deny") != 0)
        return mst_err_set(err, MST_EINVAL,
                           "expected 'policy default allow' or "
                           "'policy default deny'");
    p->has_default = 1;
    return MST_OK;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One line of the file into `ud`, the policy being built. */
static int parse_line(char *raw, int lineno, void *ud, struct mst_err *err) {
    struct mst_policy *p = ud;
    char *line = trim(raw);
    if (*line == '\0' || *line == '#')
        return MST_OK;
    if (strncmp(line, "policy", 6) == 0 && (line[6] == ' ' || line[6] == '\t'))
        return parse_default(line, p, err);
    struct rule *v = realloc(p->rules, (p->n + 1) * sizeof *v);
    if (v == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    p->rules = v;
    struct rule *r = &p->rules[p->n];
    memset(r, 0, sizeof *r);
    int rc = parse_rule(line, r, err);
    if (rc != MST_OK) {
        rule_clear(r);
        return rc;
    }
    r->line = lineno;
    p->n++;
    return MST_OK;
}

int mst_policy_parse(const char *text, const char *name,
                     struct mst_policy **policy_r, struct mst_err *err) {
    struct mst_policy *p = calloc(1, sizeof *p);
    if (p == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = mst_lines_each(text, name, parse_line, p, err);
    if (rc != MST_OK) {
        mst_policy_free(&p);
        return rc;
    }
    *policy_r = p;
    return MST_OK;
}

int mst_policy_load(const char *path, struct mst_policy **policy_r,
                    struct mst_err *err) {
    char *text = NULL;
    int rc = mst_lines_read(path, &text, err);
    if (rc != MST_OK)
        return rc;
    rc = mst_policy_parse(text, path, policy_r, err);
    free(text);
    return rc;
}

static int listed(const struct mst_strv *list, const char *value) {
    if (list->n == 0)
        return 1; /* "*" */
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->v[i], value) == 0)
            return 1;
    return 0;
}

/* Is a word of CALLERS (checked by check_caller) a group name? */
static int is_group_word(const char *w) {
    return !mst_regexp_is_slashed(w) && strchr(w, '=') == NULL;
}

/* Does one word of CALLERS name the caller? */
static int caller_word_matches(const char *w,
                               const struct mst_policy_request *req) {
    if (is_group_word(w))
        return mst_groups_has(req->groups, w, req->caller);
    if (mst_regexp_is_slashed(w))
        return mst_caller_match_regex(w, req->caller, NULL) == 1;
    return mst_caller_is(w, req->caller);
}

static int caller_listed(const struct mst_strv *callers,
                         const struct mst_policy_request *req) {
    if (callers->n == 0)
        return 1; /* "*" */
    for (size_t i = 0; i < callers->n; i++)
        if (caller_word_matches(callers->v[i], req))
            return 1;
    return 0;
}

struct mst_policy_decision
mst_policy_check(const struct mst_policy *policy,
                 const struct mst_policy_request *req, int fallback_allow) {
    for (size_t i = 0; i < policy->n; i++) {
        const struct rule *r = &policy->rules[i];
        if (!caller_listed(&r->callers, req) ||
            !listed(&r->actions, req->action))
            continue;
        if (mst_filter_match(r->filter, req->node, NULL) != 1)
            continue;
        return (struct mst_policy_decision){r->allow, r->line};
    }
    return (struct mst_policy_decision){
        policy->has_default ? policy->default_allow : fallback_allow, 0};
}

const char *mst_policy_undefined_group(const struct mst_policy *policy,
                                       const struct mst_groups *groups,
                                       int *line_r) {
    for (size_t i = 0; i < policy->n; i++) {
        const struct mst_strv *c = &policy->rules[i].callers;
        for (size_t j = 0; j < c->n; j++)
            if (is_group_word(c->v[j]) &&
                !mst_groups_defines(groups, c->v[j])) {
                *line_r = policy->rules[i].line;
                return c->v[j];
            }
    }
    return NULL;
}
