/*
 * cmd_rpc.c - muster rpc AGENT ACTION [KEY=VALUE ...]
 *
 * Every input is converted to its DDL type and validated before anything
 * is published (rpc_check.c); a refused input stops here with exit
 * status 2.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "rpc_check.h"

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
    struct muster_ddl *ddl = NULL;
    const struct muster_ddl_action *act = NULL;
    json_t *data = NULL;
    struct muster_error err = {0};
    int rc = MST_EXIT_GO_ON;
    struct mst_rpc_inputs in = {.args = cli->args + 3,
                                .n = (size_t)cli->nargs - 3};
    if (mst_rpc_check(cli->cfg, agent, action, &in, &ddl, &act, &data, &err) !=
        0)
        rc = mst_cli_error(MST_EXIT_USAGE, "%s", err.message);
    const char *w;
    for (size_t i = 0; ddl && (w = muster_ddl_warning(ddl, i)) != NULL; i++)
        fprintf(stderr, "muster: warning: %s\n", w);
    if (rc == MST_EXIT_GO_ON) {
        cli->ddl_action = act;
        rc = send_call(cli, agent, action, data);
        cli->ddl_action = NULL;
    }
    json_decref(data);
    muster_ddl_free(&ddl);
    return rc;
}
