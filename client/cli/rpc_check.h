/*
 * rpc_check.h - what `muster rpc` checks before it sends, shared with
 * `muster web` so that both refuse the same input with the same line.
 */
#ifndef MST_RPC_CHECK_H
#define MST_RPC_CHECK_H

#include <muster/client.h>

/*
 * mst_rpc_error - fill err with `code` and the formatted message, as the
 * library fills its errors, and return code (for the checks here and the
 * console's, which report the same way).
 */
int mst_rpc_error(struct muster_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * mst_rpc_find_ddl - agent `agent`'s DDL from $MUSTER_DDL_PATH and cfg's
 * ddl_path into *ddl_r (the caller frees it).
 * Returns: 0; MUSTER_ENOTFOUND ("no DDL for agent X, so its inputs cannot
 *   be checked: ..."); as muster_ddl_find.
 */
int mst_rpc_find_ddl(const struct muster_config *cfg, const char *agent,
                     struct muster_ddl **ddl_r, struct muster_error *err);

/* The inputs of a call: muster rpc's "KEY=VALUE" words (converted by
 * the DDL's types), or (typed) muster web's JSON object of values, NULL
 * for none.  Borrowed. */
struct mst_rpc_inputs {
    int typed;
    char *const *args;
    size_t n;
    const json_t *json;
};

/*
 * mst_rpc_check - agent and action names, the DDL, the action in it, and
 * the inputs converted (or copied) and validated (defaults added) as a
 * node will.
 *   ddl_r  [out] the DDL (the caller's, also on failure: free it).
 *   act_r  [out] the action, in *ddl_r.
 *   data_r [out] the inputs (the caller's: json_decref).
 * Returns: 0, or MUSTER_EINVAL / MUSTER_ENOTFOUND / the DDL's error, with
 *   the line muster rpc prints (after "muster: ") in err.
 */
int mst_rpc_check(const struct muster_config *cfg, const char *agent,
                  const char *action, const struct mst_rpc_inputs *in,
                  struct muster_ddl **ddl_r,
                  const struct muster_ddl_action **act_r, json_t **data_r,
                  struct muster_error *err);

#endif
