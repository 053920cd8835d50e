/*
 * audit.h - the audit trail: one JSON line per request that reached the
 * daemon, accepted or refused.
 *
 * Lines are written with one write(2) on an O_APPEND descriptor, so
 * concurrent writers never interleave within a line and nothing is
 * buffered in the process: a line is on its way to the disk when
 * mst_audit_write returns.  mst_audit_reopen() follows logrotate's
 * rename-then-SIGHUP.  A file that cannot be written is retried (at most
 * once a second) on later writes, so a full disk that clears is picked up.
 */
#ifndef MST_AUDIT_H
#define MST_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"

struct mst_audit;

struct mst_audit_record {
    int64_t time_ms; /* when the request arrived (epoch ms) */
    const char *id;  /* NULL for messages that did not decode */
    const char *caller;
    const char *sender;
    const char *collective;
    const char *agent;
    const char *action;
    const json_t *data;   /* inputs, already redacted; may be NULL */
    const char *decision; /* "accepted", "refused" or "denied" */
    const char *reason;   /* why refused or denied; NULL when accepted */
    int status;           /* RPC status of the reply; -1: no reply */
    int64_t duration_ms;  /* arrival to reply */
};

/*
 * mst_audit_open - an audit trail appending to `path` (created 0640).
 * Returns MST_OK with *audit_r even when the file cannot be opened yet (the
 * reason is in `err` and mst_audit_healthy() is false); MST_ENOMEM only.
 * Free with mst_audit_free.
 */
int mst_audit_open(const char *path, struct mst_audit **audit_r,
                   struct mst_err *err);

/* mst_audit_free - close and free; sets *audit to NULL.  NULL is fine. */
void mst_audit_free(struct mst_audit **audit);

/*
 * mst_audit_reopen - close and open the path again (after a rename).
 * Returns MST_OK or MST_EIO.
 */
int mst_audit_reopen(struct mst_audit *audit, struct mst_err *err);

/*
 * mst_audit_write - append one line for `rec`.  Returns MST_OK or MST_EIO
 * (with the reason) when the line could not be written whole.
 */
int mst_audit_write(struct mst_audit *audit, const struct mst_audit_record *rec,
                    struct mst_err *err);

/* mst_audit_healthy - non-zero if the last open or write succeeded. */
int mst_audit_healthy(const struct mst_audit *audit);

/* mst_audit_failures - lines that could not be written so far. */
uint64_t mst_audit_failures(const struct mst_audit *audit);

#endif
