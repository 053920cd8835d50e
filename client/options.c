/*
 * options.c - parse the command line and find the configuration.
 */
#include "options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "mst_build.h"
#include "status.h"
#include "util.h"

/* Limits on time options: a week is longer than any sane request. */
#define MAX_TIME_MS (7LL * 24 * 3600 * 1000)

static const char usage_text[] =
    "NAME\n"
    "    muster - run actions on many servers at once, through RabbitMQ\n"
    "\n"
    "SYNOPSIS\n"
    "    muster [OPTIONS] ping\n"
    "    muster [OPTIONS] rpc AGENT ACTION [KEY=VALUE ...]\n"
    "    muster cert init|issue|show ...   (see 'muster cert --help')\n"
    "    muster --help | --version\n"
    "\n"
    "COMMANDS\n"
    "    ping       ask every matching node to answer; print each node's\n"
    "               round-trip time, then min/avg/max\n"
    "    rpc        run AGENT's ACTION with the given inputs on every\n"
    "               matching node and print each node's result\n"
    "\n"
    "OPTIONS\n"
    "    -c, --config FILE     client configuration (default: $MUSTER_CONFIG,\n"
    "                          ~/.config/muster/client.cfg, " MST_SYSCONFDIR
    "/client.cfg)\n"
    "    -I, --identity NAME   only this node (exact name or /regex/); several\n"
    "                          -I add nodes.  Exact names only: the request\n"
    "                          is addressed and ends once they all answered\n"
    "    -F, --wf FACT         only nodes whose fact matches, e.g.\n"
    "                          os.family=Debian, cpus>=4, name=~/^web/\n"
    "    -C, --wc CLASS        only nodes with this class (or /regex/)\n"
    "    -A, --wa AGENT        only nodes with this agent (or /regex/)\n"
    "    -T, --target NAME     the collective to send to\n"
    "        --dt SECONDS      broadcast: stop after this long with no new\n"
    "                          reply (default from the config, 2)\n"
    "    -t, --timeout SECONDS give up on nodes after this long (default 10)\n"
    "        --ttl SECONDS     how long the request stays valid (default 60)\n"
    "    -j, --json            print one JSON document with every reply and\n"
    "                          the statistics\n"
    "    -v, --verbose         more detail\n"
    "    -h, --help            show this help\n"
    "    -V, --version         show the version\n"
    "\n"
    "EXIT STATUS\n"
    "    0  every targeted node answered OK\n"
    "    1  a node failed or did not answer, or no node answered\n"
    "    2  bad arguments, filter or configuration\n"
    "    3  the broker could not be reached, or security set-up failed\n"
    "\n"
    "EXAMPLES\n"
    "    muster ping\n"
    "    muster rpc rpcutil inventory -I web1\n"
    "    muster rpc rpcutil get_fact fact=os.family -F role=web -j\n";

int mst_cli_error(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("muster: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int add_filter(struct mst_cli *cli, enum mst_filter_kind kind,
                      const char *text, const char *opt) {
    struct mst_err err = {0};
    if (mst_filter_add(cli->filter, kind, text, &err) != MST_OK)
        return mst_cli_error(MST_EXIT_USAGE, "%s %s: %s", opt, text,
                             err.msg);
    if (kind == MST_FILTER_IDENTITY) {
        size_t n = strlen(text);
        if (n >= 2 && text[0] == '/' && text[n - 1] == '/')
            cli->identity_regex = 1;
        else if (mst_strv_push(&cli->identities, text) != MST_OK)
            return mst_cli_error(MST_EXIT_USAGE, "out of memory");
    }
    return -1;
}

static int parse_time(const char *text, const char *opt, int64_t *out) {
    if (mst_parse_seconds(text, MAX_TIME_MS, out) != MST_OK || *out == 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "%s '%s': expected a number of seconds above 0",
                             opt, text);
    return -1;
}

enum { OPT_DT = 256, OPT_TTL };

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"identity", required_argument, NULL, 'I'},
    {"wf", required_argument, NULL, 'F'},
    {"with-fact", required_argument, NULL, 'F'},
    {"wc", required_argument, NULL, 'C'},
    {"with-class", required_argument, NULL, 'C'},
    {"wa", required_argument, NULL, 'A'},
    {"with-agent", required_argument, NULL, 'A'},
    {"target", required_argument, NULL, 'T'},
    {"dt", required_argument, NULL, OPT_DT},
    {"discovery-timeout", required_argument, NULL, OPT_DT},
    {"timeout", required_argument, NULL, 't'},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"json", no_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int parse_one(struct mst_cli *cli, int opt) {
    switch (opt) {
    case 'c':
        cli->config_path = optarg;
        return -1;
    case 'I':
        return add_filter(cli, MST_FILTER_IDENTITY, optarg, "-I");
    case 'F':
        return add_filter(cli, MST_FILTER_FACT, optarg, "-F");
    case 'C':
        return add_filter(cli, MST_FILTER_CLASS, optarg, "-C");
    case 'A':
        return add_filter(cli, MST_FILTER_AGENT, optarg, "-A");
    case 'T':
        if (!mst_is_name(optarg, 128))
            return mst_cli_error(MST_EXIT_USAGE, "-T '%s': not a collective "
                                 "name", optarg);
        cli->collective = optarg;
        return -1;
    case OPT_DT:
        return parse_time(optarg, "--dt", &cli->dt_ms);
    case 't':
        return parse_time(optarg, "-t", &cli->timeout_ms);
    case OPT_TTL:
        return parse_time(optarg, "--ttl", &cli->ttl_ms);
    case 'j':
        cli->json = 1;
        return -1;
    case 'v':
        cli->verbose = 1;
        return -1;
    case 'h':
        fputs(usage_text, stdout);
        return MST_EXIT_OK;
    case 'V':
        printf("muster %s\n", MST_VERSION);
        return MST_EXIT_OK;
    default:
        fputs("muster: see 'muster --help' for the options\n", stderr);
        return MST_EXIT_USAGE;
    }
}

/* -c, then $MUSTER_CONFIG, then ~/.config/muster/client.cfg, then /etc. */
static int find_config(struct mst_cli *cli, char *buf, size_t size) {
    if (cli->config_path != NULL)
        return -1;
    const char *env = getenv("MUSTER_CONFIG");
    if (env != NULL && *env != '\0') {
        cli->config_path = env;
        return -1;
    }
    const char *home = getenv("HOME");
    if (home != NULL) {
        snprintf(buf, size, "%s/.config/muster/client.cfg", home);
        if (access(buf, F_OK) == 0) {
            cli->config_path = buf;
            return -1;
        }
    }
    cli->config_path = MST_SYSCONFDIR "/client.cfg";
    if (access(cli->config_path, F_OK) == 0)
        return -1;
    return mst_cli_error(MST_EXIT_USAGE,
                         "no client configuration: give -c FILE or set "
                         "MUSTER_CONFIG (also looked in ~/.config/muster/ "
                         "and " MST_SYSCONFDIR ")");
}

int mst_cli_parse(struct mst_cli *cli, int argc, char **argv) {
    cli->filter = json_object();
    int opt;
    while ((opt = getopt_long(argc, argv, "c:I:F:C:A:T:t:jvhV", longopts,
                              NULL)) != -1) {
        int rc = parse_one(cli, opt);
        if (rc >= 0)
            return rc;
    }
    cli->args = argv + optind;
    cli->nargs = argc - optind;
    if (cli->nargs == 0)
        return mst_cli_error(MST_EXIT_USAGE, "no command given; try 'muster "
                                             "--help'");
    static char path[4096];
    int rc = find_config(cli, path, sizeof path);
    if (rc >= 0)
        return rc;
    struct mst_err err = {0};
    if (mst_config_load(cli->config_path, MST_CONFIG_CLIENT, &cli->cfg,
                        &err) != MST_OK)
        return mst_cli_error(MST_EXIT_USAGE, "%s", err.msg);
    return -1;
}

void mst_cli_free(struct mst_cli *cli) {
    json_decref(cli->filter);
    mst_strv_free(&cli->identities);
    mst_config_free(&cli->cfg);
}

void mst_cli_spec(const struct mst_cli *cli, struct mst_call_spec *spec) {
    spec->filter = cli->filter;
    spec->collective = cli->collective;
    spec->discovery_timeout_ms =
        cli->dt_ms ? cli->dt_ms : cli->cfg->discovery_timeout_ms;
    spec->timeout_ms = cli->timeout_ms ? cli->timeout_ms : cli->cfg->timeout_ms;
    int64_t ttl_ms = cli->ttl_ms ? cli->ttl_ms : cli->cfg->ttl_ms;
    spec->ttl_s = (int32_t)((ttl_ms + 999) / 1000);
    spec->nodes = NULL;
    if (cli->identities.n > 0 && !cli->identity_regex &&
        mst_filter_is_identity_only(cli->filter))
        spec->nodes = &cli->identities;
}

struct mst_client *mst_cli_connect(const struct mst_cli *cli) {
    struct mst_err err = {0};
    struct mst_client *cl = NULL;
    if (mst_client_new(cli->cfg, &cl, &err) != MST_OK) {
        mst_cli_error(MST_EXIT_BROKER, "%s", err.msg);
        return NULL;
    }
    return cl;
}
