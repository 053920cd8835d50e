/*
 * cmd_ping.c - muster ping: who is there, and how quickly they answer.
 */
#include "commands.h"
#include "output.h"

int mst_cmd_ping(struct mst_cli *cli) {
    if (cli->nargs != 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "ping takes no arguments; try 'muster --help'");
    struct muster_request req = {.agent = "rpcutil", .action = "ping"};
    mst_cli_spec(cli, &req);
    return mst_cmd_run_call(cli, &req, MST_OUTPUT_PING);
}
