/*
 * host.h - the services musterd offers its agents: the struct muster_host
 * table of <muster/agent.h> (logging, queries about the daemon).
 */
#ifndef MUSTERD_HOST_H
#define MUSTERD_HOST_H

struct musterd;

/* musterd_host_init - fill d->host with the services agents may use. */
void musterd_host_init(struct musterd *d);

#endif
