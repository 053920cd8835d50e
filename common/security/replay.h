/*
 * replay.h - remember request ids for as long as their requests could be
 * accepted, so that a request published twice runs once.
 *
 * A node accepts a request only while now <= time + ttl + skew (see
 * mst_request_check_time), so an id needs remembering until exactly then:
 * after that the time check refuses the copy by itself.  Memory is bounded
 * by `capacity` entries (about 56 bytes each, touched only when used: the
 * id table grows with the ids inside their window).
 * When every entry is still inside its window the table is full and new ids
 * are REFUSED (MST_EFULL), never evicted: forgetting an id early would let
 * its request be replayed, and only requests that already passed the
 * signature and time checks reach this table, so filling it takes a flood
 * of valid requests from a trusted caller.
 *
 * Not thread-safe: one thread owns a table (the daemon's I/O thread).
 */
#ifndef MST_REPLAY_H
#define MST_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/util.h"

struct mst_replay;

/* Limits on the capacity (security.replay_cache). */
#define MST_REPLAY_MIN 16
#define MST_REPLAY_MAX (16 * 1024 * 1024)

/*
 * mst_replay_new - an empty table for up to `capacity` ids
 * (MST_REPLAY_MIN..MST_REPLAY_MAX).  Returns MST_OK and *replay_r (free
 * with mst_replay_free), MST_EINVAL or MST_ENOMEM.
 */
int mst_replay_new(size_t capacity, struct mst_replay **replay_r,
                   struct mst_err *err);

/* mst_replay_free - release `*replay` and set it to NULL.  NULL is fine. */
void mst_replay_free(struct mst_replay **replay);

/*
 * mst_replay_check - forget ids whose window ended at or before `now_ms`,
 * then look `id` (32 hex digits) up.  A new id is recorded until
 * `expires_ms` and MST_OK returned.  Otherwise MST_EREPLAY (seen before,
 * still inside its window), MST_EFULL (capacity reached; not recorded) or
 * MST_ENOMEM (the id table could not grow; not recorded), with the reason
 * in `err`.  An `expires_ms` <= `now_ms` is MST_EINVAL.
 */
int mst_replay_check(struct mst_replay *replay, const char *id,
                     int64_t expires_ms, int64_t now_ms, struct mst_err *err);

/* mst_replay_count - ids currently remembered. */
size_t mst_replay_count(const struct mst_replay *replay);

#endif
