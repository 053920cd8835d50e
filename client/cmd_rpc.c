/*
 * cmd_rpc.c - muster rpc AGENT ACTION [KEY=VALUE ...]
 */
#include <string.h>

#include "commands.h"
#include "filter.h"
#include "output.h"
#include "request.h"
#include "status.h"
#include "util.h"

/* Inputs as strings; a DDL gives them their types (agents issue). */
static int parse_inputs(struct mst_cli *cli, json_t *data) {
    for (int i = 3; i < cli->nargs; i++) {
        const char *arg = cli->args[i];
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "input '%s': expected KEY=VALUE", arg);
        char key[MST_NAME_MAX + 1];
        size_t n = (size_t)(eq - arg);
        if (n > MST_NAME_MAX)
            return mst_cli_error(MST_EXIT_USAGE, "input '%.*s...': name too "
                                 "long", 32, arg);
        memcpy(key, arg, n);
        key[n] = '\0';
        if (!mst_is_name(key, MST_NAME_MAX))
            return mst_cli_error(MST_EXIT_USAGE,
                                 "input '%s': '%s' is not a valid name", arg,
                                 key);
        if (json_object_get(data, key) != NULL)
            return mst_cli_error(MST_EXIT_USAGE, "input '%s' given twice",
                                 key);
        json_t *v = json_string(eq + 1);
        if (v == NULL)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "input '%s': value is not valid UTF-8", key);
        json_object_set_new(data, key, v);
    }
    return -1;
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
    json_t *data = json_object();
    int rc = parse_inputs(cli, data);
    if (rc < 0) {
        struct mst_call_spec spec = {
            .agent = agent, .action = action, .data = data};
        mst_cli_spec(cli, &spec);
        /* A broadcast only reaches nodes that have the agent, as
         * MCollective's implicit agent filter; addressed nodes answer
         * "no agent" instead of staying silent. */
        if (spec.nodes == NULL)
            mst_filter_add(cli->filter, MST_FILTER_AGENT, agent, NULL);
        rc = mst_cmd_run_call(cli, &spec, MST_OUTPUT_RPC);
    }
    json_decref(data);
    return rc;
}
