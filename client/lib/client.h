/*
 * client.h - inside libmusterclient: send one request to many nodes and
 * gather the replies.  Internal (not installed): programs use the public
 * <muster/client.h> (api.c), which wraps this; bench/ and test/tools link
 * it directly through libmusterclient_internal_dep.
 *
 * A client owns one broker connection and one reply queue.  Not
 * thread-safe: use one client per thread.
 */
#ifndef MST_CLIENT_H
#define MST_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "security/security.h"
#include "wire/reply.h"

struct mst_client;

/*
 * What to ask and of whom.  Everything is borrowed for the call.  Times
 * are milliseconds; 0 takes the configuration's default, applied here in
 * the library and nowhere else.
 */
struct mst_call_spec {
    const char *agent;
    const char *action;
    const json_t *data;           /* inputs (object); NULL = {} */
    const json_t *filter;         /* see filter.h; NULL = every node */
    const char *collective;       /* NULL = the first configured */
    const struct mst_strv *nodes; /* non-NULL: address exactly these */
    int64_t discovery_timeout_ms; /* broadcast: quiet time that ends it;
                                     0 = config discovery_timeout */
    int64_t discovery_window_ms;  /* broadcast: once replies flow, this much
                                     quiet ends it (capped by the above);
                                     0 = config discovery_window (0 = off) */
    int64_t timeout_ms;           /* overall limit; 0 = config timeout;
                                     also sent as the request's deadline */
    int64_t ttl_ms;               /* request validity; 0 = config ttl; sent
                                     rounded up to whole seconds */
    size_t expected;              /* broadcast: stop once this many have
                                     answered (0 = wait for quiet) */
};

/* Callbacks for what arrives; any may be NULL. */
struct mst_call_handlers {
    /* a verified reply to this request, in arrival order */
    void (*reply)(void *ud, const struct mst_reply *rep, const char *signer,
                  int64_t rtt_us);
    /* a message on the reply queue that failed to decode or verify */
    void (*invalid)(void *ud, const char *why);
    /* mst_client_rollout: batch `index` (from 1) of `count` starts */
    void (*batch)(void *ud, size_t index, size_t count,
                  const struct mst_strv *nodes);
    void *ud;
};

/* Why collection stopped, shown as stats.ended in JSON output. */
enum mst_call_end {
    MST_END_NONE = 0, /* not collected (failed before or during) */
    MST_END_COMPLETE, /* every addressed or expected node answered */
    MST_END_WINDOW,   /* broadcast: --discovery-window of quiet */
    MST_END_QUIET,    /* broadcast: --dt of quiet */
    MST_END_TIMEOUT,  /* the overall limit */
};

/* "complete", "discovery_window", ... ; "" for MST_END_NONE. */
const char *mst_call_end_name(enum mst_call_end end);

/* The outcome of a call.  Owned by the caller; mst_call_stats_clear(). */
struct mst_call_stats {
    char request_id[MST_ID_LEN];
    size_t responses;            /* distinct nodes that replied */
    size_t ok;                   /* of which with status 0 */
    size_t failed;               /* of which with another status */
    size_t invalid;              /* messages refused (bad signature, ...) */
    struct mst_strv no_response; /* addressed nodes that did not answer */
    struct mst_strv unknown;     /* addressed nodes with no queue at all */
    struct mst_strv unexpected;  /* answered but were not addressed */
    struct mst_strv not_reached; /* rollout stopped before their batch */
    size_t batches;              /* rollout: batches sent */
    int64_t elapsed_us;          /* publish to the end of collection */
    enum mst_call_end ended;     /* what ended the (last) collection */
};

/*
 * mst_client_new - connect with `cfg` (borrowed for the client's life),
 * set up the security provider and the reply queue.  Returns MST_OK and
 * *cl_r (free with mst_client_free), or MST_ECONNECT/MST_ESECURITY/...
 * with one actionable line in `err`.
 */
int mst_client_new(const struct mst_config *cfg, struct mst_client **cl_r,
                   struct mst_err *err);

/*
 * mst_client_new_known - mst_client_new with a trusted key source for the
 * x509 provider (mst_security_options.known; NULL: none), which must
 * outlive the client: `muster collect --poll` passes the store's.
 */
int mst_client_new_known(const struct mst_config *cfg,
                         const struct mst_known_certs *known,
                         struct mst_client **cl_r, struct mst_err *err);

/* mst_client_free - disconnect, free, set *cl to NULL.  NULL is fine. */
void mst_client_free(struct mst_client **cl);

/*
 * mst_client_call - publish one request and collect replies until every
 * addressed node answered (or is known not to exist), or for a broadcast
 * until `discovery_timeout_ms` passed with no new reply (or `expected`
 * replies came), or until `timeout_ms`.  Handlers run as replies arrive.
 * Fills *stats_r (zeroed by the caller).  Returns MST_OK when the request
 * went out (whatever the nodes said), else the failure in `err`.
 */
int mst_client_call(struct mst_client *cl, const struct mst_call_spec *spec,
                    const struct mst_call_handlers *h,
                    struct mst_call_stats *stats_r, struct mst_err *err);

/*
 * mst_client_send - publish one request and return at once, for callers
 * that keep many requests in flight; the request id is copied to `id_r`.
 * Read the replies with mst_client_poll.  Returns MST_OK or the failure.
 */
int mst_client_send(struct mst_client *cl, const struct mst_call_spec *spec,
                    char id_r[MST_ID_LEN], struct mst_err *err);

/*
 * mst_client_poll - wait up to `timeout_ms` for one message on the reply
 * queue: a verified reply to any request sent goes to h->reply (rep->id
 * names the request; rtt_us is -1), anything refused - and an addressed
 * request the broker returned as "no such node: NAME" - to h->invalid.
 * Returns 1 when a message was handled, 0 on timeout, or MST_ECONNECT.
 */
int mst_client_poll(struct mst_client *cl, int timeout_ms,
                    const struct mst_call_handlers *h, struct mst_err *err);

/* mst_call_stats_clear - free the lists in `st` and zero it. */
void mst_call_stats_clear(struct mst_call_stats *st);

/* mst_client_caller - the caller name requests are sent as. */
const char *mst_client_caller(const struct mst_client *cl);

/* mst_client_config - the configuration `cl` was made with (borrowed). */
const struct mst_config *mst_client_config(const struct mst_client *cl);

#endif
