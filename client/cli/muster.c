/*
 * muster.c - the muster CLI: parse the command line, run one command.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "output.h"
#include "base/status.h"

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
};

/* Broadcast when nothing narrowed the nodes down, else a rollout (one
 * batch unless --batch) over the known list. */
static int send_call(struct mst_cli *cli, struct mst_client *cl,
                     struct mst_call_spec *spec,
                     const struct mst_call_handlers *h,
                struct mst_call_stats *st, struct mst_err *err) {
    if (spec->nodes == NULL)
        return mst_client_call(cl, spec, h, st, err);
    return mst_discovery_rollout(cl, spec, &cli->rollout, h, st, err);
}

int mst_cmd_run_call(struct mst_cli *cli, struct mst_call_spec *spec,
                     int style) {
    struct mst_client *cl = mst_cli_connect(cli);
    if (cl == NULL)
        return MST_EXIT_BROKER;
    struct mst_strv nodes = {0};
    int exit_code = mst_cli_targets(cli, cl, spec, &nodes);
    if (exit_code >= 0) {
        mst_strv_free(&nodes);
        mst_client_free(&cl);
        return exit_code;
    }
    struct mst_output *out =
        mst_output_new((enum mst_output_style)style, cli->json, cli->verbose,
                       spec->agent, spec->action);
    if (cli->jsonl)
        mst_output_set_jsonl(out);
    mst_output_set_view(out, cli->ddl_action, cli->display,
                        !cli->no_progress,
                        spec->nodes ? spec->nodes->n : spec->expected);
    struct mst_call_handlers h = mst_output_handlers(out);
    struct mst_call_stats st = {0};
    struct mst_err err = {0};
    int rc = send_call(cli, cl, spec, &h, &st, &err);
    exit_code = rc == MST_OK ? mst_output_finish(out, &st)
                             : mst_cli_error(MST_EXIT_BROKER, "%s", err.msg);
    mst_call_stats_clear(&st);
    mst_output_free(&out);
    mst_strv_free(&nodes);
    mst_client_free(&cl);
    return exit_code;
}

int main(int argc, char **argv) {
    /* The CA tooling needs no configuration or broker, and has its own
     * options: hand it everything after "cert". */
    if (argc >= 2 && strcmp(argv[1], "cert") == 0)
        return mst_cmd_cert(argc - 1, argv + 1);
    struct mst_cli cli = {0};
    int rc = mst_cli_parse(&cli, argc, argv);
    for (size_t i = 0; rc < 0 && i < sizeof commands / sizeof commands[0];
         i++)
        if (strcmp(cli.args[0], commands[i].name) == 0)
            rc = commands[i].run(&cli);
    if (rc < 0)
        rc = mst_cli_error(MST_EXIT_USAGE,
                           "unknown command '%s'; try 'muster --help'",
                           cli.args[0]);
    mst_cli_free(&cli);
    return rc;
}
