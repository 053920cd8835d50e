/*
 * ratelimit.h - a token bucket per verified caller, so that one caller's
 * flood cannot fill the replay cache (or the worker queue) for everyone.
 *
 * Each caller may send `rate` requests per second on average and up to
 * `2 * rate` at once (the burst).  Memory is bounded: at most `max_callers`
 * buckets; a new caller beyond that takes the bucket of the caller seen
 * least recently (who starts again with a full burst when back: only
 * callers with certificates of their own can cause that).  Time is passed
 * in, so the tests need no sleeps.
 *
 * Not thread-safe: the daemon's I/O thread owns it.
 */
#ifndef MUSTERD_RATELIMIT_H
#define MUSTERD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct musterd_ratelimit;

/* Callers remembered by the daemon (about 300 bytes each). */
#define MUSTERD_RATELIMIT_CALLERS 4096

/* Longest caller name told apart; longer names share a bucket with others
 * of the same first bytes (verified names are at most MST_SIGNER_LEN). */
#define MUSTERD_RATELIMIT_NAME 264

/*
 * musterd_ratelimit_new - buckets of `rate` requests/s (0: no limit, every
 * request passes) for up to `max_callers` callers (>= 1).  Returns MST_OK
 * and *rl_r (free with musterd_ratelimit_free), MST_EINVAL or MST_ENOMEM.
 */
int musterd_ratelimit_new(int rate, size_t max_callers,
                          struct musterd_ratelimit **rl_r, struct mst_err *err);

/* musterd_ratelimit_free - release `*rl` and set it to NULL; NULL is fine. */
void musterd_ratelimit_free(struct musterd_ratelimit **rl);

/*
 * musterd_ratelimit_take - one request from `caller` at `now_ms` (any
 * monotonic clock): 1 when it may pass (a token was taken), 0 when the
 * caller is over its rate.
 */
int musterd_ratelimit_take(struct musterd_ratelimit *rl, const char *caller,
                           int64_t now_ms);

/* musterd_ratelimit_rate - the configured rate (0: off). */
int musterd_ratelimit_rate(const struct musterd_ratelimit *rl);

/* musterd_ratelimit_callers - callers with a bucket now. */
size_t musterd_ratelimit_callers(const struct musterd_ratelimit *rl);

#endif
