/*
 * worker.h - actions of plugin and external agents run in forked worker
 * processes, at most agents.max_parallel at once; the rest wait in a FIFO
 * of at most broker.prefetch requests.  The I/O thread never waits for a
 * worker: it polls their result pipes and a SIGCHLD self-pipe next to the
 * broker socket (musterd_worker_fds / musterd_worker_service), kills a
 * worker's process group at its DDL timeout (TERM, KILL after
 * agents.kill_grace) and reports how every submitted request ended through
 * the callback given with it.  The pool runs actions with
 * musterd_action_run (action.c) and knows nothing of the dispatcher.
 * I/O thread only.
 */
#ifndef MUSTERD_WORKER_H
#define MUSTERD_WORKER_H

#include <poll.h>
#include <stdint.h>

#include "action.h"
#include "base/err.h"
#include "wire/request.h"

struct musterd;

/*
 * musterd_worker_init - the pool for `d` (d->pool) and the SIGCHLD
 * handler.  Returns MST_OK, MST_ENOMEM or MST_EIO.
 */
int musterd_worker_init(struct musterd *d, struct mst_err *err);

/*
 * musterd_worker_done_fn - how a submitted request ended: `out` is its
 * outcome (the action's, or the pool's: timed out, crashed, too much
 * output, node busy, musterd stopping, expired).  `expired` is 1 when the
 * request was never started because its expiry passed while it waited
 * for a worker (checked immediately before every start with
 * musterd_expired_before_run, which counted it), else 0.  `req`, `entry` and
 * `out` are borrowed for the call; `ud` is the one given to
 * musterd_worker_submit. Called in the I/O thread, exactly once per submitted
 * request, from musterd_worker_submit itself (busy, out of memory),
 * musterd_worker_service or musterd_worker_stop.
 */
typedef void (*musterd_worker_done_fn)(void *ud, const struct mst_request *req,
                                       const struct musterd_agent_entry *entry,
                                       const struct musterd_outcome *out,
                                       int expired);

/*
 * musterd_worker_submit - run `req` (taken over: *req is zeroed) with
 * `entry` in a worker, now or when a slot frees, and report its end to
 * `done(ud, ...)`; `ud` must stay valid until then.  When the queue is
 * full `done` is called at once with "node busy".
 */
void musterd_worker_submit(struct musterd *d,
                           const struct musterd_agent_entry *entry,
                           struct mst_request *req, musterd_worker_done_fn done,
                           void *ud);

/* Descriptors the pool may ask to poll: the SIGCHLD pipe and one result
 * pipe per running worker (agents.max_parallel is at most 256). */
#define MUSTERD_WORKER_MAX_FDS 257

/*
 * musterd_worker_fds - fill up to `max` entries of `fds` with what to poll
 * for the pool; returns how many were used.
 */
size_t musterd_worker_fds(const struct musterd *d, struct pollfd *fds,
                          size_t max);

/* musterd_worker_wait_ms - how long poll() may sleep for the pool's sake
 * (the nearest deadline), at most `cap`. */
int musterd_worker_wait_ms(const struct musterd *d, int cap);

/*
 * musterd_worker_service - after poll(): read results, reap workers, apply
 * deadlines, report finished requests and start queued ones.  `fds` and `n`
 * as filled by musterd_worker_fds (revents set by poll).
 */
void musterd_worker_service(struct musterd *d, const struct pollfd *fds,
                            size_t n);

/*
 * musterd_worker_poll - wait for the workers alone (at most `cap_ms`, or
 * the nearest deadline), then musterd_worker_service: for when there is
 * no broker socket to poll beside them.
 */
void musterd_worker_poll(struct musterd *d, int cap_ms);

/*
 * musterd_worker_isolated - run `fn(arg)` in a child process with a budget
 * of `timeout_ms` (start-up activation checks).  Returns the child's exit
 * status (0..255), or MST_ETIMEOUT / MST_EIO ("crashed (signal N)") with
 * the reason in `err`.  Blocks: start-up only.
 */
int musterd_worker_isolated(struct musterd *d, int (*fn)(void *), void *arg,
                            int64_t timeout_ms, struct mst_err *err);

/*
 * musterd_worker_stop - SIGTERM of musterd: queued requests are answered
 * "not run", running workers get TERM and, after agents.kill_grace, KILL;
 * every caller is answered; returns when all are reaped.  Frees the pool.
 */
void musterd_worker_stop(struct musterd *d);

#endif
