/*
 * file.c - whole files read under a size cap, and file identity.
 */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"

#define FIRST_CHUNK 4096

/* Grow `*buf` (of `*cap` bytes, plus room for a NUL) towards max + 1 bytes:
 * one byte past the cap is how a file that is too big shows itself. */
static int grow(char **buf, size_t *cap, size_t max) {
    size_t want = *cap == 0 ? FIRST_CHUNK : *cap * 2;
    if (want > max + 1 || want < *cap)
        want = max + 1;
    char *grown = realloc(*buf, want + 1);
    if (grown == NULL)
        return MST_ENOMEM;
    *buf = grown;
    *cap = want;
    return MST_OK;
}

int mst_file_read_fd(int fd, const char *label, size_t max, char **buf_r,
                     size_t *len_r, struct mst_err *err) {
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = MST_OK;
    while (rc == MST_OK && len <= max) {
        if (len == cap && (rc = grow(&buf, &cap, max)) != MST_OK)
            break;
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = mst_err_set(err, MST_EIO, "%s: cannot read: %s", label,
                             strerror(errno));
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (rc == MST_ENOMEM)
        mst_err_set(err, rc, "%s: out of memory", label);
    else if (rc == MST_OK && len > max)
        rc = mst_err_set(err, MST_ETOOBIG, "%s: larger than %zu bytes", label,
                         max);
    if (rc != MST_OK) {
        free(buf);
        return rc;
    }
    if (buf == NULL && (buf = malloc(1)) == NULL)
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", label);
    buf[len] = '\0';
    *buf_r = buf;
    *len_r = len;
    return MST_OK;
}

int mst_file_read(const char *path, size_t max, char **buf_r, size_t *len_r,
                  struct mst_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mst_err_set(err, errno == ENOENT ? MST_ENOTFOUND : MST_EIO,
                           "%s: cannot open: %s", path, strerror(errno));
    int rc = mst_file_read_fd(fd, path, max, buf_r, len_r, err);
    close(fd);
    return rc;
}

int mst_file_same(const struct stat *a, const struct stat *b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}
