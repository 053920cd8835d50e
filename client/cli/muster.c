/*
 * muster.c - the muster CLI: parse the command line, run one command.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "output.h"

static const struct {
    const char *name;
    int (*run)(struct mst_cli *cli);
} commands[] = {
    {"ping", mst_cmd_ping},
    {"rpc", mst_cmd_rpc},
    {"find", mst_cmd_find},
    {"facts", mst_cmd_facts},
    {"inventory", mst_cmd_inventory},
    {"help", mst_cmd_help},
    {"doctor", mst_cmd_doctor},
    {"collect", mst_cmd_collect},
    {"web", mst_cmd_web},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* `muster complete ...` with every subcommand's name: the table's and the
 * two dispatched before the common options. */
static int complete(struct mst_cli *cli) {
    const char *names[N_COMMANDS + 3];
    size_t n = 0;
    for (; n < N_COMMANDS; n++)
        names[n] = commands[n].name;
    names[n++] = "cert";
    names[n++] = "ddl";
    names[n] = NULL;
    return mst_cmd_complete(cli, names);
}

int mst_cmd_run_call(struct mst_cli *cli, struct muster_request *req,
                     int style) {
    struct muster_client *cl = mst_cli_connect(cli);
    if (cl == NULL)
        return MST_EXIT_BROKER;
    struct muster_list *nodes = muster_list_new();
    int exit_code = nodes ? mst_cli_targets(cli, cl, req, nodes)
                          : mst_cli_error(MST_EXIT_USAGE, "out of memory");
    struct mst_output *out = NULL;
    if (exit_code == MST_EXIT_GO_ON)
        out = mst_output_new((enum mst_output_style)style, cli->json,
                             cli->verbose, req->agent, req->action);
    if (out == NULL && exit_code == MST_EXIT_GO_ON)
        exit_code = mst_cli_error(MST_EXIT_USAGE, "out of memory");
    if (out != NULL) {
        if (cli->jsonl)
            mst_output_set_jsonl(out);
        mst_output_set_view(
            out, cli->ddl_action, cli->display, !cli->no_progress,
            req->nodes ? muster_list_count(req->nodes) : req->expected);
        struct muster_handlers h = mst_output_handlers(out);
        struct muster_stats st = {0};
        struct muster_error err = {0};
        struct muster_list *stale = muster_list_new();
        int sent = mst_cli_send(cli, cl, req, &h, &st, &err) == 0;
        if (sent && cli->inventory && stale != NULL) {
            mst_cli_stale(cli, &st, stale);
            mst_output_set_stale(out, stale);
        }
        exit_code = sent ? mst_output_finish(out, &st)
                         : mst_cli_error(MST_EXIT_BROKER, "%s", err.message);
        muster_list_free(&stale);
        muster_stats_clear(&st);
    }
    mst_output_free(&out);
    muster_list_free(&nodes);
    muster_client_free(&cl);
    return exit_code;
}

int main(int argc, char **argv) {
    /* The CA tooling and the DDL converter need no configuration or
     * broker, and have their own options: hand them everything after
     * their name. */
    if (argc >= 2 && strcmp(argv[1], "cert") == 0)
        return mst_cmd_cert(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "ddl") == 0)
        return mst_cmd_ddl(argc - 1, argv + 1);
    struct mst_cli cli = {0};
    int rc = mst_cli_parse(&cli, argc, argv);
    if (rc == MST_EXIT_GO_ON && strcmp(cli.args[0], "complete") == 0)
        rc = complete(&cli);
    for (size_t i = 0; rc == MST_EXIT_GO_ON && i < N_COMMANDS; i++)
        if (strcmp(cli.args[0], commands[i].name) == 0)
            rc = commands[i].run(&cli);
    if (rc == MST_EXIT_GO_ON)
        rc = mst_cli_error(MST_EXIT_USAGE,
                           "unknown command '%s'; try 'muster --help'",
                           cli.args[0]);
    mst_cli_free(&cli);
    return rc;
}
