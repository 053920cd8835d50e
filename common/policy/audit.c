#include "policy/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"

/* Retry a broken file at most this often. */
#define RETRY_MS 1000

struct mst_audit {
    char *path;
    int fd;
    int healthy;
    uint64_t failures;
    int64_t last_try_ms;
};

static int open_fd(struct mst_audit *a, struct mst_err *err) {
    a->last_try_ms = mst_now_ms();
    int fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        a->healthy = 0;
        return mst_err_set(err, MST_EIO, "audit log %s: %s", a->path,
                           strerror(errno));
    }
    if (a->fd >= 0)
        close(a->fd);
    a->fd = fd;
    a->healthy = 1;
    return MST_OK;
}

int mst_audit_open(const char *path, struct mst_audit **audit_r,
                   struct mst_err *err) {
    struct mst_audit *a = calloc(1, sizeof *a);
    if (a == NULL || (a->path = strdup(path)) == NULL) {
        free(a);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    a->fd = -1;
    open_fd(a, err);
    *audit_r = a;
    return MST_OK;
}

void mst_audit_free(struct mst_audit **audit) {
    if (audit == NULL || *audit == NULL)
        return;
    if ((*audit)->fd >= 0)
        close((*audit)->fd);
    free((*audit)->path);
    free(*audit);
    *audit = NULL;
}

int mst_audit_reopen(struct mst_audit *audit, struct mst_err *err) {
    return open_fd(audit, err);
}

int mst_audit_healthy(const struct mst_audit *audit) {
    return audit->healthy;
}

uint64_t mst_audit_failures(const struct mst_audit *audit) {
    return audit->failures;
}

static void set_text(json_t *o, const char *key, const char *value) {
    json_object_set_new(o, key, value ? json_string(value) : json_null());
}

static char *format(const struct mst_audit_record *r) {
    json_t *o = json_object();
    char when[32];
    time_t secs = (time_t)(r->time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03dZ", (int)(r->time_ms % 1000));
    set_text(o, "time", when);
    set_text(o, "id", r->id);
    set_text(o, "caller", r->caller);
    set_text(o, "sender", r->sender);
    set_text(o, "collective", r->collective);
    set_text(o, "agent", r->agent);
    set_text(o, "action", r->action);
    json_object_set(o, "data", r->data ? (json_t *)r->data : json_null());
    set_text(o, "decision", r->decision);
    set_text(o, "reason", r->reason);
    json_object_set_new(o, "status",
                        r->status >= 0 ? json_integer(r->status) : json_null());
    json_object_set_new(o, "duration_ms", json_integer(r->duration_ms));
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
                                   JSON_REAL_PRECISION(MST_JSON_REAL_DIGITS));
    json_decref(o);
    return line;
}

/* One write(2) for the whole line: O_APPEND keeps it in one piece. */
static int put_line(struct mst_audit *a, const char *text,
                    struct mst_err *err) {
    size_t len = strlen(text);
    ssize_t w;
    do
        w = write(a->fd, text, len);
    while (w < 0 && errno == EINTR);
    if (w == (ssize_t)len)
        return MST_OK;
    a->healthy = 0;
    if (w >= 0) /* a torn line: end it so the next line stays parseable */
        (void)!write(a->fd, "\n", 1);
    return mst_err_set(err, MST_EIO, "audit log %s: %s", a->path,
                       w < 0 ? strerror(errno) : "short write");
}

int mst_audit_write(struct mst_audit *a, const struct mst_audit_record *rec,
                    struct mst_err *err) {
    if (!a->healthy && mst_now_ms() - a->last_try_ms >= RETRY_MS)
        open_fd(a, err);
    int rc = MST_EIO;
    char *line = format(rec);
    if (line == NULL)
        rc = mst_err_set(err, MST_ENOMEM, "out of memory");
    else if (a->fd < 0)
        mst_err_set(err, MST_EIO, "audit log %s is not open", a->path);
    else {
        size_t n = strlen(line);
        char *with_nl = realloc(line, n + 2);
        if (with_nl == NULL) {
            rc = mst_err_set(err, MST_ENOMEM, "out of memory");
        } else {
            line = with_nl;
            line[n] = '\n';
            line[n + 1] = '\0';
            rc = put_line(a, line, err);
        }
    }
    free(line);
    if (rc != MST_OK)
        a->failures++;
    else
        a->healthy = 1;
    return rc;
}
