/*
 * bad_abi.c - plugins musterd must refuse, one per -D flag:
 * BAD_ABI (another ABI version), BAD_SIZE (another descriptor size),
 * NO_DDL and WRONG_DDL (the descriptor is fine, its DDL is not),
 * NO_SYMBOL (no muster_agent at all), INACTIVE (activate says no),
 * ACTIVATE_CRASH (activate segfaults; musterd must survive it).
 */
#include <signal.h>

#include "muster/agent.h"

#ifndef AGENT_NAME
#error "build with -DAGENT_NAME=..."
#endif

static int act_ok(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t len) {
    (void)host, (void)call, (void)reply, (void)msg, (void)len;
    return MUSTER_OK;
}

static int activate(const struct muster_host *host) {
    (void)host;
#if defined(ACTIVATE_CRASH)
    raise(SIGSEGV);
#endif
#if defined(INACTIVE)
    return 0;
#else
    return 1;
#endif
}

static const struct muster_action actions[] = {{"ok", act_ok}, {NULL, NULL}};

#ifdef NO_SYMBOL
__attribute__((visibility("default"))) const struct muster_agent other_name = {
#else
__attribute__((visibility("default")))
const struct muster_agent muster_agent = {
#endif
#ifdef BAD_ABI
    .abi_version = MUSTER_AGENT_ABI_VERSION + 98,
#else
    .abi_version = MUSTER_AGENT_ABI_VERSION,
#endif
#ifdef BAD_SIZE
    .struct_size = sizeof(struct muster_agent) - 8,
#else
    .struct_size = sizeof(struct muster_agent),
#endif
    .name = AGENT_NAME,
    .version = "0.0.1",
    .activate = activate,
    .actions = actions,
};
