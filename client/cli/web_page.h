/*
 * web_page.h - the console's page (client/web/), built into the binary by
 * web_embed.py: index.html, app.js and style.css.
 */
#ifndef MST_WEB_PAGE_H
#define MST_WEB_PAGE_H

#include <stddef.h>

/* One file of the page; the table ends with a NULL path. */
struct mst_web_page_asset {
    const char *path; /* "/app.js" */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
};

extern const struct mst_web_page_asset mst_web_page_assets[];

/* mst_web_page_asset - the file served at `path` ("/" is index.html), or
 * NULL. */
const struct mst_web_page_asset *mst_web_page_asset(const char *path);

/*
 * mst_web_page_index - index.html with `token` (hex digits) in
 * <meta name="muster-token"> right after <head>.  Returns a string the
 * caller frees, or NULL when out of memory.
 */
char *mst_web_page_index(const char *token, size_t *len_r);

#endif
