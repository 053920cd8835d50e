/*
 * web_calls.h - the calls `muster web` runs: each in a thread of its own
 * with its own client connection, its replies kept for the event streams
 * that follow it (however late they open) and its summary once it ends.
 * At most MST_WEB_CALLS_RUNNING run at once; MST_WEB_CALLS_KEPT are kept,
 * the oldest ended one dropped to make room.
 */
#ifndef MST_WEB_CALLS_H
#define MST_WEB_CALLS_H

#include <muster/client.h>

#define MST_WEB_CALLS_RUNNING 4
#define MST_WEB_CALLS_KEPT 32
#define MST_WEB_CALLS_ID_LEN 24

struct mst_web_calls;
struct mst_web_call;

/* A checked call: what POST /api/calls asked.  mst_web_calls_start takes
 * everything it points to, also when it fails. */
struct mst_web_calls_spec {
    struct muster_ddl *ddl;              /* the agent's DDL: its names */
    const struct muster_ddl_action *act; /* the action, in ddl */
    json_t *data;                        /* the validated inputs */
    struct muster_filter *filter;        /* broadcast (or discovery) */
    struct muster_list *nodes;           /* or exactly these; NULL */
    struct muster_rollout rollout;       /* batch size and sleep */
};

/* mst_web_calls_spec_clear - free what a spec holds. */
void mst_web_calls_spec_clear(struct mst_web_calls_spec *spec);

/*
 * mst_web_calls_new - an empty table; calls connect with `cfg` (borrowed
 * for the table's life).  Returns 0 or MUSTER_ENOMEM.
 */
int mst_web_calls_new(const struct muster_config *cfg,
                      struct mst_web_calls **calls_r);

/* mst_web_calls_stop - shutdown: start no more calls, and end every
 * stream of a running call with an "error" event saying so. */
void mst_web_calls_stop(struct mst_web_calls *calls);

/* mst_web_calls_wait - after mst_web_calls_stop: wait up to wait_s
 * seconds for the streams to have sent their last event and been closed
 * (mst_web_calls_put) and for the running calls to end; how many calls
 * still run.  The library cannot cancel a call: the caller either frees
 * the table (none runs) or leaves them to the process's end. */
size_t mst_web_calls_wait(struct mst_web_calls *calls, int wait_s);

/* mst_web_calls_free - wait for the running calls to end, free them all,
 * set *calls to NULL.  Only once no stream uses them any more. */
void mst_web_calls_free(struct mst_web_calls **calls);

/*
 * mst_web_calls_start - run `spec` in a new thread.
 *   id_r [out] the call's id.
 * Returns: 0; MUSTER_EFULL (MST_WEB_CALLS_RUNNING calls run already);
 *   MUSTER_ENOMEM; MUSTER_EIO (no thread).  err says why.
 */
int mst_web_calls_start(struct mst_web_calls *calls,
                        struct mst_web_calls_spec *spec,
                        char id_r[MST_WEB_CALLS_ID_LEN],
                        struct muster_error *err);

/* mst_web_calls_get - call `id` held for the caller (release it with
 * mst_web_calls_put), or NULL when there is none. */
struct mst_web_call *mst_web_calls_get(struct mst_web_calls *calls,
                                       const char *id);
void mst_web_calls_put(struct mst_web_calls *calls, struct mst_web_call **call);

/*
 * mst_web_calls_state - {id, agent, action, state ("running", "ended",
 * "failed"), replies, and once ended stats and aggregates, or error}.
 * Returns a new object, or NULL when out of memory.
 */
json_t *mst_web_calls_state(struct mst_web_calls *calls,
                            struct mst_web_call *call);

/*
 * mst_web_calls_event - the next Server-Sent Event of `call` for a stream
 * that has sent *next replies: "event: reply" with the next reply, once
 * all are sent "event: end" with {stats, aggregates} (or "event: error"
 * with the message, also on shutdown while the call runs), after which
 * *done is set.  Waits up to wait_s
 * seconds for one.  Returns the event's text (the caller frees it), or NULL
 * when none came in time.
 */
char *mst_web_calls_event(struct mst_web_calls *calls,
                          struct mst_web_call *call, size_t *next, int *done,
                          int wait_s);

#endif
