/*
 * counters.h - what musterd has seen, for rpcutil daemon_stats and logs.
 *
 * One X-macro list so that the enum and the names in daemon_stats cannot
 * drift.  Counters are only touched by the daemon's I/O thread.
 */
#ifndef MUSTERD_COUNTERS_H
#define MUSTERD_COUNTERS_H

#include <jansson.h>
#include <stdint.h>

#define MUSTERD_COUNTER_MAP(X)                                                 \
    X(RECEIVED, "received")         /* every delivery from the broker */       \
    X(VALID, "valid")               /* decoded, verified and fresh */          \
    X(INVALID, "invalid")           /* malformed envelope or payload */        \
    X(OVERSIZED, "oversized")       /* bigger than the message cap */          \
    X(UNVERIFIED, "unverified")     /* failed the security provider */         \
    X(EXPIRED, "expired")           /* outside time +- (ttl + skew) */         \
    X(REPLAYED, "replayed")         /* request id seen within its window */    \
    X(REPLAY_FULL, "replay_full")   /* refused: replay cache full */           \
    X(RATE_LIMITED, "rate_limited") /* refused: caller over its rate */        \
    X(DENIED, "denied")             /* refused by an authorisation policy */   \
    X(AUDIT_FAILED,                                                            \
      "audit_failed")       /* audit lines that could not be written */        \
    X(FILTERED, "filtered") /* valid but the filter did not match */           \
    X(UNKNOWN_AGENT, "unknown_agent")                                          \
    X(DISPATCHED, "dispatched")     /* handed to an agent */                   \
    X(REPLIED, "replied")           /* replies published */                    \
    X(REPLY_FAILED, "reply_failed") /* replies that could not be sent */       \
    X(RECONNECTS, "reconnects")                                                \
    X(EXPIRED_IN_QUEUE, "expired_in_queue") /* answered, never run */          \
    X(REGISTRATIONS, "registrations")       /* registrations published */      \
    X(REGISTRATION_FAILED, "registration_failed") /* could not be sent */      \
    X(REGISTRATION_TOO_BIG,                                                    \
      "registration_too_big") /* body over max_bytes: "still here" sent */

enum musterd_counter {
#define MUSTERD_COUNTER_ENUM(name, text) MUSTERD_COUNTER_##name,
    MUSTERD_COUNTER_MAP(MUSTERD_COUNTER_ENUM)
#undef MUSTERD_COUNTER_ENUM
        MUSTERD_COUNTER_COUNT
};

struct musterd_counters {
    uint64_t v[MUSTERD_COUNTER_COUNT];
};

/* musterd_counters_bump - add one to counter `c`. */
void musterd_counters_bump(struct musterd_counters *cs, enum musterd_counter c);

/* musterd_counters_json - a new object {"received": n, ...}; caller owns it. */
json_t *musterd_counters_json(const struct musterd_counters *cs);

#endif
