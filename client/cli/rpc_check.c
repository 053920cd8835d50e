/*
 * rpc_check.c - the checks before an rpc is sent (rpc_check.h).
 */
#include "rpc_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Names of agents and actions, as the wire allows them. */
#define NAME_MAX_LEN 128

int mst_rpc_error(struct muster_error *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

int mst_rpc_find_ddl(const struct muster_config *cfg, const char *agent,
                     struct muster_ddl **ddl_r, struct muster_error *err) {
    int rc = muster_ddl_find(cfg, agent, ddl_r, err);
    if (rc == MUSTER_ENOTFOUND)
        return mst_rpc_error(err, rc,
                             "no DDL for agent %s, so its inputs cannot be "
                             "checked: install %s.json in a ddl_path "
                             "directory (see 'muster help')",
                             agent, agent);
    return rc;
}

static int no_action(const struct muster_ddl *ddl, const char *action,
                     struct muster_error *err) {
    char names[400] = "";
    struct muster_ddl_about about;
    muster_ddl_about(ddl, &about);
    for (size_t i = 0; i < about.n_actions; i++) {
        struct muster_ddl_action_about act;
        muster_ddl_action_about(muster_ddl_action_at(ddl, i), &act);
        size_t at = strlen(names);
        snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "",
                 act.name);
    }
    return mst_rpc_error(err, MUSTER_ENOTFOUND,
                         "agent %s has no action %s (actions: %s)", about.name,
                         action, names);
}

/* The names, the DDL and the action in it, before the inputs. */
static int find_action(const struct muster_config *cfg, const char *agent,
                       const char *action, struct muster_ddl **ddl_r,
                       const struct muster_ddl_action **act_r,
                       struct muster_error *err) {
    if (!muster_name_valid(agent, NAME_MAX_LEN) ||
        !muster_name_valid(action, NAME_MAX_LEN))
        return mst_rpc_error(err, MUSTER_EINVAL,
                             "'%s %s': agent and action are names of "
                             "letters, digits, '_', '-' and '.'",
                             agent, action);
    int rc = mst_rpc_find_ddl(cfg, agent, ddl_r, err);
    if (rc != 0)
        return rc;
    *act_r = muster_ddl_action(*ddl_r, action);
    if (*act_r == NULL)
        return no_action(*ddl_r, action, err);
    return 0;
}

/* The DDL's refusal `e` (rc non-zero) as muster rpc prints it: "AGENT
 * ACTION: why". */
static int named(int rc, const char *agent, const char *action,
                 const struct muster_error *e, struct muster_error *err) {
    return rc == 0
               ? 0
               : mst_rpc_error(err, rc, "%s %s: %s", agent, action, e->message);
}

/* The inputs as data, converted and validated as a node will (the DDL's
 * line in e). */
static int inputs_data(const struct muster_ddl_action *act,
                       const struct mst_rpc_inputs *in, json_t **data_r,
                       struct muster_error *e) {
    if (!in->typed)
        return muster_ddl_parse_args(act, in->args, in->n, data_r, e);
    if (in->json != NULL && !json_is_object(in->json))
        return mst_rpc_error(e, MUSTER_EINVAL,
                             "the inputs are an object of NAME: value");
    *data_r = in->json ? json_deep_copy(in->json) : json_object();
    if (*data_r == NULL)
        return mst_rpc_error(e, MUSTER_ENOMEM, "out of memory");
    return muster_ddl_validate(act, *data_r, e);
}

int mst_rpc_check(const struct muster_config *cfg, const char *agent,
                  const char *action, const struct mst_rpc_inputs *in,
                  struct muster_ddl **ddl_r,
                  const struct muster_ddl_action **act_r, json_t **data_r,
                  struct muster_error *err) {
    int rc = find_action(cfg, agent, action, ddl_r, act_r, err);
    if (rc != 0)
        return rc;
    struct muster_error e = {0};
    rc = inputs_data(*act_r, in, data_r, &e);
    return named(rc, agent, action, &e, err);
}
