/*
 * options.c - parse the command line and find the configuration.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mst_build.h"
#include "output.h"

/* Limits on time options: a week is longer than any sane request. */
#define MAX_TIME_MS (7LL * 24 * 3600 * 1000)

static const char usage_text[] =
    "NAME\n"
    "    muster - run actions on many servers at once, through RabbitMQ\n"
    "\n"
    "SYNOPSIS\n"
    "    muster [OPTIONS] ping\n"
    "    muster [OPTIONS] rpc AGENT ACTION [KEY=VALUE ...]\n"
    "    muster [OPTIONS] find\n"
    "    muster [OPTIONS] facts FACT\n"
    "    muster [OPTIONS] inventory NODE [--from-store]\n"
    "    muster [OPTIONS] inventory [--db PATH] [--format "
    "table|json|jsonl|csv]\n"
    "                     [--fields LIST] [--stale DURATION]\n"
    "                     [--changes [--since DURATION]] [--count-by FACT]\n"
    "    muster [OPTIONS] collect [--db PATH] [--follow | --poll [FILTERS]]\n"
    "    muster [OPTIONS] help [AGENT]\n"
    "    muster [-c FILE] [-v] doctor\n"
    "    muster [-c FILE] web [--listen ADDR:PORT] [--read-only]\n"
    "    muster cert init|issue|show ...   (see 'muster cert --help')\n"
    "    muster ddl convert FILE.ddl [-o OUT.json]\n"
    "    muster --help | --version\n"
    "\n"
    "COMMANDS\n"
    "    ping       ask every matching node to answer; print each node's\n"
    "               round-trip time, then min/avg/max\n"
    "    rpc        run AGENT's ACTION with the given inputs on every\n"
    "               matching node and print each node's result; inputs\n"
    "               are checked against the agent's DDL before sending\n"
    "    help       list the agents this client has DDLs for, or show\n"
    "               one agent's actions, inputs and outputs\n"
    "    find       print the identity of every matching node, one a line\n"
    "    facts      print each value of FACT on the matching nodes with how\n"
    "               many nodes have it (-v: and which)\n"
    "    inventory  a report on NODE: agents, facts, classes, collectives\n"
    "               and daemon statistics (--from-store: as the inventory\n"
    "               store last heard it); without NODE, a report of the\n"
    "               inventory store (docs/inventory.md): the matching\n"
    "               nodes, those not heard from for --stale DURATION (exit\n"
    "               1 if any), the history (--changes --since 24h), or\n"
    "               --count-by FACT; --fields identity,os.family,... with\n"
    "               dotted fact names (missing: empty); times as 90s, 30m,\n"
    "               2h, 7d\n"
    "    collect    fill the inventory store (--db, or inventory.db) with\n"
    "               the registrations queued for this collector, then exit\n"
    "               (cron); --follow: keep collecting until SIGTERM; --poll:\n"
    "               ask the matching nodes (rpcutil inventory) instead and\n"
    "               record those that did not answer.  One run at a time\n"
    "               (lock DB.lock); silent unless something failed or -v\n"
    "    doctor     check this client's setup end to end: configuration,\n"
    "               certificates and key, every broker URL (TLS verified),\n"
    "               the clock against the broker, the DDLs; one line per\n"
    "               problem with the command that fixes it (-v: and every\n"
    "               check that passed); exit 0 when there is no error,\n"
    "               1 when there is (docs/doctor.md)\n"
    "    web        serve the web console (docs/web.md) on 127.0.0.1:8380\n"
    "               or --listen ADDR:PORT (not loopback: HTTPS with\n"
    "               web.tls_cert and web.tls_key): the fleet, a form\n"
    "               for any action from its DDL, the replies as they\n"
    "               come; it acts with this client's certificate;\n"
    "               --read-only: no calls; stops on SIGTERM\n"
    "    ddl        convert an MCollective Ruby DDL to a JSON DDL without\n"
    "               running Ruby (see 'muster ddl --help')\n"
    "\n"
    "FILTERS (see docs/filters.md; several of one kind AND together,\n"
    "except -I, where they OR)\n"
    "    -I, --identity NAME   only this node (exact name or /regex/).  Exact\n"
    "                          names only: the request is addressed and ends\n"
    "                          once they all answered\n"
    "    -F, --with-fact FACT  only nodes whose fact matches: NAME OP VALUE\n"
    "                          with OP one of = == != < > <= >= =~, e.g.\n"
    "                          os.family=Debian, cpus>=4, name=~/^web/\n"
    "    -C, --wc CLASS        only nodes with this class (or /regex/)\n"
    "    -A, --wa AGENT        only nodes with this agent (or /regex/)\n"
    "    -W, --with, --wf \"FACT|CLASS ...\"\n"
    "                          words with an operator are facts, the others\n"
    "                          classes: -W \"role=web apache\"\n"
    "    -S, --select EXPR     a compound expression: and, or, not, ( ),\n"
    "                          the fact comparisons, classes, and\n"
    "                          fstat(\"/path\").size|present|mode|type|mtime|\n"
    "                          sha256, fact(\"name\"), agent(\"name\")\n"
    "    -T, --target NAME     the collective to send to\n"
    "    A bad filter is refused with the position of the error before\n"
    "    anything is sent.\n"
    "\n"
    "DISCOVERY AND ROLLOUT\n"
    "        --nodes FILE      address exactly the identities in FILE (one a\n"
    "                          line, # comments; - reads stdin) instead of\n"
    "                          broadcasting; not with filters\n"
    "        --dt SECONDS      broadcast: the longest wait after the last\n"
    "                          reply, the whole wait before the first\n"
    "                          (default from the config, 2); once replies\n"
    "                          flow the end adapts: twice the longest gap\n"
    "                          between replies, 250 ms at least, --dt at\n"
    "                          most (config discovery_adaptive)\n"
    "        --discovery-window MS\n"
    "                          once replies flow, stop after MS with no new\n"
    "                          one instead (capped by --dt; config\n"
    "                          discovery_window)\n"
    "        --limit-nodes N|P%  act on N nodes (or P percent) of those\n"
    "                          matching, chosen at random\n"
    "        --limit-seed N    make that choice repeatable\n"
    "        --batch N         address the nodes N at a time; each batch\n"
    "                          starts when the previous one has completed\n"
    "        --batch-sleep S   pause S seconds between batches\n"
    "        --batch-fail N|P%  stop the rollout once N nodes (or P percent)\n"
    "                          failed or did not answer; the rest are\n"
    "                          listed as not reached\n"
    "    With --limit-nodes or --batch the nodes are discovered first (an\n"
    "    rpcutil ping with the filters), then addressed.\n"
    "        --dm, --discovery-method broadcast|inventory\n"
    "                          inventory: take the matching nodes from the\n"
    "                          inventory store and address them; the call\n"
    "                          ends when all answered, and those that did\n"
    "                          not are named stale.  Default: the config's\n"
    "                          discovery_method; inventory when client.cfg\n"
    "                          sets inventory.db, else broadcast\n"
    "        --db PATH         the inventory store (default: inventory.db in\n"
    "                          the config, /var/lib/muster/inventory.db)\n"
    "\n"
    "COLLECT\n"
    "        --follow          collect: run until SIGTERM\n"
    "        --poll            collect: ask the nodes instead of reading\n"
    "                          registrations\n"
    "\n"
    "OTHER OPTIONS\n"
    "    -c, --config FILE     client configuration (default: $MUSTER_CONFIG,\n"
    "                          ~/.config/muster/client.cfg, " MST_SYSCONFDIR
    "/client.cfg)\n"
    "    -t, --timeout SECONDS give up on nodes after this long (default 10)\n"
    "        --ttl SECONDS     how long the request stays valid (default 60)\n"
    "    -j, --json            print one JSON document with every reply and\n"
    "                          the statistics\n"
    "        --jsonl           print one JSON object per reply as it comes,\n"
    "                          then one {\"stats\": ...} object\n"
    "        --display WHICH   print all, ok or failed replies (default:\n"
    "                          the action's DDL; all with -v)\n"
    "        --no-progress     no progress bar (drawn only on a terminal)\n"
    "    -v, --verbose         more detail\n"
    "    -h, --help            show this help\n"
    "    -V, --version         show the version\n"
    "\n"
    "OUTPUT\n"
    "    When standard output is not a terminal, it carries nothing but\n"
    "    results; batch headers and warnings go to standard error.\n"
    "\n"
    "EXIT STATUS\n"
    "    0  every targeted node answered OK\n"
    "    1  a node failed, did not answer or was not reached, or no node\n"
    "       answered (find: no node matched)\n"
    "    2  bad arguments, filter or configuration, or an input the\n"
    "       agent's DDL refuses; nothing was sent\n"
    "    3  the broker could not be reached, or security set-up failed\n"
    "    collect: 0 all stored; 1 a registration was refused or a polled\n"
    "    node failed or did not answer; 2 usage; 3 broker or store trouble,\n"
    "    or another collect holds the store's lock\n"
    "\n"
    "EXAMPLES\n"
    "    muster ping\n"
    "    muster rpc rpcutil inventory -I web1\n"
    "    muster rpc rpcutil get_fact fact=os.family -F role=web -j\n"
    "    muster find -S 'role=web and not /^legacy/'\n"
    "    muster facts os.family -v\n"
    "    muster inventory -F os.family=Debian --format csv --fields \\\n"
    "        identity,os.release,kernel.release\n"
    "    muster ping --dm inventory\n"
    "    muster rpc rpcutil ping --batch 10 --batch-fail 5% --jsonl\n"
    "    muster help rpcutil\n"
    "    muster collect --db /var/lib/muster/inventory.db   # from cron\n"
    "    muster web --read-only\n";

int mst_cli_error(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("muster: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int add_filter(struct mst_cli *cli, enum muster_filter_kind kind,
                      const char *text, const char *opt) {
    struct muster_error err = {0};
    cli->filters++;
    if (muster_filter_add(cli->filter, kind, text, &err) != 0)
        return mst_cli_error(MST_EXIT_USAGE, "%s %s: %s", opt, text,
                             err.message);
    return MST_EXIT_GO_ON;
}

static int parse_time(const char *text, const char *opt, int64_t *out) {
    if (muster_parse_seconds(text, MAX_TIME_MS, out) != 0 || *out == 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "%s '%s': expected a number of seconds above 0",
                             opt, text);
    return MST_EXIT_GO_ON;
}

enum {
    OPT_DT = 256,
    OPT_TTL,
    OPT_NODES,
    OPT_WINDOW,
    OPT_LIMIT,
    OPT_SEED,
    OPT_BATCH,
    OPT_BATCH_SLEEP,
    OPT_BATCH_FAIL,
    OPT_JSONL,
    OPT_DISPLAY,
    OPT_NO_PROGRESS,
    OPT_DM,
    OPT_DB,
    OPT_FORMAT,
    OPT_FIELDS,
    OPT_STALE,
    OPT_CHANGES,
    OPT_SINCE,
    OPT_COUNT_BY,
    OPT_FROM_STORE,
    OPT_FOLLOW,
    OPT_POLL,
    OPT_LISTEN,
    OPT_READ_ONLY,
};

static int parse_count(const char *text, const char *opt,
                       struct muster_count *c) {
    struct muster_error err = {0};
    if (muster_count_parse(text, c, &err) != 0)
        return mst_cli_error(MST_EXIT_USAGE, "%s %s", opt, err.message);
    return MST_EXIT_GO_ON;
}

static int parse_number(const char *text, const char *opt, long long max,
                        long long *out) {
    if (muster_parse_int(text, 0, max, out) != 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "%s '%s': expected a whole number from 0 to %lld",
                             opt, text, max);
    return MST_EXIT_GO_ON;
}

static int parse_rollout(struct mst_cli *cli, int opt) {
    long long v = 0;
    int rc;
    switch (opt) {
    case OPT_BATCH:
        rc = parse_number(optarg, "--batch", 1000000, &v);
        cli->rollout.batch_size = (size_t)v;
        return rc;
    case OPT_BATCH_SLEEP:
        if (muster_parse_seconds(optarg, MAX_TIME_MS,
                                 &cli->rollout.batch_sleep_ms) != 0)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "--batch-sleep '%s': "
                                 "expected a number of seconds",
                                 optarg);
        return MST_EXIT_GO_ON;
    case OPT_BATCH_FAIL:
        return parse_count(optarg, "--batch-fail", &cli->rollout.fail);
    case OPT_LIMIT:
        return parse_count(optarg, "--limit-nodes", &cli->limit);
    case OPT_SEED:
        rc = parse_number(optarg, "--limit-seed", INT64_MAX, &v);
        cli->limit_seed = (uint64_t)v;
        cli->has_limit_seed = 1;
        return rc;
    case OPT_WINDOW:
        rc = parse_number(optarg, "--discovery-window", 3600 * 1000, &v);
        cli->window_ms = v;
        return rc;
    default:
        cli->nodes_file = optarg;
        return MST_EXIT_GO_ON;
    }
}

/* --display all|ok|failed: which replies to print, over the DDL's rule. */
static int parse_display(struct mst_cli *cli, const char *text) {
    static const char *const names[] = {"all", "ok", "failed"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            cli->display = MST_OUTPUT_DISPLAY_ALL + i;
            return MST_EXIT_GO_ON;
        }
    return mst_cli_error(MST_EXIT_USAGE,
                         "--display '%s': expected all, ok or failed", text);
}

/* The options of the inventory store and its reports. */
static int parse_inventory(struct mst_cli *cli, int opt) {
    struct mst_cli_report *r = &cli->report;
    switch (opt) {
    case OPT_DM:
        if (strcmp(optarg, "broadcast") != 0 &&
            strcmp(optarg, "inventory") != 0)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "--dm '%s': expected broadcast or inventory",
                                 optarg);
        cli->dm = optarg;
        break;
    case OPT_DB:
        cli->db = optarg;
        break;
    case OPT_FORMAT:
        r->format = optarg;
        break;
    case OPT_FIELDS:
        r->fields = optarg;
        break;
    case OPT_STALE:
        r->stale = optarg;
        break;
    case OPT_CHANGES:
        r->changes = 1;
        break;
    case OPT_SINCE:
        r->since = optarg;
        break;
    case OPT_COUNT_BY:
        r->count_by = optarg;
        break;
    default:
        r->from_store = 1;
    }
    return MST_EXIT_GO_ON;
}

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"identity", required_argument, NULL, 'I'},
    {"with-fact", required_argument, NULL, 'F'},
    {"wf", required_argument, NULL, 'W'},
    {"with", required_argument, NULL, 'W'},
    {"select", required_argument, NULL, 'S'},
    {"nodes", required_argument, NULL, OPT_NODES},
    {"discovery-window", required_argument, NULL, OPT_WINDOW},
    {"limit-nodes", required_argument, NULL, OPT_LIMIT},
    {"limit-seed", required_argument, NULL, OPT_SEED},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"batch-sleep", required_argument, NULL, OPT_BATCH_SLEEP},
    {"batch-fail", required_argument, NULL, OPT_BATCH_FAIL},
    {"jsonl", no_argument, NULL, OPT_JSONL},
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
    {"display", required_argument, NULL, OPT_DISPLAY},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"dm", required_argument, NULL, OPT_DM},
    {"discovery-method", required_argument, NULL, OPT_DM},
    {"db", required_argument, NULL, OPT_DB},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"fields", required_argument, NULL, OPT_FIELDS},
    {"stale", required_argument, NULL, OPT_STALE},
    {"changes", no_argument, NULL, OPT_CHANGES},
    {"since", required_argument, NULL, OPT_SINCE},
    {"count-by", required_argument, NULL, OPT_COUNT_BY},
    {"from-store", no_argument, NULL, OPT_FROM_STORE},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"poll", no_argument, NULL, OPT_POLL},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int parse_one(struct mst_cli *cli, int opt) {
    switch (opt) {
    case 'c':
        cli->config_path = optarg;
        return MST_EXIT_GO_ON;
    case 'I':
        return add_filter(cli, MUSTER_FILTER_IDENTITY, optarg, "-I");
    case 'F':
        return add_filter(cli, MUSTER_FILTER_FACT, optarg, "-F");
    case 'C':
        return add_filter(cli, MUSTER_FILTER_CLASS, optarg, "-C");
    case 'A':
        return add_filter(cli, MUSTER_FILTER_AGENT, optarg, "-A");
    case 'W':
        return add_filter(cli, MUSTER_FILTER_WITH, optarg, "-W");
    case 'S':
        return add_filter(cli, MUSTER_FILTER_COMPOUND, optarg, "-S");
    case OPT_NODES:
    case OPT_WINDOW:
    case OPT_LIMIT:
    case OPT_SEED:
    case OPT_BATCH:
    case OPT_BATCH_SLEEP:
    case OPT_BATCH_FAIL:
        return parse_rollout(cli, opt);
    case OPT_JSONL:
        cli->jsonl = 1;
        return MST_EXIT_GO_ON;
    case OPT_DM:
    case OPT_DB:
    case OPT_FORMAT:
    case OPT_FIELDS:
    case OPT_STALE:
    case OPT_CHANGES:
    case OPT_SINCE:
    case OPT_COUNT_BY:
    case OPT_FROM_STORE:
        return parse_inventory(cli, opt);
    case 'T':
        if (!muster_name_valid(optarg, 128))
            return mst_cli_error(MST_EXIT_USAGE,
                                 "-T '%s': not a collective "
                                 "name",
                                 optarg);
        cli->collective = optarg;
        return MST_EXIT_GO_ON;
    case OPT_DT:
        return parse_time(optarg, "--dt", &cli->dt_ms);
    case 't':
        return parse_time(optarg, "-t", &cli->timeout_ms);
    case OPT_TTL:
        return parse_time(optarg, "--ttl", &cli->ttl_ms);
    case 'j':
        cli->json = 1;
        return MST_EXIT_GO_ON;
    case OPT_DISPLAY:
        return parse_display(cli, optarg);
    case OPT_NO_PROGRESS:
        cli->no_progress = 1;
        return MST_EXIT_GO_ON;
    case OPT_FOLLOW:
        cli->follow = 1;
        return MST_EXIT_GO_ON;
    case OPT_POLL:
        cli->poll = 1;
        return MST_EXIT_GO_ON;
    case OPT_LISTEN:
        cli->listen = optarg;
        return MST_EXIT_GO_ON;
    case OPT_READ_ONLY:
        cli->read_only = 1;
        return MST_EXIT_GO_ON;
    case 'v':
        cli->verbose = 1;
        return MST_EXIT_GO_ON;
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

/* --db and --dm over the configuration's inventory.db and
 * discovery_method. */
static int settle_store(struct mst_cli *cli) {
    struct muster_error err = {0};
    char method[16] = "";
    if ((cli->db != NULL &&
         muster_config_set(cli->cfg, "inventory.db", cli->db, &err) != 0) ||
        (cli->dm != NULL &&
         muster_config_set(cli->cfg, "discovery_method", cli->dm, &err) != 0))
        return mst_cli_error(MST_EXIT_USAGE, "%s", err.message);
    muster_config_get(cli->cfg, "discovery_method", method, sizeof method,
                      NULL);
    cli->inventory = strcmp(method, "inventory") == 0;
    return MST_EXIT_GO_ON;
}

/* -c FILE, else the library's search ($MUSTER_CONFIG, ~/.config/muster/,
 * then SYSCONFDIR). */
static int load_config(struct mst_cli *cli) {
    struct muster_error err = {0};
    int rc = muster_config_load(cli->config_path, &cli->cfg, &err);
    if (rc == MUSTER_ENOTFOUND && cli->config_path == NULL)
        return mst_cli_error(MST_EXIT_USAGE,
                             "no client configuration: give -c FILE or set "
                             "MUSTER_CONFIG (also looked in ~/.config/muster/ "
                             "and " MST_SYSCONFDIR ")");
    if (rc != 0)
        return mst_cli_error(MST_EXIT_USAGE, "%s", err.message);
    return settle_store(cli);
}

int mst_cli_parse(struct mst_cli *cli, int argc, char **argv) {
    cli->filter = muster_filter_new();
    if (cli->filter == NULL)
        return mst_cli_error(MST_EXIT_USAGE, "out of memory");
    int opt;
    while ((opt = getopt_long(argc, argv, "c:I:F:C:A:W:S:T:t:jvhV", longopts,
                              NULL)) != -1) {
        int rc = parse_one(cli, opt);
        if (rc != MST_EXIT_GO_ON)
            return rc;
    }
    cli->args = argv + optind;
    cli->nargs = argc - optind;
    if (cli->nodes_file != NULL && cli->filters > 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "--nodes names the nodes: it cannot be combined "
                             "with -I, -F, -C, -A, -W or -S");
    if (cli->nargs == 0)
        return mst_cli_error(MST_EXIT_USAGE, "no command given; try 'muster "
                                             "--help'");
    const struct mst_cli_report *r = &cli->report;
    if ((r->format || r->fields || r->count_by || r->stale || r->since ||
         r->changes || r->from_store) &&
        strcmp(cli->args[0], "inventory") != 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "--format, --fields, --count-by, --stale, "
                             "--changes, --since and --from-store are options "
                             "of 'muster inventory'");
    if ((cli->listen || cli->read_only) && strcmp(cli->args[0], "web") != 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "--listen and --read-only are options of "
                             "'muster web'");
    /* doctor reports a configuration that does not load as a finding;
     * complete falls back to the defaults, quietly. */
    if (strcmp(cli->args[0], "doctor") == 0 ||
        strcmp(cli->args[0], "complete") == 0)
        return MST_EXIT_GO_ON;
    return load_config(cli);
}

void mst_cli_print_options(FILE *out) {
    unsigned char shown[256] = {0}; /* -W, -C, -A have several long names */
    for (const struct option *o = longopts; o->name != NULL; o++) {
        const char *arg = o->has_arg == required_argument ? "\targ" : "";
        if (o->val < 256 && !shown[o->val]++)
            fprintf(out, "-%c%s\n", o->val, arg);
        fprintf(out, "--%s%s\n", o->name, arg);
    }
}

void mst_cli_free(struct mst_cli *cli) {
    muster_filter_free(&cli->filter);
    muster_config_free(&cli->cfg);
}

void mst_cli_spec(const struct mst_cli *cli, struct muster_request *req) {
    req->filter = cli->filter;
    req->collective = cli->collective;
    /* 0 = the configured default, which the library applies */
    req->discovery_timeout_ms = cli->dt_ms;
    req->discovery_window_ms = cli->window_ms;
    req->timeout_ms = cli->timeout_ms;
    req->ttl_ms = cli->ttl_ms;
    req->nodes = muster_filter_identities(cli->filter);
}

struct muster_client *mst_cli_connect(const struct mst_cli *cli) {
    struct muster_error err = {0};
    struct muster_client *cl = NULL;
    if (muster_client_new(cli->cfg, &cl, &err) != 0) {
        mst_cli_error(MST_EXIT_BROKER, "%s", err.message);
        return NULL;
    }
    return cl;
}

int mst_cli_send(const struct mst_cli *cli, struct muster_client *cl,
                 const struct muster_request *req,
                 const struct muster_handlers *h, struct muster_stats *st,
                 struct muster_error *err) {
    if (req->nodes == NULL)
        return muster_client_call(cl, req, h, st, err);
    return muster_client_rollout(cl, req, &cli->rollout, h, st, err);
}

int mst_cli_split_commas(const char *text, struct muster_list *l) {
    for (const char *p = text;; p += strcspn(p, ",") + 1) {
        size_t n = strcspn(p, ",");
        char name[256];
        if (n == 0 || n >= sizeof name)
            return MUSTER_EINVAL;
        memcpy(name, p, n);
        name[n] = '\0';
        if (muster_list_add(l, name) != 0)
            return MUSTER_ENOMEM;
        if (p[n] == '\0')
            return 0;
    }
}

int mst_cli_read_nodes(const char *path, struct muster_list *nodes) {
    struct muster_error err = {0};
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (f == NULL)
        return mst_cli_error(MST_EXIT_USAGE, "--nodes %s: %s", path,
                             strerror(errno));
    int rc = muster_list_read_nodes(nodes, f, is_stdin ? "stdin" : path, &err);
    if (!is_stdin)
        fclose(f);
    if (rc != 0)
        return mst_cli_error(MST_EXIT_USAGE, "--nodes: %s", err.message);
    if (muster_list_count(nodes) == 0)
        return mst_cli_error(MST_EXIT_USAGE, "--nodes %s: no identities", path);
    return MST_EXIT_GO_ON;
}

static uint64_t random_seed(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
                    ((uint64_t)getpid() << 32);
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        if (fread(&seed, sizeof seed, 1, f) != 1)
            seed ^= (uint64_t)ts.tv_nsec;
        fclose(f);
    }
    return seed;
}

int mst_cli_targets(const struct mst_cli *cli, struct muster_client *cl,
                    struct muster_request *req, struct muster_list *nodes) {
    int need_list = cli->limit.n > 0 || cli->rollout.batch_size > 0 ||
                    cli->rollout.fail.n > 0;
    if (cli->nodes_file != NULL) {
        int rc = mst_cli_read_nodes(cli->nodes_file, nodes);
        if (rc != MST_EXIT_GO_ON)
            return rc;
        req->filter = NULL; /* the list is the whole choice */
    } else if (req->nodes != NULL) {
        for (size_t i = 0; i < muster_list_count(req->nodes); i++)
            muster_list_add(nodes, muster_list_get(req->nodes, i));
    } else if (need_list || cli->inventory) {
        struct muster_error err = {0};
        int rc = muster_client_discover(cl, req, nodes, &err);
        if (rc != 0) /* a filter the store cannot evaluate is a usage error */
            return mst_cli_error(rc == MUSTER_EUNSUPPORTED ||
                                         rc == MUSTER_EINVAL
                                     ? MST_EXIT_USAGE
                                     : MST_EXIT_BROKER,
                                 "%s", err.message);
        if (muster_list_count(nodes) == 0)
            return mst_cli_error(MST_EXIT_FAILED, "no nodes matched%s",
                                 cli->inventory ? " in the inventory" : "");
    } else {
        return MST_EXIT_GO_ON; /* a plain broadcast */
    }
    muster_list_limit(nodes, &cli->limit,
                      cli->has_limit_seed ? cli->limit_seed : random_seed());
    req->nodes = nodes;
    return MST_EXIT_GO_ON;
}

static void add_known(struct muster_inventory *inv, const struct muster_list *l,
                      struct muster_list *stale) {
    for (size_t i = 0; i < muster_list_count(l); i++) {
        json_t *node = NULL;
        if (muster_inventory_node(inv, muster_list_get(l, i), &node, NULL) == 0)
            muster_list_add(stale, muster_list_get(l, i));
        json_decref(node);
    }
}

void mst_cli_stale(const struct mst_cli *cli, const struct muster_stats *st,
                   struct muster_list *stale) {
    struct muster_inventory *inv = NULL;
    if (!cli->inventory ||
        muster_inventory_open(cli->cfg, NULL, &inv, NULL) != 0)
        return;
    add_known(inv, st->no_response, stale);
    add_known(inv, st->unknown, stale);
    muster_inventory_close(&inv);
}
