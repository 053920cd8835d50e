/*
 * loader.h - at start-up, register every agent found in agents.dir: C
 * plugins (NAME.so) and external agents (an executable NAME), each with its
 * DDL NAME.json beside it.  An agent that cannot be used is refused with
 * one log line "PATH: reason" and the others still load.
 */
#ifndef MUSTERD_LOADER_H
#define MUSTERD_LOADER_H

#include "base/err.h"

struct musterd;

/*
 * musterd_loader_load - scan d->cfg->agents_dir (in name order) and
 * register what passes the checks: for a plugin dlopen(RTLD_NOW |
 * RTLD_LOCAL), the muster_agent symbol, its ABI version and struct size, a
 * handler for every DDL action, the DDL's name; for both kinds an
 * activation check in a child process with a 2 s budget.  Needs
 * musterd_host_init() and musterd_worker_init() first.  A missing
 * directory is logged, not fatal.  Returns MST_OK or MST_ENOMEM.
 */
int musterd_loader_load(struct musterd *d, struct mst_err *err);

#endif
