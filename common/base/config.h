/*
 * config.h - server.cfg and client.cfg (libconfig syntax).
 *
 * The file is walked against a typed schema table: an unknown key, a wrong
 * type, a duplicate or a missing required value is an error naming the
 * file, line and key; there are no silent defaults for what is present.
 * See docs/configuration.md for every key.
 */
#ifndef MST_CONFIG_H
#define MST_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/strv.h"

enum mst_config_role {
    MST_CONFIG_SERVER, /* musterd: server-only sections allowed */
    MST_CONFIG_CLIENT, /* muster: client-only sections allowed */
};

/*
 * The loaded configuration.  Plain data owned by the struct; every string is
 * a copy (libconfig's own strings die with config_destroy()).  Defaults are
 * filled in for absent keys as docs/configuration.md states.
 */
struct mst_config {
    char *path;                  /* the file it came from */
    char *identity;              /* default: the host name */
    struct mst_strv collectives; /* default: ["muster"] */
    struct mst_strv
        broker_urls;      /* default: ["amqp://guest:guest@127.0.0.1:5672"] */
    int broker_heartbeat; /* seconds, 0 disables; default 30 */
    int broker_prefetch;  /* unacked deliveries per daemon; default 32 */
    int broker_queue_max_length;       /* server: x-max-length; default 1000 */
    int broker_reply_queue_max_length; /* client: x-max-length of the reply
                                          queue; default 100000 */
    char *broker_queue_overflow; /* "drop-head" (default), "reject-publish" */
    int64_t broker_reconnect_max_ms; /* backoff cap; default 30 s */
    struct mst_strv facts_files;     /* server; default: none */
    char *facts_dir;                 /* server; NULL when unset */
    int64_t facts_refresh_ms;     /* server: reload interval; 0 = SIGHUP only;
                                     default 300000 */
    int64_t facts_timeout_ms;     /* server: per facts.dir executable;
                                     default 10000 */
    char *classes_file;           /* server; NULL when unset */
    char *filter_semantics;       /* server: how facts compare, "choria"
                                     (default) or "mcollective" */
    char *agents_dir;             /* server; default MST_AGENTDIR */
    int agents_max_parallel;      /* server: workers at once; default 4 */
    int agents_max_output;        /* server: bytes a worker/agent may print;
                                     default 1 MiB */
    int64_t agents_kill_grace_ms; /* server: TERM -> KILL; default 5000 */
    char *agents_run_as;          /* server: user for external agents when
                                     root; "root" allows root; "nobody" */
    char *security_provider;      /* "x509" (default) or "none" */
    char *security_ca;            /* NULL when unset */
    char *security_cert;
    char *security_key;
    int security_cert_cache;         /* 0: the role's default */
    int64_t security_skew_ms;        /* allowed clock skew; default 60 s */
    int64_t security_max_ttl_ms;     /* largest accepted ttl; default 3600 s */
    int security_replay_cache;       /* server: request ids remembered; 65536 */
    int security_max_requests_per_s; /* server: per caller; 0 = off; 200 */
    char *log_file;                  /* NULL: stderr */
    int log_level;                   /* enum mst_log_level; default info */
    int64_t discovery_timeout_ms;    /* client; default 2000 */
    int64_t discovery_window_ms;     /* client: fixed quiet time once replies
                                        flow; 0 = off */
    int discovery_adaptive; /* client: without a window, end by the reply
                               spacing; default 1 */
    int64_t timeout_ms;     /* client: overall request timeout; default 10000 */
    int client_verify_threads; /* client: reply verifiers; 0 = one per core
                                  (default), 1 = on the calling thread */
    int64_t ttl_ms;            /* client: request ttl; default 60000 */
    struct mst_strv ddl_path;  /* client: DDL directories; MST_DDLDIR */
    /* DESIGN's sample configuration has these two server sections. */
    char *authorization_policy_dir;  /* server; NULL when unset */
    int authorization_default_allow; /* server; 0 = "deny" (default) */
    char *audit_file;                /* server; NULL: no audit log */
    int audit_required;              /* server; refuse when unwritable */
    int registration_interval_s;     /* server: 0 = off; default 300 */
    int registration_max_bytes;      /* server: sealed size; 256 KiB */
    char *inventory_queue;           /* client: collector queue name */
    int inventory_queue_max_length;  /* client: x-max-length; 100000 */
    int inventory_batch;             /* client: puts per transaction; 500 */
    char *inventory_db;              /* client: the store; default
                                        /var/lib/muster/inventory.db */
    int inventory_history_days; /* client: history kept; 0 = for ever; 90 */
    int inventory_known_certs;  /* client: certificates verified by an
                                   earlier run trusted from the store; 1 */
    char *discovery_method;     /* client: "broadcast" or "inventory";
                                   default inventory when the file sets
                                   inventory.db, else broadcast */
    char *web_listen;           /* client: muster web; default 127.0.0.1:8380 */
    char *web_tls_cert;         /* client: muster web's TLS certificate; NULL */
    char *web_tls_key;          /* client: its key; NULL */
    int web_confirm_all;        /* client: every call needs confirming; 0 */
};

/*
 * mst_config_load - read and validate `path` for `role`.
 * Returns MST_OK and a new config in *cfg_r (free with mst_config_free), or
 * MST_ECONFIG with "FILE:LINE: key: what is wrong" in `err`, or MST_EIO when
 * the file cannot be read.
 */
int mst_config_load(const char *path, enum mst_config_role role,
                    struct mst_config **cfg_r, struct mst_err *err);

/*
 * mst_config_defaults - a config with every default and no file, for tools
 * that run without one.  Returns MST_OK or MST_ENOMEM.
 */
int mst_config_defaults(enum mst_config_role role, struct mst_config **cfg_r,
                        struct mst_err *err);

/*
 * mst_config_set - set the key `key` (dotted, as in the file: "broker.urls")
 * allowed in `role` from `text`, converted by the key's type: strings as
 * they are, lists comma-separated, integers in decimal, times in seconds,
 * booleans "true"/"false", log levels and allow/deny by name.  The checks
 * of mst_config_load apply (not the cross-field ones).  Returns MST_OK or
 * MST_ECONFIG ("config: KEY: why"), MST_ENOMEM; `cfg` is unchanged on
 * error.
 */
int mst_config_set(struct mst_config *cfg, enum mst_config_role role,
                   const char *key, const char *text, struct mst_err *err);

/*
 * mst_config_get - the value of `key` as text mst_config_set accepts, in
 * `buf` of `size` bytes (cut to fit).  Returns the length of the whole text
 * or MST_ECONFIG for an unknown key or a section.
 */
int mst_config_get(const struct mst_config *cfg, const char *key, char *buf,
                   size_t size, struct mst_err *err);

/* One key of the schema, for tools that document or check it. */
struct mst_config_key {
    const char *key;  /* dotted, as in the file: "broker.urls" */
    const char *type; /* "string", "list of strings", "integer", "seconds",
                         "boolean", "log level", "allow or deny" */
    int server;       /* allowed in server.cfg */
    int client;       /* allowed in client.cfg */
};

/*
 * mst_config_keys - call `fn` for every key of the schema (not the
 * sections themselves), in the schema's order.  The man page muster.cfg(5)
 * is checked against this list by a test (man/check_cfg_keys.py), so the
 * page cannot drift from the code.
 */
void mst_config_keys(void (*fn)(void *ud, const struct mst_config_key *k),
                     void *ud);

/* mst_config_free - release `*cfg` and set it to NULL.  NULL is fine. */
void mst_config_free(struct mst_config **cfg);

#endif
