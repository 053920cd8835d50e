/*
 * agent_util.h - helpers shared by the standard agents (package, service,
 * filemgr, process, nettest, puppet, nrpe): reading inputs, allowlist
 * checks, running commands without a shell, building replies.
 *
 * Linked into each agent module (static, PIC, hidden); never part of the
 * ABI.  Every function is thread-safe.
 */
#ifndef MST_AGENT_UTIL_H
#define MST_AGENT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/proc.h"
#include "muster/agent.h"

/* What a standard agent keeps of a command's stdout and of its stderr. */
#define MST_AGENT_MAX_OUT (64 * 1024)

/*
 * mst_agent_fail - write a printf-style one-line reason into `msg`
 * (`msg_len` bytes) and return `status`, so handlers can
 * `return mst_agent_fail(msg, len, MUSTER_ABORTED, "...")`.
 */
int mst_agent_fail(char *msg, size_t msg_len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * mst_agent_string - the string input `key` of `call` in *val_r (borrowed
 * from call->data).  Returns MUSTER_OK; MUSTER_MISSING_DATA when absent
 * (with a reason in `msg`); MUSTER_INVALID_DATA when not a string, when it
 * carries a NUL byte or when it is longer than `max` bytes.
 */
int mst_agent_string(const struct muster_call *call, const char *key,
                     size_t max, const char **val_r, char *msg, size_t msg_len);

/*
 * mst_agent_integer - the integer input `key` in [min, max], or `dflt`
 * when absent.  Returns MUSTER_OK or MUSTER_INVALID_DATA (with `msg`).
 */
int mst_agent_integer(const struct muster_call *call, const char *key,
                      long long dflt, long long min, long long max,
                      long long *val_r, char *msg, size_t msg_len);

/*
 * mst_agent_is_name - 1 if `s` is 1..`max` bytes, starts with an ASCII
 * letter or digit (so never with '-', which a tool would take for an
 * option) and goes on with letters, digits or characters of `extra`.
 * This is the agents' own allowlist check, made again after the DDL's.
 */
int mst_agent_is_name(const char *s, const char *extra, size_t max);

/*
 * mst_agent_name - the string input `key`, which must also pass
 * mst_agent_is_name(value, extra, max).  Returns MUSTER_OK,
 * MUSTER_MISSING_DATA or MUSTER_INVALID_DATA (with `msg`).
 */
int mst_agent_name(const struct muster_call *call, const char *key,
                   const char *extra, size_t max, const char **val_r, char *msg,
                   size_t msg_len);

/*
 * mst_agent_run - run `argv` (argv[0] absolute) with `timeout_ms`, keeping
 * MST_AGENT_MAX_OUT bytes of each stream, extra environment `env` (may be
 * NULL).  Returns MUSTER_OK with *res_r filled (free it with
 * mst_proc_result_free; a non-zero exit is in res_r->exit_code), or
 * MUSTER_ABORTED with "could not run ...: reason" in `msg` and nothing to
 * free.
 */
int mst_agent_run(const char *const argv[], int64_t timeout_ms,
                  const char *const *env, struct mst_proc_result *res_r,
                  char *msg, size_t msg_len);

/*
 * mst_agent_run_all - mst_agent_run keeping up to `max_out` bytes of each
 * stream, for outputs that are read whole (package lists); one cut at
 * `max_out` is MUSTER_ABORTED ("TOOL printed more than N bytes"), so a
 * count or digest is never made of part of the output.
 */
int mst_agent_run_all(const char *const argv[], int64_t timeout_ms,
                      const char *const *env, size_t max_out,
                      struct mst_proc_result *res_r, char *msg, size_t msg_len);

/*
 * mst_agent_text - a new JSON string of `len` bytes of `s`; bytes that
 * are not valid UTF-8 become '?', so a command's output always fits in a
 * reply.  Never NULL unless out of memory.
 */
json_t *mst_agent_text(const char *s, size_t len);

/*
 * mst_agent_first_line - a new JSON string of the first non-empty line of
 * `s` (at most 512 bytes), for statusmsg-like summaries of a tool's
 * output; "" when there is none.
 */
json_t *mst_agent_first_line(const char *s);

/*
 * mst_agent_tool_failed - MUSTER_ABORTED with "TOOL failed (exit N): first
 * line of stderr or stdout" in `msg`, for a command that ran and failed.
 */
int mst_agent_tool_failed(const char *tool, const struct mst_proc_result *res,
                          char *msg, size_t msg_len);

/*
 * mst_agent_md5_hex - a new JSON string of the MD5 of `len` bytes of `s`
 * in lower-case hex (what Choria's agents report as md5: a fingerprint,
 * not a security check).  NULL only when out of memory.
 */
json_t *mst_agent_md5_hex(const char *s, size_t len);

/*
 * mst_agent_bool - the boolean input `key` in *val_r (`dflt` when absent).
 * Returns MUSTER_OK or MUSTER_INVALID_DATA (with `msg`).
 */
int mst_agent_bool(const struct muster_call *call, const char *key, int dflt,
                   int *val_r, char *msg, size_t msg_len);

/*
 * MST_AGENT_EXPORT - define the one symbol an agent module exports (the
 * rest of the module is hidden and agent.map keeps it so).
 */
#define MST_AGENT_EXPORT(agent_name, activate_fn, action_table)                \
    __attribute__((visibility("default")))                                     \
    const struct muster_agent muster_agent = {                                 \
        .abi_version = MUSTER_AGENT_ABI_VERSION,                               \
        .struct_size = sizeof(struct muster_agent),                            \
        .name = (agent_name),                                                  \
        .version = "1.0.0",                                                    \
        .activate = (activate_fn),                                             \
        .actions = (action_table),                                             \
    }

#endif
