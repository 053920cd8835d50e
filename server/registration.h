/*
 * registration.h - musterd announces itself on C.registration (one fanout
 * exchange per collective it is in) so that collectors can keep an
 * inventory without asking (docs/inventory.md, docs/protocol.md).
 *
 * When: at the first connection and after every reconnect (full body),
 * when the facts, classes or agents changed (full), and every
 * registration.interval seconds +-10 % (a "still here" carrying only the
 * digest, and a full body every MUSTERD_REGISTRATION_FULL_EVERY-th time so
 * that a collector which lost a body catches up).  0 = off.  I/O thread
 * only; the state is d->registration (musterd.h).
 */
#ifndef MUSTERD_REGISTRATION_H
#define MUSTERD_REGISTRATION_H

#include "base/err.h"
#include "wire/registration.h"

struct musterd;

/*
 * musterd_registration_connected - a (new) connection is up: register now
 * with the full body.
 */
void musterd_registration_connected(struct musterd *d);

/*
 * musterd_registration_changed - facts or classes were replaced: register
 * now, in full, if what the digest covers is different from what was last
 * sent.
 */
void musterd_registration_changed(struct musterd *d);

/*
 * musterd_registration_tick - publish if one is due (and the broker is
 * there), then plan the next.  Cheap when nothing is due.  A publish that
 * fails is counted and logged; the connection loss it means is the I/O
 * loop's to handle.
 */
void musterd_registration_tick(struct musterd *d);

/*
 * musterd_registration_build - fill `reg` (zeroed by the caller) with what
 * `d` would send now, in full.  Returns MST_OK or MST_ENOMEM.  The caller
 * clears it (mst_registration_clear).
 */
int musterd_registration_build(const struct musterd *d,
                               struct mst_registration *reg,
                               struct mst_err *err);

#endif
