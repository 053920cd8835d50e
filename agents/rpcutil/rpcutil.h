/*
 * rpcutil.h - the agent built into musterd (agents/meson.build builds it
 * as a static library with its DDL compiled in by embed_ddl.py).
 */
#ifndef MST_RPCUTIL_H
#define MST_RPCUTIL_H

#include <stddef.h>

#include "muster/agent.h"

/* The descriptor, as a plugin would export it as `muster_agent`. */
extern const struct muster_agent mst_rpcutil_agent;

/* rpcutil.json, compiled in: `mst_rpcutil_ddl_len` bytes, not
 * NUL-terminated. */
extern const char mst_rpcutil_ddl[];
extern const size_t mst_rpcutil_ddl_len;

#endif
