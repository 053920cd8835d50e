/*
 * action.h - run one action of a registered agent, whatever its kind: a
 * built-in or plugin handler through <muster/agent.h>, an external agent
 * through Choria's protocol (external.c).  Written once: the dispatcher
 * calls it inline for built-in agents, a worker process (worker.c) for
 * the others.
 */
#ifndef MUSTERD_ACTION_H
#define MUSTERD_ACTION_H

#include <jansson.h>

#include "external.h"
#include "registry.h"
#include "wire/request.h"

struct musterd;

/* What one action answered: the status, message and data of its reply. */
struct musterd_outcome {
    int status;    /* enum muster_status, always 0..5 */
    char msg[512]; /* the statusmsg; never empty once filled */
    json_t *data;  /* owned: an object, or NULL for {} */
};

/*
 * musterd_action_run - run req->action of `entry` in this process and fill
 * `out` (zeroed by the caller; release it with musterd_outcome_clear).
 * `dir` is the run directory of an external agent (musterd_ext_mkdir), NULL
 * for the other kinds.  Blocks for as long as the action runs: only
 * built-in agents may be run on the I/O thread.  Never fails: a failure is
 * an outcome (MUSTER_ABORTED or MUSTER_UNKNOWN_ERROR with the reason).
 */
void musterd_action_run(struct musterd *d,
                        const struct musterd_agent_entry *entry,
                        const struct mst_request *req, const char *dir,
                        struct musterd_outcome *out);

/*
 * musterd_outcome_set - fill `out` with `status` (clamped to 0..5), `msg`
 * (NULL or "": the status's own text) and `data` (taken over; may be
 * NULL).
 */
void musterd_outcome_set(struct musterd_outcome *out, int status,
                         const char *msg, json_t *data);

/*
 * musterd_action_ext_env - what `d`'s external agents are given besides
 * their request: agents.run_as, musterd's configuration file (for
 * CHORIA_EXTERNAL_CONFIG) and the current facts, all borrowed from `d`.
 */
struct musterd_ext_env musterd_action_ext_env(const struct musterd *d);

/* musterd_outcome_clear - release out->data and zero `out`. */
void musterd_outcome_clear(struct musterd_outcome *out);

#endif
