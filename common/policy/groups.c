#include "policy/groups.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/strv.h"
#include "policy/callers.h"
#include "policy/lines.h"
#include "targeting/regexp.h"

struct group {
    char *name;
    int line;
    struct mst_strv members;
};

struct mst_groups {
    struct group *v;
    size_t n;
};

void mst_groups_free(struct mst_groups **groups) {
    if (groups == NULL || *groups == NULL)
        return;
    for (size_t i = 0; i < (*groups)->n; i++) {
        free((*groups)->v[i].name);
        mst_strv_free(&(*groups)->v[i].members);
    }
    free((*groups)->v);
    free(*groups);
    *groups = NULL;
}

int mst_groups_is_name(const char *s) {
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
            return 0;
    return 1;
}

static const struct group *find(const struct mst_groups *g, const char *name) {
    for (size_t i = 0; g != NULL && i < g->n; i++)
        if (strcmp(g->v[i].name, name) == 0)
            return &g->v[i];
    return NULL;
}

/* Add group `name` defined on `line`, members to come, as *gr_r. */
static int add_group(struct mst_groups *g, const char *name, int line,
                     struct group **gr_r, struct mst_err *err) {
    const struct group *old = find(g, name);
    if (old != NULL)
        return mst_err_set(err, MST_EINVAL,
                           "group '%s' is already defined on line %d", name,
                           old->line);
    struct group *v = realloc(g->v, (g->n + 1) * sizeof *v);
    if (v == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    g->v = v;
    v[g->n] = (struct group){.name = strdup(name), .line = line};
    if (v[g->n].name == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    *gr_r = &v[g->n++];
    return MST_OK;
}

/* One line of the file into `ud`, the groups being built. */
static int parse_line(char *line, int lineno, void *ud, struct mst_err *err) {
    struct mst_groups *g = ud;
    char *save = NULL, *w = strtok_r(line, " \t\r", &save);
    if (w == NULL || *w == '#')
        return MST_OK;
    if (!mst_groups_is_name(w))
        return mst_err_set(err, MST_EINVAL,
                           "'%s' is not a group name (letters, digits, "
                           "_ . - only), expected 'NAME caller caller ...'",
                           w);
    struct group *gr = NULL;
    int rc = add_group(g, w, lineno, &gr, err);
    if (rc != MST_OK)
        return rc;
    while ((w = strtok_r(NULL, " \t\r", &save)) != NULL) {
        if (mst_regexp_is_slashed(w))
            return mst_err_set(err, MST_EINVAL,
                               "group '%s': '%s': a group lists caller ids, "
                               "not regular expressions",
                               gr->name, w);
        if (mst_caller_check_id(w, err) != MST_OK)
            return mst_err_prefix(err, "group '%s'", gr->name);
        if (mst_strv_push(&gr->members, w) != MST_OK)
            return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    return MST_OK;
}

int mst_groups_parse(const char *text, const char *name,
                     struct mst_groups **groups_r, struct mst_err *err) {
    struct mst_groups *g = calloc(1, sizeof *g);
    if (g == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = mst_lines_each(text, name, parse_line, g, err);
    if (rc != MST_OK) {
        mst_groups_free(&g);
        return rc;
    }
    *groups_r = g;
    return MST_OK;
}

int mst_groups_load(const char *path, struct mst_groups **groups_r,
                    struct mst_err *err) {
    char *text = NULL;
    int rc = mst_lines_read(path, &text, err);
    if (rc != MST_OK)
        return rc;
    rc = mst_groups_parse(text, path, groups_r, err);
    free(text);
    return rc;
}

int mst_groups_defines(const struct mst_groups *groups, const char *group) {
    return find(groups, group) != NULL;
}

int mst_groups_has(const struct mst_groups *groups, const char *group,
                   const char *caller) {
    const struct group *gr = find(groups, group);
    for (size_t i = 0; gr != NULL && i < gr->members.n; i++)
        if (mst_caller_is(gr->members.v[i], caller))
            return 1;
    return 0;
}
