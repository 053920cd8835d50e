/*
 * cmd_cert.c - `muster cert init|issue|show`: the site CA tooling.  Needs
 * neither a client configuration nor a broker, so it is dispatched before
 * the common option parsing (see muster.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char cert_usage[] =
    "usage: muster cert init DIR [--key-type ec|rsa|ed25519] [--days N]\n"
    "       muster cert issue DIR NAME --client|--server [--days N]\n"
    "                  [--key-type ec|rsa|ed25519] [--san HOST|IP ...]\n"
    "                  [--start-days N]\n"
    "       muster cert show FILE\n"
    "\n"
    "  init    make a site CA in DIR (ca.pem, ca.key)\n"
    "  issue   make DIR/NAME.key (0600) and DIR/NAME.pem, signed by DIR's CA;\n"
    "          NAME is the node identity (--server) or the caller name\n"
    "          (--client).  Server certificates name NAME and every --san in\n"
    "          subjectAltName.  Keys are ECDSA P-256 unless --key-type says\n"
    "          otherwise; --days defaults to 365 (CA: 3650).  --start-days\n"
    "          shifts the start of validity (negative: in the past), for\n"
    "          tests of expired and not-yet-valid certificates.\n"
    "  show    print subject, issuer, validity, usage and fingerprint\n";

struct cert_args {
    enum muster_key_type key_type;
    long long days;
    long long start_days;
    enum muster_cert_kind kind;
    struct muster_list *sans;
};

enum {
    OPT_CLIENT = 256,
    OPT_SERVER,
    OPT_DAYS,
    OPT_KEY_TYPE,
    OPT_SAN,
    OPT_START
};

static const struct option cert_longopts[] = {
    {"client", no_argument, NULL, OPT_CLIENT},
    {"server", no_argument, NULL, OPT_SERVER},
    {"days", required_argument, NULL, OPT_DAYS},
    {"key-type", required_argument, NULL, OPT_KEY_TYPE},
    {"san", required_argument, NULL, OPT_SAN},
    {"start-days", required_argument, NULL, OPT_START},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_opt(struct cert_args *a, int opt) {
    switch (opt) {
    case OPT_CLIENT:
    case OPT_SERVER: {
        enum muster_cert_kind k =
            opt == OPT_CLIENT ? MUSTER_CERT_CLIENT : MUSTER_CERT_SERVER;
        if (a->kind != MUSTER_CERT_OTHER && a->kind != k)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "cert: --client and --server exclude each "
                                 "other");
        a->kind = k;
        return MST_EXIT_GO_ON;
    }
    case OPT_DAYS:
        if (muster_parse_int(optarg, 1, 36500, &a->days) != 0)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "cert: --days '%s': expected 1 to 36500",
                                 optarg);
        return MST_EXIT_GO_ON;
    case OPT_START:
        if (muster_parse_int(optarg, -36500, 36500, &a->start_days) != 0)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "cert: --start-days '%s': expected -36500 "
                                 "to 36500",
                                 optarg);
        return MST_EXIT_GO_ON;
    case OPT_KEY_TYPE:
        if (muster_key_type_parse(optarg, &a->key_type) != 0)
            return mst_cli_error(MST_EXIT_USAGE,
                                 "cert: --key-type '%s': expected ec, rsa or "
                                 "ed25519",
                                 optarg);
        return MST_EXIT_GO_ON;
    case OPT_SAN:
        if (muster_list_add(a->sans, optarg) != 0)
            return mst_cli_error(MST_EXIT_USAGE, "out of memory");
        return MST_EXIT_GO_ON;
    case 'h':
        fputs(cert_usage, stdout);
        return MST_EXIT_OK;
    default:
        fputs(cert_usage, stderr);
        return MST_EXIT_USAGE;
    }
}

/* Options anywhere after "cert"; the operands are left in argv[optind..]. */
static int parse(struct cert_args *a, int argc, char **argv) {
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", cert_longopts, NULL)) != -1) {
        int rc = parse_opt(a, opt);
        if (rc != MST_EXIT_GO_ON)
            return rc;
    }
    return MST_EXIT_GO_ON;
}

static int run(struct cert_args *a, int n, char **v) {
    struct muster_error err = {0};
    int rc;
    if (n == 2 && strcmp(v[0], "init") == 0) {
        rc = muster_cert_init(v[1], a->key_type, a->days ? (int)a->days : 3650,
                              &err);
        if (rc == 0)
            printf("CA written to %s/ca.pem (key %s/ca.key)\n", v[1], v[1]);
    } else if (n == 3 && strcmp(v[0], "issue") == 0) {
        struct muster_cert_request req = {
            .name = v[2],
            .kind = a->kind,
            .key_type = a->key_type,
            .days = a->days ? (int)a->days : 365,
            .start_days = (int)a->start_days,
            .sans = a->sans,
        };
        rc = muster_cert_issue(v[1], &req, &err);
        if (rc == 0)
            printf("%s certificate written to %s/%s.pem (key %s/%s.key)\n",
                   muster_cert_kind_name(a->kind), v[1], v[2], v[1], v[2]);
    } else if (n == 2 && strcmp(v[0], "show") == 0) {
        rc = muster_cert_show(v[1], stdout, &err);
    } else {
        fputs(cert_usage, stderr);
        return MST_EXIT_USAGE;
    }
    if (rc == 0)
        return MST_EXIT_OK;
    return mst_cli_error(rc == MUSTER_EINVAL ? MST_EXIT_USAGE : MST_EXIT_FAILED,
                         "cert: %s", err.message);
}

int mst_cmd_cert(int argc, char **argv) {
    struct cert_args a = {.key_type = MUSTER_KEY_EC,
                          .kind = MUSTER_CERT_OTHER,
                          .sans = muster_list_new()};
    int rc = a.sans ? parse(&a, argc, argv)
                    : mst_cli_error(MST_EXIT_USAGE, "out of memory");
    if (rc == MST_EXIT_GO_ON)
        rc = run(&a, argc - optind, argv + optind);
    muster_list_free(&a.sans);
    return rc;
}
