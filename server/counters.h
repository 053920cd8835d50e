/*
 * counters.h - what musterd has seen, for rpcutil daemon_stats and logs.
 *
 * One X-macro list so that the enum and the names in daemon_stats cannot
 * drift.  Counters are only touched by the daemon's I/O thread.
 */
#ifndef MST_COUNTERS_H
#define MST_COUNTERS_H

#include <jansson.h>
#include <stdint.h>

#define MST_COUNTER_MAP(X)                                                     \
    X(RECEIVED, "received")         /* every delivery from the broker */      \
    X(VALID, "valid")               /* decoded, verified and fresh */         \
    X(INVALID, "invalid")           /* malformed envelope or payload */       \
    X(OVERSIZED, "oversized")       /* bigger than the message cap */         \
    X(UNVERIFIED, "unverified")     /* failed the security provider */        \
    X(EXPIRED, "expired")           /* outside time +- (ttl + skew) */        \
    X(REPLAYED, "replayed")         /* request id seen within its window */   \
    X(REPLAY_FULL, "replay_full")   /* refused: replay cache full */          \
    X(DENIED, "denied")             /* refused by an authorisation policy */  \
    X(AUDIT_FAILED, "audit_failed") /* audit lines that could not be written */\
    X(FILTERED, "filtered")         /* valid but the filter did not match */  \
    X(UNKNOWN_AGENT, "unknown_agent")                                          \
    X(DISPATCHED, "dispatched")     /* handed to an agent */                  \
    X(REPLIED, "replied")           /* replies published */                   \
    X(REPLY_FAILED, "reply_failed") /* replies that could not be sent */      \
    X(RECONNECTS, "reconnects")

enum mst_counter {
#define MST_COUNTER_ENUM(name, text) MST_COUNTER_##name,
    MST_COUNTER_MAP(MST_COUNTER_ENUM)
#undef MST_COUNTER_ENUM
        MST_COUNTER_COUNT
};

struct mst_counters {
    uint64_t v[MST_COUNTER_COUNT];
};

/* mst_counters_bump - add one to counter `c`. */
void mst_counters_bump(struct mst_counters *cs, enum mst_counter c);

/* mst_counters_json - a new object {"received": n, ...}; caller owns it. */
json_t *mst_counters_json(const struct mst_counters *cs);

#endif
