/*
 * strv.c - a growable vector of strings.
 */
#include "base/strv.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"

void mst_strv_free(struct mst_strv *sv) {
    if (sv == NULL)
        return;
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

int mst_strv_push(struct mst_strv *sv, const char *s) {
    char *copy = strdup(s);
    if (copy == NULL)
        return MST_ENOMEM;
    char **v = realloc(sv->v, (sv->n + 1) * sizeof *v);
    if (v == NULL) {
        free(copy);
        return MST_ENOMEM;
    }
    v[sv->n++] = copy;
    sv->v = v;
    return MST_OK;
}

json_t *mst_strv_to_json(const struct mst_strv *sv) {
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && sv != NULL && i < sv->n; i++)
        if (json_array_append_new(a, json_string(sv->v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static int by_bytes(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mst_strv_sort(struct mst_strv *sv) {
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof *sv->v, by_bytes);
}
