/*
 * dispatch.h - one request from the broker to its reply: decode, verify,
 * check time and collective, filter, validate, authorise, run, reply.
 */
#ifndef MUSTERD_DISPATCH_H
#define MUSTERD_DISPATCH_H

#include "base/bytes.h"

struct musterd;

/*
 * musterd_dispatch - handle one delivery body (borrowed for the call).
 * Built-in actions run before it returns; the others are handed to the
 * worker pool (d->pool), which answers them later.  Never fails: every
 * outcome is counted and logged.  I/O thread only.
 */
void musterd_dispatch(struct musterd *d, struct mst_bytes body);

#endif
