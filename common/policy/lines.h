/*
 * lines.h - the line-by-line text files of common/policy/ (policies, the
 * groups file): read under a cap, cut into lines, errors named FILE:LINE.
 */
#ifndef MST_LINES_H
#define MST_LINES_H

#include <stddef.h>

#include "base/err.h"

/* Longest file read; real policy and groups files are a few dozen lines. */
#define MST_LINES_MAX_BYTES (1024 * 1024)

/* One line (NUL-terminated, writable, without its '\n'), numbered from 1. */
typedef int (*mst_lines_fn)(char *line, int lineno, void *ud,
                            struct mst_err *err);

/*
 * mst_lines_each - call `fn` for each line of a copy of `text`, stopping at
 * the first error, which is prefixed "NAME:LINE: ".  Returns MST_OK, what
 * `fn` returned, or MST_ENOMEM.
 */
int mst_lines_each(const char *text, const char *name, mst_lines_fn fn,
                   void *ud, struct mst_err *err);

/*
 * mst_lines_read - the text of the file at `path` (at most
 * MST_LINES_MAX_BYTES, no NUL byte) into *text_r, to free.  MST_ENOTFOUND,
 * MST_EIO, MST_ETOOBIG, MST_EINVAL (a NUL byte), with `path` in `err`.
 */
int mst_lines_read(const char *path, char **text_r, struct mst_err *err);

#endif
