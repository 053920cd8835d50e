/*
 * refresh.h - the node's facts and classes, loaded at start-up and then
 * reloaded in a thread of their own (every facts.refresh and on SIGHUP),
 * so that a slow fact source never holds up a request.
 */
#ifndef MUSTERD_REFRESH_H
#define MUSTERD_REFRESH_H

#include "base/config.h"
#include "base/err.h"
#include "targeting/facts.h"

struct musterd;

/*
 * musterd_load_knowledge - load facts (files, then facts.dir) and classes
 * as `cfg` says.  Returns MST_OK with new objects in *facts_r and
 * *classes_r (empty on entry), or an error naming the broken source.
 * Thread-safe.
 */
int musterd_load_knowledge(const struct mst_config *cfg,
                           struct mst_facts **facts_r,
                           struct mst_strv *classes_r, struct mst_err *err);

/*
 * musterd_refresh_start - start the thread that reloads facts and classes
 * every facts.refresh and on musterd_refresh_poke().  Returns MST_OK or
 * MST_ENOMEM.  Stop it with musterd_refresh_stop() before freeing d->cfg.
 */
int musterd_refresh_start(struct musterd *d, struct mst_err *err);

/* musterd_refresh_poke - reload now (SIGHUP).  Does not wait. */
void musterd_refresh_poke(struct musterd *d);

/*
 * musterd_refresh_take - I/O thread only: if a reload finished, put its
 * facts and classes in place and free the old ones.  Never blocks on a
 * load in progress.  Returns 1 when it did, else 0.
 */
int musterd_refresh_take(struct musterd *d);

/* musterd_refresh_stop - stop and join the thread; drops a pending load. */
void musterd_refresh_stop(struct musterd *d);

#endif
