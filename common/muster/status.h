/*
 * muster/status.h - the RPC status codes a node answers with, as
 * MCollective's and Choria's (0 ok ... 5).  Installed as <muster/status.h>:
 * the agent SDK (<muster/agent.h>), the client library (<muster/client.h>)
 * and muster's own wire code all use this one definition.  The values are
 * part of the wire protocol (docs/protocol.md): never renumber them.
 */
#ifndef MUSTER_STATUS_H
#define MUSTER_STATUS_H

enum muster_status {
    MUSTER_OK = 0,
    MUSTER_ABORTED = 1,        /* the action ran and failed */
    MUSTER_UNKNOWN_ACTION = 2, /* no such action (or agent) */
    MUSTER_MISSING_DATA = 3,   /* a required input was not given */
    MUSTER_INVALID_DATA = 4,   /* an input failed its DDL validation */
    MUSTER_UNKNOWN_ERROR = 5,  /* anything else */
};

#endif
