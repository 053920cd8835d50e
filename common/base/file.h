/*
 * file.h - whole files read under a size cap, and file identity.
 *
 * Every file muster reads whole (DDLs, policies, fact files, an external
 * agent's reply) is bounded, so a runaway or hostile file costs at most
 * its cap.  Files are read until end of file, not by their stat size, so
 * pipes and /proc-like files work too.
 */
#ifndef MST_FILE_H
#define MST_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "base/err.h"

/*
 * mst_file_read - read all of `path` into a new buffer of `*len_r` bytes
 * plus a NUL (the caller frees *buf_r; the file may itself hold NULs).
 * Returns MST_OK, MST_ENOTFOUND (no such file), MST_EIO (cannot open or
 * read), MST_ETOOBIG (more than `max` bytes) or MST_ENOMEM, with a message
 * naming the file, e.g. "/etc/muster/policy/x.policy: larger than 1048576
 * bytes".  Nothing is returned on error.
 */
int mst_file_read(const char *path, size_t max, char **buf_r, size_t *len_r,
                  struct mst_err *err);

/*
 * mst_file_read_fd - the same from an open descriptor (borrowed: not
 * closed), for callers that open with their own flags (O_NOFOLLOW);
 * `label` names the file in messages.
 */
int mst_file_read_fd(int fd, const char *label, size_t max, char **buf_r,
                     size_t *len_r, struct mst_err *err);

/*
 * mst_file_same - true if `a` and `b` (from stat) describe the same
 * unchanged file: device, inode, size, modification and change times.
 * For caches keyed by a file that must notice an edit or a replacement.
 */
int mst_file_same(const struct stat *a, const struct stat *b);

#endif
