#include "policy/lines.h"

#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/status.h"

int mst_lines_each(const char *text, const char *name, mst_lines_fn fn,
                   void *ud, struct mst_err *err) {
    char *copy = strdup(text);
    if (copy == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = MST_OK, line = 0;
    for (char *cur = copy, *next; cur != NULL && rc == MST_OK; cur = next) {
        char *nl = strchr(cur, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        line++;
        rc = fn(cur, line, ud, err);
        if (rc != MST_OK)
            mst_err_prefix(err, "%s:%d", name, line);
    }
    free(copy);
    return rc;
}

int mst_lines_read(const char *path, char **text_r, struct mst_err *err) {
    char *text = NULL;
    size_t n = 0;
    int rc = mst_file_read(path, MST_LINES_MAX_BYTES, &text, &n, err);
    if (rc != MST_OK)
        return rc;
    if (memchr(text, '\0', n) != NULL) {
        free(text);
        return mst_err_set(err, MST_EINVAL, "%s: contains a NUL byte", path);
    }
    *text_r = text;
    return MST_OK;
}
