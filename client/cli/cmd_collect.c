/*
 * cmd_collect.c - muster collect: fill the inventory store from the
 * registrations queued for this collector (one-shot, for cron), for as
 * long as it runs (--follow, for a service), or by asking the nodes
 * (--poll).  Silent when all went well, unless -v.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig) {
    (void)sig;
    stopping = 1;
}

/* SIGTERM (systemd) and SIGINT end a run cleanly: the open batch is
 * committed and acknowledged first. */
static void catch_stop(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void on_refused(void *ud, const char *why) {
    (void)ud;
    fprintf(stderr, "muster: %s\n", why);
}

static void on_missed(void *ud, const char *identity) {
    (void)ud;
    fprintf(stderr, "muster: %s did not answer\n", identity);
}

static void on_stored(void *ud, const char *identity, int full) {
    (void)ud;
    printf("stored %s%s\n", identity, full ? "" : " (still here)");
}

static int check_usage(const struct mst_cli *cli) {
    if (cli->nargs != 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "collect takes no arguments; try 'muster --help'");
    if (cli->follow && cli->poll)
        return mst_cli_error(MST_EXIT_USAGE,
                             "collect: --follow and --poll exclude each other");
    if (!cli->poll && (cli->filters > 0 || cli->nodes_file != NULL))
        return mst_cli_error(MST_EXIT_USAGE,
                             "collect: filters and --nodes need --poll "
                             "(registrations come from every node)");
    return MST_EXIT_GO_ON;
}

static void summary(const struct muster_collect_stats *st) {
    printf("received %llu, stored %llu, refused %llu, unknown digest %llu, "
           "missed %llu, failed %llu, in %llu transactions\n",
           (unsigned long long)st->received, (unsigned long long)st->stored,
           (unsigned long long)st->refused, (unsigned long long)st->unknown,
           (unsigned long long)st->missed, (unsigned long long)st->failed,
           (unsigned long long)st->batches);
    printf("certificates: %llu known, %llu verified\n",
           (unsigned long long)st->certs_known,
           (unsigned long long)st->certs_verified);
}

static int exit_status(int rc, const struct muster_error *err,
                       const struct muster_collect_stats *st) {
    if (rc == MUSTER_EINVAL)
        return mst_cli_error(MST_EXIT_USAGE, "%s", err->message);
    if (rc != 0)
        return mst_cli_error(MST_EXIT_BROKER, "%s", err->message);
    if (st->refused > 0 || st->missed > 0 || st->failed > 0)
        return MST_EXIT_FAILED;
    return MST_EXIT_OK;
}

int mst_cmd_collect(struct mst_cli *cli) {
    int rc = check_usage(cli);
    if (rc != MST_EXIT_GO_ON)
        return rc;
    struct muster_list *nodes = NULL;
    if (cli->nodes_file != NULL) {
        nodes = muster_list_new();
        rc = nodes ? mst_cli_read_nodes(cli->nodes_file, nodes)
                   : mst_cli_error(MST_EXIT_USAGE, "out of memory");
        if (rc != MST_EXIT_GO_ON) {
            muster_list_free(&nodes);
            return rc;
        }
    }
    struct muster_collect_options o = {
        .db = cli->db,
        .mode = cli->poll     ? MUSTER_COLLECT_POLL
                : cli->follow ? MUSTER_COLLECT_FOLLOW
                              : MUSTER_COLLECT_DRAIN,
        .stop = &stopping,
        .filter = cli->filters > 0 ? cli->filter : NULL,
        .nodes = nodes,
        .refused = on_refused,
        .stored = cli->verbose ? on_stored : NULL,
        .missed = on_missed,
    };
    catch_stop();
    struct muster_collect_stats st = {0};
    struct muster_error err = {0};
    rc = muster_collect(cli->cfg, &o, &st, &err);
    if (cli->verbose)
        summary(&st);
    muster_list_free(&nodes);
    return exit_status(rc, &err, &st);
}
