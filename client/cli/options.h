/*
 * options.h - the command line shared by every muster command.
 */
#ifndef MST_OPTIONS_H
#define MST_OPTIONS_H

#include <muster/client.h>
#include <stdint.h>
#include <stdio.h>

#include "exit_status.h"

/* The options of `muster inventory` reports (cmd_inventory.c). */
struct mst_cli_report {
    const char *format;   /* --format table|json|jsonl|csv, or NULL */
    const char *fields;   /* --fields a,b.c,... or NULL */
    const char *count_by; /* --count-by FACT or NULL */
    const char *stale;    /* --stale DURATION or NULL */
    const char *since;    /* --since DURATION or NULL */
    int changes;          /* --changes */
    int from_store;       /* --from-store (muster inventory NODE) */
};

struct mst_cli {
    const char *config_path; /* -c, or NULL: the library looks */
    struct muster_config *cfg;
    struct muster_filter *filter; /* built from -I -F -C -A -S -W */
    int filters;                  /* how many filter options were given */
    const char *collective;       /* -T */
    int64_t dt_ms;                /* --dt, 0 = config */
    int64_t timeout_ms;           /* -t, 0 = config */
    int64_t ttl_ms;               /* --ttl, 0 = config */
    int64_t window_ms;            /* --discovery-window, 0 = config */
    const char *nodes_file;       /* --nodes FILE or "-" */
    struct muster_count limit;    /* --limit-nodes */
    uint64_t limit_seed;          /* --limit-seed (else random) */
    int has_limit_seed;
    struct muster_rollout rollout; /* --batch, --batch-sleep, --batch-fail */
    int json;                      /* -j */
    int jsonl;                     /* --jsonl */
    int verbose;                   /* -v */
    int display;                   /* --display: enum mst_output_display */
    int no_progress;               /* --no-progress */
    const char *dm;                /* --dm, or NULL: the config's */
    const char *db;                /* --db, or NULL: the config's */
    int inventory;                 /* discovery from the store (--dm) */
    struct mst_cli_report report;  /* muster inventory's report options */
    int follow;                    /* collect --follow */
    int poll;                      /* collect --poll */
    const char *listen;            /* web --listen ADDR:PORT, or NULL */
    int read_only;                 /* web --read-only */
    const struct muster_ddl_action *ddl_action; /* set by rpc; borrowed */
    char **args; /* the command and its arguments */
    int nargs;
};

/*
 * mst_cli_parse - parse argv into `cli` (zeroed by the caller) and load the
 * configuration.  Prints --help/--version itself.  Returns MST_EXIT_GO_ON, or
 * an exit status to stop with (after printing one line to stderr).
 * Free with mst_cli_free().
 */
int mst_cli_parse(struct mst_cli *cli, int argc, char **argv);

/* mst_cli_print_options - every option of the common command line, short
 * and long ("-c", "--config"), one a line, for shell completion; those
 * that take an argument are followed by a tab and "arg". */
void mst_cli_print_options(FILE *out);

/* mst_cli_free - release what mst_cli_parse allocated. */
void mst_cli_free(struct mst_cli *cli);

/*
 * mst_cli_spec - fill the targeting fields of `req` from `cli`: addressed
 * when only exact identities were given, broadcast with the filter
 * otherwise.  Times the command line did not give stay 0: the library
 * applies the configured defaults.
 */
void mst_cli_spec(const struct mst_cli *cli, struct muster_request *req);

/*
 * mst_cli_targets - settle who `req` goes to, after mst_cli_spec: the
 * --nodes list, or (with --limit-nodes or --batch) the nodes found by
 * discovery, limited as asked.  `nodes` (empty on entry; the caller's)
 * holds the list req->nodes then points to.  Returns MST_EXIT_GO_ON, or an
 * exit status after printing why.
 */
int mst_cli_targets(const struct mst_cli *cli, struct muster_client *cl,
                    struct muster_request *req, struct muster_list *nodes);

/*
 * mst_cli_send - send `req`: a broadcast when nothing narrowed the nodes
 * down, else a rollout (one batch unless --batch) over the known list.
 * As muster_client_call.
 */
int mst_cli_send(const struct mst_cli *cli, struct muster_client *cl,
                 const struct muster_request *req,
                 const struct muster_handlers *h, struct muster_stats *st,
                 struct muster_error *err);

/*
 * mst_cli_connect - a connected client, or NULL after printing one line
 * saying why (exit with MST_EXIT_BROKER).
 */
struct muster_client *mst_cli_connect(const struct mst_cli *cli);

/*
 * mst_cli_stale - after a call with discovery from the store: the nodes
 * of `st` that did not answer (no response, no such node) which the store
 * knows, appended to `stale`.  Nothing without --dm inventory.
 */
void mst_cli_stale(const struct mst_cli *cli, const struct muster_stats *st,
                   struct muster_list *stale);

/*
 * mst_cli_read_nodes - read the identities of `path` ("-": stdin) into
 * `nodes`.  Returns MST_EXIT_GO_ON, or MST_EXIT_USAGE after saying why.
 */
int mst_cli_read_nodes(const char *path, struct muster_list *nodes);

/*
 * mst_cli_split_commas - append the names of "a,b.c" to `l`.  Returns 0,
 * MUSTER_EINVAL for an empty name (or one over 255 bytes), MUSTER_ENOMEM.
 */
int mst_cli_split_commas(const char *text, struct muster_list *l);

/* mst_cli_error - print "muster: MESSAGE" to stderr and return `code`. */
int mst_cli_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
