/*
 * main.c - musterd: arguments, signals, start-up and shutdown order.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authz.h"
#include "base/log.h"
#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "daemon.h"
#include "doctor.h"
#include "host.h"
#include "loader.h"
#include "mst_build.h"
#include "musterd.h"
#include "notify.h"
#include "policy/audit.h"
#include "ratelimit.h"
#include "refresh.h"
#include "registry.h"
#include "security/replay.h"
#include "security/security.h"
#include "worker.h"

static struct musterd daemon_state;

static const char usage_text[] =
    "NAME\n"
    "    musterd - the muster node daemon\n"
    "\n"
    "SYNOPSIS\n"
    "    musterd -c FILE [-f]\n"
    "    musterd -c FILE --check [-v]\n"
    "    musterd --help | --version\n"
    "\n"
    "DESCRIPTION\n"
    "    Connects to RabbitMQ, joins the configured collectives and answers\n"
    "    requests from muster clients by running the requested agent\n"
    "    actions.  Runs until SIGTERM or SIGINT; SIGHUP reopens the log file\n"
    "    and reloads facts and classes (also every facts.refresh seconds, in\n"
    "    a thread of their own: requests are never held up by a reload).\n"
    "    Registers on C.registration for muster collect at start, after a\n"
    "    reconnect, when facts change and every registration.interval\n"
    "    seconds (docs/inventory.md).\n"
    "\n"
    "OPTIONS\n"
    "    -c, --config FILE   server configuration (default " MST_SYSCONFDIR
    "/server.cfg)\n"
    "    -f, --foreground    stay in the foreground and log to stderr\n"
    "        --check         do not start: check the configuration end to\n"
    "                        end (every key, certificate, key and CA, each\n"
    "                        broker URL with TLS and the broker's clock, the\n"
    "                        agents' DDLs, facts, policies, audit and log\n"
    "                        files) and print one line per problem with\n"
    "                        its fix\n"
    "    -v, --verbose       with --check: print the checks that passed too\n"
    "    -h, --help          show this help\n"
    "    -V, --version       show the version\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after a clean stop, 1 for a start-up failure (configuration,\n"
    "    keys, log file), 2 for a usage error.  With --check: 0 when no\n"
    "    check found an error (warnings are printed, not counted), 1 when\n"
    "    one did, 2 for a usage error.\n"
    "\n"
    "SEE ALSO\n"
    "    musterd(8), muster(1), muster.cfg(5), docs/doctor.md,\n"
    "    docs/inventory.md\n";

static void on_stop(int sig) {
    (void)sig;
    daemon_state.stop = 1;
}

static void on_hup(int sig) {
    (void)sig;
    daemon_state.hup = 1;
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* What the command line asks for besides running. */
struct args {
    const char *cfg_path;
    int check;   /* --check */
    int verbose; /* -v */
};

enum { OPT_CHECK = 256 };

static int parse_args(int argc, char **argv, struct args *a) {
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"check", no_argument, NULL, OPT_CHECK},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "c:fvhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            a->cfg_path = optarg;
            break;
        case OPT_CHECK:
            a->check = 1;
            break;
        case 'v':
            a->verbose = 1;
            break;
        case 'f':
            daemon_state.foreground = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        case 'V':
            printf("musterd %s\n", MST_VERSION);
            exit(0);
        default:
            fputs("usage: musterd -c FILE [-f | --check [-v]]  (see musterd "
                  "--help)\n",
                  stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "musterd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Authorisation and the audit trail, as configured. */
static int start_records(struct musterd *d) {
    struct mst_err err = {0};
    d->authz = musterd_authz_new(d->cfg->authorization_policy_dir,
                                 d->cfg->authorization_default_allow);
    if (d->authz == NULL)
        return 1;
    if (!musterd_authz_enabled(d->authz))
        MST_LOG(MST_LOG_WARNING, "authorization: no policy_dir: every "
                                 "verified caller may run every action");
    if (d->cfg->audit_file == NULL)
        return 0;
    if (mst_audit_open(d->cfg->audit_file, &d->audit, &err) != MST_OK)
        return 1;
    if (!mst_audit_healthy(d->audit))
        MST_LOG(MST_LOG_ERR, "%s; requests %s", err.msg,
                d->cfg->audit_required ? "are refused until it is writable"
                                       : "go on unaudited");
    return 0;
}

/* Everything that can fail before the broker is involved. */
static int start(struct musterd *d, const char *cfg_path) {
    struct mst_err err = {0};
    if (mst_config_load(cfg_path, MST_CONFIG_SERVER, &d->cfg, &err) != MST_OK) {
        fprintf(stderr, "musterd: %s\n", err.msg);
        return 1;
    }
    mst_log_threshold = d->cfg->log_level;
    if (!d->foreground && mst_log_open(d->cfg->log_file, &err) != MST_OK) {
        fprintf(stderr, "musterd: %s\n", err.msg);
        return 1;
    }
    struct mst_security_options so = {
        .provider = d->cfg->security_provider,
        .role = MST_SECURITY_SERVER,
        .ca = d->cfg->security_ca,
        .cert = d->cfg->security_cert,
        .key = d->cfg->security_key,
        .cert_cache = d->cfg->security_cert_cache,
    };
    if (mst_security_new(&so, &d->sec, &err) != MST_OK ||
        mst_replay_new((size_t)d->cfg->security_replay_cache, &d->replay,
                       &err) != MST_OK ||
        musterd_ratelimit_new(d->cfg->security_max_requests_per_s,
                              MUSTERD_RATELIMIT_CALLERS, &d->ratelimit,
                              &err) != MST_OK) {
        MST_LOG(MST_LOG_ERR, "security: %s", err.msg);
        return 1;
    }
    if (strcmp(mst_security_provider(d->sec), "none") == 0)
        MST_LOG(MST_LOG_WARNING,
                "security: provider \"none\": requests are NOT verified and "
                "callers are whoever they claim to be");
    if (musterd_load_knowledge(d->cfg, &d->facts, &d->classes, &err) !=
        MST_OK) {
        MST_LOG(MST_LOG_ERR, "facts: %s", err.msg);
        return 1;
    }
    if (musterd_refresh_start(d, &err) != MST_OK) {
        MST_LOG(MST_LOG_ERR, "facts: %s", err.msg);
        return 1;
    }
    musterd_host_init(d);
    if (musterd_worker_init(d, &err) != MST_OK ||
        musterd_register_builtin(d, &err) != MST_OK ||
        musterd_loader_load(d, &err) != MST_OK) {
        MST_LOG(MST_LOG_ERR, "agents: %s", err.msg);
        return 1;
    }
    return start_records(d);
}

static void stop(struct musterd *d) {
    musterd_worker_stop(d); /* when start() failed after the pool */
    musterd_refresh_stop(d);
    mst_connector_free(&d->conn);
    musterd_free_agents(d);
    mst_facts_free(&d->facts);
    mst_strv_free(&d->classes);
    mst_replay_free(&d->replay);
    musterd_ratelimit_free(&d->ratelimit);
    musterd_authz_free(&d->authz);
    mst_audit_free(&d->audit);
    mst_security_free(&d->sec);
    mst_config_free(&d->cfg);
    mst_log_close();
}

int main(int argc, char **argv) {
    struct args a = {.cfg_path = MST_SYSCONFDIR "/server.cfg"};
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    if (a.check)
        return musterd_doctor_check(a.cfg_path, a.verbose);
    const char *cfg_path = a.cfg_path;
    install_signals();
    /* Before any thread or child: it takes NOTIFY_SOCKET out of environ. */
    struct mst_err err = {0};
    if (musterd_notify_init(&err) != MST_OK)
        fprintf(stderr, "musterd: %s; not notifying\n", err.msg);
    daemon_state.started_ms = mst_wall_ms();
    rc = start(&daemon_state, cfg_path);
    if (rc == 0) {
        MST_LOG(MST_LOG_NOTICE, "musterd %s starting as %s (pid %d)",
                MST_VERSION, daemon_state.cfg->identity, (int)getpid());
        rc = musterd_run(&daemon_state) == MST_OK ? 0 : 1;
        MST_LOG(MST_LOG_NOTICE, "musterd stopped");
    }
    stop(&daemon_state);
    return rc;
}
