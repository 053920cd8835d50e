/*
 * cmd_rpc.c - muster rpc AGENT ACTION [KEY=VALUE ...]
 *
 * Every input is converted to its DDL type and validated before anything
 * is published; a refused input stops here with exit status 2.
 */
#include <string.h>

#include "commands.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "targeting/filter.h"
#include "output.h"
#include "wire/request.h"
#include "base/status.h"
#include "base/util.h"

static int no_action(const struct mst_ddl *ddl, const char *action) {
    char names[400] = "";
    for (size_t i = 0; i < ddl->n_actions; i++) {
        size_t at = strlen(names);
        snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "",
                 ddl->actions[i].name);
    }
    return mst_cli_error(MST_EXIT_USAGE,
                         "agent %s has no action %s (actions: %s)", ddl->name,
                         action, names);
}

static int send_call(struct mst_cli *cli, const char *agent, const char *action,
                     const json_t *data) {
    struct mst_call_spec spec = {
        .agent = agent, .action = action, .data = data};
    mst_cli_spec(cli, &spec);
    /* A broadcast only reaches nodes that have the agent, as MCollective's
     * implicit agent filter; addressed nodes answer "no agent" instead of
     * staying silent. */
    if (spec.nodes == NULL)
        mst_filter_add(cli->filter, MST_FILTER_AGENT, agent, NULL);
    return mst_cmd_run_call(cli, &spec, MST_OUTPUT_RPC);
}

int mst_cmd_rpc(struct mst_cli *cli) {
    if (cli->nargs < 3)
        return mst_cli_error(MST_EXIT_USAGE,
                             "usage: muster rpc AGENT ACTION [KEY=VALUE ...]");
    const char *agent = cli->args[1], *action = cli->args[2];
    if (!mst_is_name(agent, MST_NAME_MAX) || !mst_is_name(action, MST_NAME_MAX))
        return mst_cli_error(MST_EXIT_USAGE,
                             "'%s %s': agent and action are names of "
                             "letters, digits, '_', '-' and '.'",
                             agent, action);
    struct mst_ddl *ddl = NULL;
    int rc = mst_cli_find_ddl(cli, agent, &ddl);
    if (rc >= 0)
        return rc;
    const struct mst_ddl_action *act = mst_ddl_action(ddl, action);
    json_t *data = NULL;
    struct mst_err err = {0};
    if (act == NULL)
        rc = no_action(ddl, action);
    else if (mst_ddl_inputs_parse(act, cli->args + 3, (size_t)cli->nargs - 3,
                                  &data, &err) != MST_OK)
        rc = mst_cli_error(MST_EXIT_USAGE, "%s %s: %s", agent, action, err.msg);
    if (rc < 0) {
        cli->ddl_action = act;
        rc = send_call(cli, agent, action, data);
        cli->ddl_action = NULL;
    }
    json_decref(data);
    mst_ddl_free(&ddl);
    return rc;
}
