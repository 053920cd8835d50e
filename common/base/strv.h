/*
 * strv.h - a growable vector of strings (collectives, URLs, fact files,
 * DDL directories, names found on disk).
 *
 * Plain data: `v` and every string in it belong to the vector and are
 * freed by mst_strv_free().  `{NULL, 0}` is the empty vector.
 */
#ifndef MST_STRV_H
#define MST_STRV_H

#include <jansson.h>
#include <stddef.h>

struct mst_strv {
    char **v; /* n strings, each owned */
    size_t n;
};

/* mst_strv_free - free the strings and the vector; leaves it empty. */
void mst_strv_free(struct mst_strv *sv);

/*
 * mst_strv_push - append a copy of `s`.  Returns MST_OK or MST_ENOMEM (the
 * vector is then unchanged).
 */
int mst_strv_push(struct mst_strv *sv, const char *s);

/* mst_strv_sort - sort the strings in byte order (strcmp). */
void mst_strv_sort(struct mst_strv *sv);

/*
 * mst_strv_to_json - a new JSON array of the strings, in order (the
 * caller's).  NULL `sv` gives an empty array.  NULL when out of memory.
 */
json_t *mst_strv_to_json(const struct mst_strv *sv);

#endif
