#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/status.h"

int mst_log_threshold = MST_LOG_INFO;

static int log_fd = STDERR_FILENO;
static char *log_path;

static const char *level_names[] = {
    [MST_LOG_ERR] = "err",       [MST_LOG_WARNING] = "warning",
    [MST_LOG_NOTICE] = "notice", [MST_LOG_INFO] = "info",
    [MST_LOG_DEBUG] = "debug",
};

int mst_log_level_parse(const char *name) {
    for (int i = MST_LOG_ERR; i <= MST_LOG_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

const char *mst_log_level_name(int level) {
    return level >= MST_LOG_ERR && level <= MST_LOG_DEBUG ? level_names[level]
                                                          : "?";
}

void mst_log_write(int level, const char *fmt, ...) {
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    if (level < MST_LOG_ERR || level > MST_LOG_DEBUG)
        level = MST_LOG_ERR;
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ldZ %s ",
                  ts.tv_nsec / 1000000, level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += m;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(log_fd, line, (size_t)n);
    (void)w; /* nowhere left to report a failing log */
}

static int open_path(const char *path, struct mst_err *err) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return mst_err_set(err, MST_EIO, "cannot open log file %s: %s", path,
                           strerror(errno));
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    return MST_OK;
}

int mst_log_open(const char *path, struct mst_err *err) {
    if (path == NULL || path[0] == '\0' || strcmp(path, "-") == 0) {
        mst_log_close();
        return MST_OK;
    }
    int rc = open_path(path, err);
    if (rc != MST_OK)
        return rc;
    char *copy = strdup(path);
    if (copy == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    free(log_path);
    log_path = copy;
    return MST_OK;
}

int mst_log_reopen(struct mst_err *err) {
    if (log_path == NULL)
        return MST_OK;
    return open_path(log_path, err);
}

void mst_log_close(void) {
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = STDERR_FILENO;
    free(log_path);
    log_path = NULL;
}
