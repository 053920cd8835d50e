/*
 * muster/agent.h - the ABI between musterd and its agents.
 *
 * An agent is a shared object that exports one symbol,
 *
 *     const struct muster_agent muster_agent = { ... };
 *
 * whose abi_version and struct_size musterd checks before it calls anything.
 * Built-in agents (rpcutil) use the same descriptor.  Agents reach the
 * daemon only through the `struct muster_host` table they are given, so
 * they need no daemon symbols and are built with hidden visibility.
 *
 * Installed as <muster/agent.h> with muster-agent.pc: build an agent out
 * of tree with `cc $(pkg-config --cflags --libs muster-agent) -shared
 * -fPIC` (docs/agents.md, agents/examples/hello/).
 *
 * Inputs and outputs are jansson values: the inputs were validated against
 * the agent's DDL before the handler runs; the handler adds its outputs to
 * the `reply` object.  Memory: every json_t a handler receives is borrowed;
 * what it adds to `reply` becomes the host's.
 */
#ifndef MUSTER_AGENT_H
#define MUSTER_AGENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <muster/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_AGENT_ABI_VERSION 1

/* What the daemon tells a handler about the request it runs. */
struct muster_call {
    const char *id; /* request id */
    const char *agent;
    const char *action;
    const char *caller; /* verified caller, e.g. "cert=alice" */
    const char *sender; /* the client's host */
    const char *collective;
    int ttl;            /* whole seconds the request stays valid */
    const json_t *data; /* validated inputs (object) */
};

/* Services of the daemon, passed to every entry point. */
struct muster_host {
    uint32_t abi_version; /* MUSTER_AGENT_ABI_VERSION */
    uint32_t struct_size; /* sizeof(struct muster_host) of the daemon */
    /* log one line at a syslog level (3 err .. 7 debug) */
    void (*log)(const struct muster_host *host, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /*
     * query - a new JSON value describing the daemon: "identity" (string),
     * "version" (string), "collectives" (array), "agents" (array of
     * objects), "facts" (object), "fact:NAME" (one fact by dotted name,
     * null when absent), "classes" (array), "stats" (object),
     * "main_collective" (string).
     * NULL for an unknown topic.  The caller owns the result.
     */
    json_t *(*query)(const struct muster_host *host, const char *topic);
    void *daemon; /* private to the daemon */
    void *reserved[4];
};

/* A handler returns one of enum muster_status (<muster/status.h>). */

/*
 * An action handler: run `call`, add outputs to `reply` (an object), and
 * return a muster_status; on failure write a one-line reason into
 * `statusmsg` (size `statusmsg_len`, NUL-terminated).
 */
typedef int (*muster_action_fn)(const struct muster_host *host,
                                const struct muster_call *call, json_t *reply,
                                char *statusmsg, size_t statusmsg_len);

struct muster_action {
    const char *name;
    muster_action_fn run;
};

struct muster_agent {
    uint32_t abi_version; /* MUSTER_AGENT_ABI_VERSION */
    uint32_t struct_size; /* sizeof(struct muster_agent) */
    const char *name;     /* must equal the DDL's metadata.name */
    const char *version;
    /* activate - non-zero if the agent can work on this node (optional) */
    int (*activate)(const struct muster_host *host);
    const struct muster_action *actions; /* ends with { NULL, NULL } */
    void *reserved[4];
};

/*
 * The descriptor every agent defines.  Declared here with default
 * visibility and C linkage so that its definition is exported as it is,
 * even from an agent built with -fvisibility=hidden or written in C++
 * (where a const object alone would have internal linkage).
 */
/* MUSTER_AGENT_EXPORT - default visibility, whatever the compiler flags. */
#define MUSTER_AGENT_EXPORT __attribute__((visibility("default")))
MUSTER_AGENT_EXPORT extern const struct muster_agent muster_agent;

#ifdef __cplusplus
}
#endif

#endif
