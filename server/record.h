/*
 * record.h - musterd's audit trail and authorisation, as the dispatcher
 * uses them.
 */
#ifndef MUSTERD_RECORD_H
#define MUSTERD_RECORD_H

#include <stdint.h>

#include "ddl/ddl.h"
#include "wire/request.h"

struct musterd;

/*
 * musterd_audit - write the audit line for one request (no-op without
 * audit.file).  `req` may be NULL for a message that did not decode; `act`
 * (may be NULL) marks which inputs are sensitive; `status` is the RPC
 * status replied, or -1 for no reply; `start_us` is when the request
 * arrived (mst_now_us).  A failed write is logged once per outage and
 * counted (audit_failed); it never stops the request.
 */
void musterd_audit(struct musterd *d, const struct mst_request *req,
                   const struct mst_ddl_action *act, const char *decision,
                   const char *reason, int status, int64_t start_us);

/*
 * musterd_audit_blocks - true when audit.required is set and the audit
 * trail cannot be written now: the request must then be refused.
 */
int musterd_audit_blocks(const struct musterd *d);

/*
 * musterd_authorised - ask the policies whether req->caller may run
 * req->agent/req->action here.  On a deny, `why` (for the log and audit
 * only) names the file and line.
 */
int musterd_authorised(struct musterd *d, const struct mst_request *req,
                       char *why, size_t why_len);

/*
 * musterd_expired_before_run - true when `req`, about to start after
 * waiting `waited_ms` in the node, is past its expiry: the earlier of
 * time + ttl and the client's deadline (time + its overall timeout, when
 * the request carries one), with security.skew: the rule of the arrival
 * check, mst_request_check_time; or, clock-free, when it waited here
 * longer than the client's whole timeout (deadline - time).  Then `msg` holds
 * the reply's statusmsg
 * ("AGENT/ACTION expired before it could run (waited N s in the node's
 * queue; ttl M s)", or "...; the client's timeout M s)") and the
 * expired_in_queue counter is bumped: the caller answers, audits and never
 * runs it.
 */
int musterd_expired_before_run(struct musterd *d, const struct mst_request *req,
                               int64_t waited_ms, char *msg, size_t msg_len);

#endif
