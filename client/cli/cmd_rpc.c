/*
 * cmd_rpc.c - muster rpc AGENT ACTION [KEY=VALUE ...]
 *
 * Every input is converted to its DDL type and validated before anything
 * is published; a refused input stops here with exit status 2.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"

/* Names of agents and actions, as the wire allows them. */
#define NAME_MAX_LEN 128

static int no_action(const struct muster_ddl *ddl, const char *action) {
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
    return mst_cli_error(MST_EXIT_USAGE,
                         "agent %s has no action %s (actions: %s)", about.name,
                         action, names);
}

static int send_call(struct mst_cli *cli, const char *agent, const char *action,
                     const json_t *data) {
    struct muster_request req = {
        .agent = agent, .action = action, .data = data};
    mst_cli_spec(cli, &req);
    /* A broadcast only reaches nodes that have the agent, as MCollective's
     * implicit agent filter; addressed nodes answer "no agent" instead of
     * staying silent. */
    if (req.nodes == NULL)
        muster_filter_add(cli->filter, MUSTER_FILTER_AGENT, agent, NULL);
    return mst_cmd_run_call(cli, &req, MST_OUTPUT_RPC);
}

int mst_cmd_rpc(struct mst_cli *cli) {
    if (cli->nargs < 3)
        return mst_cli_error(MST_EXIT_USAGE,
                             "usage: muster rpc AGENT ACTION [KEY=VALUE ...]");
    const char *agent = cli->args[1], *action = cli->args[2];
    if (!muster_name_valid(agent, NAME_MAX_LEN) ||
        !muster_name_valid(action, NAME_MAX_LEN))
        return mst_cli_error(MST_EXIT_USAGE,
                             "'%s %s': agent and action are names of "
                             "letters, digits, '_', '-' and '.'",
                             agent, action);
    struct muster_ddl *ddl = NULL;
    int rc = mst_cli_find_ddl(cli, agent, &ddl);
    if (rc != MST_EXIT_GO_ON)
        return rc;
    const struct muster_ddl_action *act = muster_ddl_action(ddl, action);
    json_t *data = NULL;
    struct muster_error err = {0};
    if (act == NULL)
        rc = no_action(ddl, action);
    else if (muster_ddl_parse_args(act, cli->args + 3, (size_t)cli->nargs - 3,
                                   &data, &err) != 0)
        rc = mst_cli_error(MST_EXIT_USAGE, "%s %s: %s", agent, action,
                           err.message);
    if (rc == MST_EXIT_GO_ON) {
        cli->ddl_action = act;
        rc = send_call(cli, agent, action, data);
        cli->ddl_action = NULL;
    }
    json_decref(data);
    muster_ddl_free(&ddl);
    return rc;
}
