/*
 * daemon.h - musterd's I/O loop: the broker connection, deliveries,
 * acknowledgements, the workers' descriptors, reconnection.
 */
#ifndef MUSTERD_DAEMON_H
#define MUSTERD_DAEMON_H

struct musterd;

/*
 * musterd_run - connect, declare, and serve until d->stop.  Returns MST_OK
 * after a clean stop, or the status of a failure that cannot be retried.
 * Needs the state main() builds first (config, security, agents, pool).
 */
int musterd_run(struct musterd *d);

#endif
