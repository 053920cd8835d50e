/*
 * web_page.c - the page's files and the token put into it (web_page.h).
 */
#include "web_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct mst_web_page_asset *mst_web_page_asset(const char *path) {
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (const struct mst_web_page_asset *a = mst_web_page_assets;
         a->path != NULL; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}

char *mst_web_page_index(const char *token, size_t *len_r) {
    const struct mst_web_page_asset *a = mst_web_page_asset("/");
    const char *html = (const char *)a->data;
    const char *head = strstr(html, "<head>");
    /* index.html always has <head>; without one the meta goes first */
    size_t at = head ? (size_t)(head - html) + strlen("<head>") : 0;
    char meta[160];
    int n = snprintf(meta, sizeof meta,
                     "\n<meta name=\"muster-token\" content=\"%s\">", token);
    char *out = malloc(a->len + (size_t)n + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, html, at);
    memcpy(out + at, meta, (size_t)n);
    memcpy(out + at + (size_t)n, html + at, a->len - at + 1);
    *len_r = a->len + (size_t)n;
    return out;
}
