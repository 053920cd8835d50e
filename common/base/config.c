/*
 * config.c - load server.cfg / client.cfg against a typed schema table.
 *
 * libconfig parses the file (syntax errors and duplicate settings are its
 * job: it rejects both with a line number).  We then walk its tree against
 * the tables below, one per section: every key the file holds must be in the
 * table, allowed in this role, of the declared type and within range.
 * Defaults come from the same tables, so docs/configuration.md, the samples
 * in conf/ and this file have one list to agree with.
 */
#include "base/config.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/status.h"
#include "base/util.h"
#include "mst_build.h"
#include "security/replay.h"

#define ROLE_SERVER (1u << MST_CONFIG_SERVER)
#define ROLE_CLIENT (1u << MST_CONFIG_CLIENT)
#define ROLE_BOTH (ROLE_SERVER | ROLE_CLIENT)

/* Identity and collective names end up in exchange names and routing keys
 * (at most 255 bytes in AMQP), with ".broadcast" appended. */
#define NAME_MAX_LEN 128

/* "broker.urls[12]" and the like. */
#define KEY_PATH_LEN 96

enum ktype {
    K_GROUP,   /* a section { ... }: `sub` is its table */
    K_STRING,  /* char * */
    K_STRV,    /* struct mst_strv, from [ "a", "b" ] or ( "a", "b" ) */
    K_INT,     /* int, in [min, max] */
    K_SECONDS, /* int64_t milliseconds from int or float seconds, [min, max] */
    K_LEVEL,   /* int log level from its name */
    K_ALLOW,   /* int 1/0 from "allow"/"deny" */
    K_BOOL,    /* int 1/0 from true/false */
};

/* A check returns NULL when `value` is fine, else why it is not. */
typedef const char *(*check_fn)(const char *value);

struct key {
    const char *name; /* NULL ends a table */
    enum ktype type;
    unsigned roles;        /* ROLE_* that may set it */
    size_t off;            /* offset of the field in struct mst_config */
    long long min, max;    /* K_INT: value; K_SECONDS: ms; K_STRV: count */
    const char *def_str;   /* K_STRING, K_STRV (one element), K_LEVEL... */
    long long def_num;     /* K_INT, K_SECONDS (ms), K_ALLOW */
    check_fn check;        /* K_STRING and each K_STRV element; or NULL */
    const struct key *sub; /* K_GROUP */
};

static const char *check_name(const char *v);
static const char *check_path(const char *v);
static const char *check_url(const char *v);
static const char *check_provider(const char *v);
static const char *check_semantics(const char *v);
static const char *check_overflow(const char *v);
static const char *check_discovery(const char *v);
static const char *check_queue(const char *v);

#define OFF(field) offsetof(struct mst_config, field)

static const struct key broker_keys[] = {
    {"urls", K_STRV, ROLE_BOTH, OFF(broker_urls), 1, INT_MAX,
     "amqp://guest:guest@127.0.0.1:5672", 0, check_url, NULL},
    {"heartbeat", K_INT, ROLE_BOTH, OFF(broker_heartbeat), 0, 3600, NULL, 30,
     NULL, NULL},
    {"prefetch", K_INT, ROLE_BOTH, OFF(broker_prefetch), 1, 10000, NULL, 32,
     NULL, NULL},
    /* The node queue: 1000 requests is minutes of work for a busy node; a
     * reply queue must hold one reply per node of the largest fleet. */
    {"queue_max_length", K_INT, ROLE_SERVER, OFF(broker_queue_max_length), 1,
     10000000, NULL, 1000, NULL, NULL},
    {"reply_queue_max_length", K_INT, ROLE_CLIENT,
     OFF(broker_reply_queue_max_length), 1, 10000000, NULL, 100000, NULL, NULL},
    {"queue_overflow", K_STRING, ROLE_BOTH, OFF(broker_queue_overflow), 0, 0,
     "drop-head", 0, check_overflow, NULL},
    {"reconnect_max", K_SECONDS, ROLE_BOTH, OFF(broker_reconnect_max_ms), 1000,
     3600 * 1000LL, NULL, 30000, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

static const struct key facts_keys[] = {
    {"files", K_STRV, ROLE_SERVER, OFF(facts_files), 0, INT_MAX, NULL, 0,
     check_path, NULL},
    {"dir", K_STRING, ROLE_SERVER, OFF(facts_dir), 0, 0, NULL, 0, check_path,
     NULL},
    {"refresh", K_SECONDS, ROLE_SERVER, OFF(facts_refresh_ms), 0,
     86400 * 1000LL, NULL, 300000, NULL, NULL},
    {"timeout", K_SECONDS, ROLE_SERVER, OFF(facts_timeout_ms), 1, 3600 * 1000LL,
     NULL, 10000, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

static const struct key agents_keys[] = {
    {"dir", K_STRING, ROLE_SERVER, OFF(agents_dir), 0, 0, MST_AGENTDIR, 0,
     check_path, NULL},
    {"max_parallel", K_INT, ROLE_SERVER, OFF(agents_max_parallel), 1, 256, NULL,
     4, NULL, NULL},
    {"max_output", K_INT, ROLE_SERVER, OFF(agents_max_output), 1024,
     64 * 1024 * 1024, NULL, 1024 * 1024, NULL, NULL},
    {"kill_grace", K_SECONDS, ROLE_SERVER, OFF(agents_kill_grace_ms), 0,
     600 * 1000LL, NULL, 5000, NULL, NULL},
    {"run_as", K_STRING, ROLE_SERVER, OFF(agents_run_as), 0, 0, "nobody", 0,
     check_name, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

static const struct key security_keys[] = {
    {"provider", K_STRING, ROLE_BOTH, OFF(security_provider), 0, 0, "x509", 0,
     check_provider, NULL},
    {"ca", K_STRING, ROLE_BOTH, OFF(security_ca), 0, 0, NULL, 0, check_path,
     NULL},
    {"cert", K_STRING, ROLE_BOTH, OFF(security_cert), 0, 0, NULL, 0, check_path,
     NULL},
    {"key", K_STRING, ROLE_BOTH, OFF(security_key), 0, 0, NULL, 0, check_path,
     NULL},
    {"skew", K_SECONDS, ROLE_BOTH, OFF(security_skew_ms), 0, 3600 * 1000LL,
     NULL, 60000, NULL, NULL},
    {"cert_cache", K_INT, ROLE_BOTH, OFF(security_cert_cache), 0, 1000000, NULL,
     0, NULL, NULL},
    {"max_ttl", K_SECONDS, ROLE_BOTH, OFF(security_max_ttl_ms), 1000,
     86400 * 1000LL, NULL, 3600 * 1000LL, NULL, NULL},
    {"replay_cache", K_INT, ROLE_SERVER, OFF(security_replay_cache),
     MST_REPLAY_MIN, MST_REPLAY_MAX, NULL, 65536, NULL, NULL},
    {"max_requests_per_s", K_INT, ROLE_SERVER, OFF(security_max_requests_per_s),
     0, 1000000, NULL, 200, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

static const struct key authorization_keys[] = {
    {"policy_dir", K_STRING, ROLE_SERVER, OFF(authorization_policy_dir), 0, 0,
     NULL, 0, check_path, NULL},
    {"default", K_ALLOW, ROLE_SERVER, OFF(authorization_default_allow), 0, 0,
     NULL, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

static const struct key audit_keys[] = {
    {"file", K_STRING, ROLE_SERVER, OFF(audit_file), 0, 0, NULL, 0, check_path,
     NULL},
    {"required", K_BOOL, ROLE_SERVER, OFF(audit_required), 0, 1, NULL, 0, NULL,
     NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

static const struct key log_keys[] = {
    {"file", K_STRING, ROLE_BOTH, OFF(log_file), 0, 0, NULL, 0, check_path,
     NULL},
    {"level", K_LEVEL, ROLE_BOTH, OFF(log_level), 0, 0, NULL, MST_LOG_INFO,
     NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

/* docs/inventory.md: 300 s spread 10,000 nodes over ~33 a second; a full
 * body of a few KB stays far below max_bytes' default. */
static const struct key registration_keys[] = {
    {"interval", K_INT, ROLE_SERVER, OFF(registration_interval_s), 0, 86400,
     NULL, 300, NULL, NULL},
    {"max_bytes", K_INT, ROLE_SERVER, OFF(registration_max_bytes), 4096,
     1024 * 1024, NULL, 256 * 1024, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

/* The inventory store (docs/inventory.md): read by reports and --dm
 * inventory, written by muster collect from its durable queue (100,000
 * registrations: a fleet of 10,000 away for three hours at the default
 * interval). */
static const struct key inventory_keys[] = {
    {"db", K_STRING, ROLE_CLIENT, OFF(inventory_db), 0, 0,
     "/var/lib/muster/inventory.db", 0, check_path, NULL},
    {"history_days", K_INT, ROLE_CLIENT, OFF(inventory_history_days), 0, 36500,
     NULL, 90, NULL, NULL},
    /* Certificates a previous run verified, kept in the store
     * (client/lib/known.c): skip their parse and chain check. */
    {"known_certs", K_BOOL, ROLE_CLIENT, OFF(inventory_known_certs), 0, 1, NULL,
     1, NULL, NULL},
    {"queue", K_STRING, ROLE_CLIENT, OFF(inventory_queue), 0, 0,
     "muster.collector", 0, check_queue, NULL},
    {"queue_max_length", K_INT, ROLE_CLIENT, OFF(inventory_queue_max_length), 1,
     10000000, NULL, 100000, NULL, NULL},
    {"batch", K_INT, ROLE_CLIENT, OFF(inventory_batch), 1, 10000, NULL, 500,
     NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

/* The client's own work on the replies it reads. */
static const struct key client_keys[] = {
    /* 0: one thread per core; 1: verify on the calling thread. */
    {"verify_threads", K_INT, ROLE_CLIENT, OFF(client_verify_threads), 0, 64,
     NULL, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

/* The web console (docs/web.md): where it listens, its TLS pair (needed
 * off loopback), and whether every action is confirmed. */
static const struct key web_keys[] = {
    {"listen", K_STRING, ROLE_CLIENT, OFF(web_listen), 0, 0, "127.0.0.1:8380",
     0, check_path, NULL},
    {"tls_cert", K_STRING, ROLE_CLIENT, OFF(web_tls_cert), 0, 0, NULL, 0,
     check_path, NULL},
    {"tls_key", K_STRING, ROLE_CLIENT, OFF(web_tls_key), 0, 0, NULL, 0,
     check_path, NULL},
    {"confirm_all", K_BOOL, ROLE_CLIENT, OFF(web_confirm_all), 0, 1, NULL, 0,
     NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

/* Sections have no field of their own; their `off` is unused. */
static const struct key top_keys[] = {
    {"identity", K_STRING, ROLE_BOTH, OFF(identity), 0, 0, NULL, 0, check_name,
     NULL},
    {"collectives", K_STRV, ROLE_BOTH, OFF(collectives), 1, INT_MAX, "muster",
     0, check_name, NULL},
    {"broker", K_GROUP, ROLE_BOTH, 0, 0, 0, NULL, 0, NULL, broker_keys},
    {"facts", K_GROUP, ROLE_SERVER, 0, 0, 0, NULL, 0, NULL, facts_keys},
    {"classes_file", K_STRING, ROLE_SERVER, OFF(classes_file), 0, 0, NULL, 0,
     check_path, NULL},
    {"filter_semantics", K_STRING, ROLE_SERVER, OFF(filter_semantics), 0, 0,
     "choria", 0, check_semantics, NULL},
    {"agents", K_GROUP, ROLE_SERVER, 0, 0, 0, NULL, 0, NULL, agents_keys},
    {"security", K_GROUP, ROLE_BOTH, 0, 0, 0, NULL, 0, NULL, security_keys},
    {"authorization", K_GROUP, ROLE_SERVER, 0, 0, 0, NULL, 0, NULL,
     authorization_keys},
    {"audit", K_GROUP, ROLE_SERVER, 0, 0, 0, NULL, 0, NULL, audit_keys},
    {"log", K_GROUP, ROLE_BOTH, 0, 0, 0, NULL, 0, NULL, log_keys},
    {"registration", K_GROUP, ROLE_SERVER, 0, 0, 0, NULL, 0, NULL,
     registration_keys},
    {"client", K_GROUP, ROLE_CLIENT, 0, 0, 0, NULL, 0, NULL, client_keys},
    {"discovery_timeout", K_SECONDS, ROLE_CLIENT, OFF(discovery_timeout_ms), 1,
     3600 * 1000LL, NULL, 2000, NULL, NULL},
    {"discovery_window", K_SECONDS, ROLE_CLIENT, OFF(discovery_window_ms), 0,
     3600 * 1000LL, NULL, 0, NULL, NULL},
    /* Once replies flow, end by their spacing (client.c, ADAPTIVE_*). */
    {"discovery_adaptive", K_BOOL, ROLE_CLIENT, OFF(discovery_adaptive), 0, 1,
     NULL, 1, NULL, NULL},
    {"timeout", K_SECONDS, ROLE_CLIENT, OFF(timeout_ms), 1, 86400 * 1000LL,
     NULL, 10000, NULL, NULL},
    {"ttl", K_SECONDS, ROLE_CLIENT, OFF(ttl_ms), 1, 86400 * 1000LL, NULL, 60000,
     NULL, NULL},
    {"ddl_path", K_STRV, ROLE_CLIENT, OFF(ddl_path), 1, INT_MAX, MST_DDLDIR, 0,
     check_path, NULL},
    {"inventory", K_GROUP, ROLE_CLIENT, 0, 0, 0, NULL, 0, NULL, inventory_keys},
    {"web", K_GROUP, ROLE_CLIENT, 0, 0, 0, NULL, 0, NULL, web_keys},
    {"discovery_method", K_STRING, ROLE_CLIENT, OFF(discovery_method), 0, 0,
     "broadcast", 0, check_discovery, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL},
};

/* ---- validators ---- */

static const char *check_name(const char *v) {
    if (!mst_is_name(v, NAME_MAX_LEN))
        return "must be 1 to 128 of A-Z a-z 0-9 _ . -";
    return NULL;
}

static const char *check_path(const char *v) {
    return v[0] == '\0' ? "must not be empty" : NULL;
}

static const char *check_provider(const char *v) {
    if (strcmp(v, "x509") != 0 && strcmp(v, "none") != 0)
        return "must be \"x509\" or \"none\"";
    return NULL;
}

/* How facts compare in filters and policies (targeting/expr.h). */
static const char *check_overflow(const char *v) {
    if (strcmp(v, "drop-head") != 0 && strcmp(v, "reject-publish") != 0)
        return "must be \"drop-head\" or \"reject-publish\"";
    return NULL;
}

/* A queue name the broker takes: "amq." names are reserved. */
static const char *check_queue(const char *v) {
    if (!mst_is_name(v, NAME_MAX_LEN) || strncmp(v, "amq.", 4) == 0)
        return "must be 1 to 128 of A-Z a-z 0-9 _ . - and not start with "
               "\"amq.\"";
    return NULL;
}

static const char *check_discovery(const char *v) {
    if (strcmp(v, "broadcast") != 0 && strcmp(v, "inventory") != 0)
        return "must be \"broadcast\" or \"inventory\"";
    return NULL;
}

static const char *check_semantics(const char *v) {
    if (strcmp(v, "choria") != 0 && strcmp(v, "mcollective") != 0)
        return "must be \"choria\" or \"mcollective\"";
    return NULL;
}

/*
 * A broker URL: amqp[s]://[user[:pass]@]host[:port][/vhost].  rabbitmq-c
 * parses it for real when connecting; here we catch what it would accept
 * but mean something else, above all the trailing "/" (the empty vhost).
 */
static const char *check_url(const char *v) {
    const char *rest;
    if (strncmp(v, "amqp://", 7) == 0)
        rest = v + 7;
    else if (strncmp(v, "amqps://", 8) == 0)
        rest = v + 8;
    else
        return "must start with amqp:// or amqps://";
    size_t auth_len = strcspn(rest, "/");
    const char *at = memrchr(rest, '@', auth_len);
    const char *host = at != NULL ? at + 1 : rest;
    size_t host_len = auth_len - (size_t)(host - rest);
    if (host_len == 0 || host[0] == ':')
        return "has no host";
    if (strcmp(rest + auth_len, "/") == 0)
        return "ends in \"/\", which selects the empty vhost: remove the "
               "\"/\" (or write \"/%2f\") for the default vhost \"/\"";
    const char *colon = memrchr(host, ':', host_len);
    const char *bracket = memrchr(host, ']', host_len);
    if (colon != NULL && (bracket == NULL || colon > bracket)) {
        const char *p = colon + 1, *end = host + host_len;
        long port = 0;
        if (p == end)
            return "has an empty port";
        for (; p < end; p++) {
            if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
                return "has a bad port (1-65535)";
        }
        if (port == 0)
            return "has a bad port (1-65535)";
    }
    return NULL;
}

/* ---- small helpers ---- */

static char **str_field(struct mst_config *c, const struct key *k) {
    return (char **)(void *)((char *)c + k->off);
}

static int *int_field(struct mst_config *c, const struct key *k) {
    return (int *)(void *)((char *)c + k->off);
}

static int64_t *ms_field(struct mst_config *c, const struct key *k) {
    return (int64_t *)(void *)((char *)c + k->off);
}

static struct mst_strv *strv_field(struct mst_config *c, const struct key *k) {
    return (struct mst_strv *)(void *)((char *)c + k->off);
}

static const char *role_name(unsigned roles) {
    return roles & ROLE_SERVER ? "server" : "client";
}

static const char *type_name(int type) {
    switch (type) {
    case CONFIG_TYPE_GROUP:
        return "a section";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a float";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_ARRAY:
        return "an array";
    case CONFIG_TYPE_LIST:
        return "a list";
    default:
        return "nothing";
    }
}

/* ---- defaults ---- */

static int set_str(char **dst, const char *value) {
    char *copy = NULL;
    if (value != NULL && (copy = strdup(value)) == NULL)
        return MST_ENOMEM;
    free(*dst);
    *dst = copy;
    return MST_OK;
}

static int apply_defaults(struct mst_config *c, const struct key *table) {
    for (const struct key *k = table; k->name != NULL; k++) {
        int rc = MST_OK;
        switch (k->type) {
        case K_GROUP:
            rc = apply_defaults(c, k->sub);
            break;
        case K_STRING:
            rc = set_str(str_field(c, k), k->def_str);
            break;
        case K_STRV:
            mst_strv_free(strv_field(c, k));
            if (k->def_str != NULL)
                rc = mst_strv_push(strv_field(c, k), k->def_str);
            break;
        case K_INT:
        case K_LEVEL:
        case K_ALLOW:
        case K_BOOL:
            *int_field(c, k) = (int)k->def_num;
            break;
        case K_SECONDS:
            *ms_field(c, k) = k->def_num;
            break;
        }
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

/* The host name, or "localhost" if the system has none worth using. */
static int default_identity(struct mst_config *c) {
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    return set_str(&c->identity, host[0] != '\0' ? host : "localhost");
}

static int new_defaults(struct mst_config **cfg_r, struct mst_err *err) {
    struct mst_config *c = calloc(1, sizeof *c);
    if (c == NULL || apply_defaults(c, top_keys) != MST_OK ||
        default_identity(c) != MST_OK) {
        mst_config_free(&c);
        return mst_err_set(err, MST_ENOMEM, "config: out of memory");
    }
    *cfg_r = c;
    return MST_OK;
}

int mst_config_defaults(enum mst_config_role role, struct mst_config **cfg_r,
                        struct mst_err *err) {
    (void)role; /* every role starts from the same defaults */
    return new_defaults(cfg_r, err);
}

void mst_config_free(struct mst_config **cfg) {
    if (cfg == NULL || *cfg == NULL)
        return;
    struct mst_config *c = *cfg;
    free(c->path);
    free(c->identity);
    mst_strv_free(&c->collectives);
    mst_strv_free(&c->broker_urls);
    mst_strv_free(&c->facts_files);
    mst_strv_free(&c->ddl_path);
    free(c->facts_dir);
    free(c->classes_file);
    free(c->filter_semantics);
    free(c->broker_queue_overflow);
    free(c->agents_dir);
    free(c->agents_run_as);
    free(c->inventory_queue);
    free(c->security_provider);
    free(c->security_ca);
    free(c->security_cert);
    free(c->security_key);
    free(c->log_file);
    free(c->authorization_policy_dir);
    free(c->audit_file);
    free(c->inventory_db);
    free(c->discovery_method);
    free(c->web_listen);
    free(c->web_tls_cert);
    free(c->web_tls_key);
    free(c);
    *cfg = NULL;
}

/* ---- walking the tree ---- */

struct walk {
    struct mst_config *cfg;
    unsigned role;      /* ROLE_SERVER or ROLE_CLIENT */
    const char *path;   /* the top file, when a setting has no file */
    const char *incdir; /* where @include looks, or NULL */
    struct mst_err *err;
};

/*
 * libconfig names a setting's file as the @include directive wrote it;
 * show it as the path that was opened, below the include directory.
 */
static const char *file_name(const char *file, const char *top,
                             const char *incdir, char *buf, size_t size) {
    if (file == NULL)
        return top;
    if (strcmp(file, top) == 0 || file[0] == '/' || incdir == NULL)
        return file;
    snprintf(buf, size, "%s/%s", incdir, file);
    return buf;
}

/*
 * Record "FILE:LINE: key: why" for setting `s` (or "FILE: key: why" when
 * there is no setting to point at, e.g. a missing section).
 */
static int bad(const struct walk *w, const config_setting_t *s, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad(const struct walk *w, const config_setting_t *s, const char *key,
               const char *fmt, ...) {
    char why[MST_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    char buf[PATH_MAX];
    const char *file = file_name(s ? config_setting_source_file(s) : NULL,
                                 w->path, w->incdir, buf, sizeof buf);
    unsigned line = s ? config_setting_source_line(s) : 0;
    if (line == 0)
        return mst_err_set(w->err, MST_ECONFIG, "%s: %s: %s", file, key, why);
    return mst_err_set(w->err, MST_ECONFIG, "%s:%u: %s: %s", file, line, key,
                       why);
}

static int walk_group(const struct walk *w, const config_setting_t *grp,
                      const struct key *table, const char *prefix);

/*
 * Report a value that failed its check.  Broker URLs may hold a password
 * and the message goes to logs, so those are not repeated.
 */
static int bad_value(const struct walk *w, const config_setting_t *s,
                     const struct key *k, const char *key, const char *v,
                     const char *why) {
    if (k->check == check_url)
        return bad(w, s, key, "the URL %s", why);
    return bad(w, s, key, "\"%s\" %s", v, why);
}

static int take_string(const struct walk *w, const config_setting_t *s,
                       const struct key *k, const char *key) {
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return bad(w, s, key, "expected a string, got %s",
                   type_name(config_setting_type(s)));
    const char *v = config_setting_get_string(s);
    const char *why = k->check ? k->check(v) : NULL;
    if (why != NULL)
        return bad_value(w, s, k, key, v, why);
    if (set_str(str_field(w->cfg, k), v) != MST_OK)
        return mst_err_set(w->err, MST_ENOMEM, "config: out of memory");
    return MST_OK;
}

/* Check one list element; `into` already holds the elements before it. */
static int take_elem(const struct walk *w, const config_setting_t *e,
                     const struct key *k, const char *key,
                     struct mst_strv *into) {
    if (config_setting_type(e) != CONFIG_TYPE_STRING)
        return bad(w, e, key, "expected a string, got %s",
                   type_name(config_setting_type(e)));
    const char *v = config_setting_get_string(e);
    const char *why = k->check ? k->check(v) : NULL;
    if (why != NULL)
        return bad_value(w, e, k, key, v, why);
    for (size_t i = 0; i < into->n; i++)
        if (strcmp(into->v[i], v) == 0)
            return bad_value(w, e, k, key, v, "is listed twice");
    if (mst_strv_push(into, v) != MST_OK)
        return mst_err_set(w->err, MST_ENOMEM, "config: out of memory");
    return MST_OK;
}

static int take_strv(const struct walk *w, const config_setting_t *s,
                     const struct key *k, const char *key) {
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
        return bad(w, s, key, "expected a list of strings [ \"...\" ], got %s",
                   type_name(type));
    int n = config_setting_length(s);
    if (n < k->min)
        return bad(w, s, key, "must not be empty");
    struct mst_strv sv = {NULL, 0};
    for (int i = 0; i < n; i++) {
        char ekey[KEY_PATH_LEN + 16];
        snprintf(ekey, sizeof ekey, "%s[%d]", key, i);
        int rc =
            take_elem(w, config_setting_get_elem(s, (unsigned)i), k, ekey, &sv);
        if (rc != MST_OK) {
            mst_strv_free(&sv);
            return rc;
        }
    }
    mst_strv_free(strv_field(w->cfg, k));
    *strv_field(w->cfg, k) = sv;
    return MST_OK;
}

static int take_int(const struct walk *w, const config_setting_t *s,
                    const struct key *k, const char *key) {
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
        return bad(w, s, key, "expected an integer, got %s", type_name(type));
    long long v = config_setting_get_int64(s);
    if (v < k->min || v > k->max)
        return bad(w, s, key, "%lld is out of range (%lld to %lld)", v, k->min,
                   k->max);
    *int_field(w->cfg, k) = (int)v;
    return MST_OK;
}

static int take_seconds(const struct walk *w, const config_setting_t *s,
                        const struct key *k, const char *key) {
    int type = config_setting_type(s);
    double secs;
    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
        secs = (double)config_setting_get_int64(s);
    else if (type == CONFIG_TYPE_FLOAT)
        secs = config_setting_get_float(s);
    else
        return bad(w, s, key, "expected a number of seconds, got %s",
                   type_name(type));
    double ms = secs * 1000.0;
    if (!(ms >= (double)k->min && ms <= (double)k->max))
        return bad(w, s, key, "%g seconds is out of range (%g to %g)", secs,
                   (double)k->min / 1000.0, (double)k->max / 1000.0);
    *ms_field(w->cfg, k) = mst_round_ms(ms);
    return MST_OK;
}

static int take_word(const struct walk *w, const config_setting_t *s,
                     const struct key *k, const char *key) {
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return bad(w, s, key, "expected a string, got %s",
                   type_name(config_setting_type(s)));
    const char *v = config_setting_get_string(s);
    int value;
    if (k->type == K_LEVEL) {
        value = mst_log_level_parse(v);
        if (value < 0)
            return bad(w, s, key,
                       "\"%s\" is not a log level (err, warning, "
                       "notice, info or debug)",
                       v);
    } else {
        value = strcmp(v, "allow") == 0 ? 1 : strcmp(v, "deny") == 0 ? 0 : -1;
        if (value < 0)
            return bad(w, s, key, "\"%s\" must be \"allow\" or \"deny\"", v);
    }
    *int_field(w->cfg, k) = value;
    return MST_OK;
}

static int take_bool(const struct walk *w, const config_setting_t *s,
                     const struct key *k, const char *key) {
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return bad(w, s, key, "expected true or false, got %s",
                   type_name(config_setting_type(s)));
    *int_field(w->cfg, k) = config_setting_get_bool(s);
    return MST_OK;
}

static int take(const struct walk *w, const config_setting_t *s,
                const struct key *k, const char *key) {
    switch (k->type) {
    case K_GROUP:
        if (config_setting_type(s) != CONFIG_TYPE_GROUP)
            return bad(w, s, key, "expected a section { ... }, got %s",
                       type_name(config_setting_type(s)));
        return walk_group(w, s, k->sub, key);
    case K_STRING:
        return take_string(w, s, k, key);
    case K_STRV:
        return take_strv(w, s, k, key);
    case K_INT:
        return take_int(w, s, k, key);
    case K_SECONDS:
        return take_seconds(w, s, k, key);
    case K_LEVEL:
    case K_ALLOW:
        return take_word(w, s, k, key);
    case K_BOOL:
        return take_bool(w, s, k, key);
    }
    return bad(w, s, key, "internal error: unknown schema type");
}

static const struct key *find_key(const struct key *table, const char *name) {
    for (const struct key *k = table; k->name != NULL; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static int walk_group(const struct walk *w, const config_setting_t *grp,
                      const struct key *table, const char *prefix) {
    int n = config_setting_length(grp);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        const char *name = config_setting_name(s);
        char key[KEY_PATH_LEN];
        if (prefix != NULL)
            snprintf(key, sizeof key, "%s.%s", prefix, name);
        else
            snprintf(key, sizeof key, "%s", name);
        const struct key *k = find_key(table, name);
        if (k == NULL)
            return bad(w, s, key, "unknown key");
        if ((k->roles & w->role) == 0)
            return bad(w, s, key, "only allowed in the %s configuration",
                       role_name(k->roles));
        int rc = take(w, s, k, key);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

/* ---- cross-field checks, after every key has been read ---- */

static int check_security(const struct walk *w, config_t *lc) {
    const struct mst_config *c = w->cfg;
    if (strcmp(c->security_provider, "x509") != 0)
        return MST_OK;
    const config_setting_t *sec = config_lookup(lc, "security");
    const char *missing = c->security_ca == NULL     ? "security.ca"
                          : c->security_cert == NULL ? "security.cert"
                          : c->security_key == NULL  ? "security.key"
                                                     : NULL;
    if (missing == NULL)
        return MST_OK;
    return bad(w, sec, missing,
               "required when security.provider is \"x509\" "
               "(the default); set it or use provider = \"none\"");
}

static int check_timeouts(const struct walk *w, config_t *lc) {
    const struct mst_config *c = w->cfg;
    if (w->role != ROLE_CLIENT || c->discovery_timeout_ms <= c->timeout_ms)
        return MST_OK;
    const config_setting_t *s = config_lookup(lc, "discovery_timeout");
    if (s == NULL)
        s = config_lookup(lc, "timeout");
    return bad(w, s, "discovery_timeout",
               "%lld ms is longer than timeout (%lld ms)",
               (long long)c->discovery_timeout_ms, (long long)c->timeout_ms);
}

/* A client whose file names a store discovers from it unless the file
 * says otherwise (docs/inventory.md "Discovery from the store"). */
static int settle_discovery(const struct walk *w, config_t *lc) {
    struct mst_config *c = w->cfg;
    if (w->role != ROLE_CLIENT || config_lookup(lc, "discovery_method") ||
        config_lookup(lc, "inventory.db") == NULL)
        return MST_OK;
    return set_str(&c->discovery_method, "inventory") == MST_OK
               ? MST_OK
               : mst_err_set(w->err, MST_ENOMEM, "config: out of memory");
}

/* ---- reading the file ---- */

/*
 * libconfig reports a duplicate setting without its name; the line it gives
 * is the one where the second name starts, so read the name back from there.
 */
static void name_at_line(const char *file, int line, char *name, size_t size) {
    name[0] = '\0';
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return;
    char buf[1024];
    for (int i = 1; i <= line && fgets(buf, sizeof buf, f) != NULL; i++) {
        if (i < line)
            continue;
        const char *p = buf + strspn(buf, " \t");
        size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                             "vwxyz0123456789_-*");
        if (n > 0 && n < size) {
            memcpy(name, p, n);
            name[n] = '\0';
        }
    }
    fclose(f);
}

static int parse_error(config_t *lc, const char *path, struct mst_err *err) {
    char buf[PATH_MAX];
    const char *file = file_name(config_error_file(lc), path,
                                 config_get_include_dir(lc), buf, sizeof buf);
    int line = config_error_line(lc);
    const char *text = config_error_text(lc) ? config_error_text(lc) : "error";
    char name[64];
    if (strcmp(text, "duplicate setting name") == 0) {
        name_at_line(file, line, name, sizeof name);
        if (name[0] != '\0')
            return mst_err_set(err, MST_ECONFIG,
                               "%s:%d: %s: duplicate setting (set only once)",
                               file, line, name);
    }
    return mst_err_set(err, MST_ECONFIG, "%s:%d: %s", file, line, text);
}

/* @include "x" is read relative to the including file's directory. */
static int set_include_dir(config_t *lc, const char *path) {
    char *dir = strdup(path);
    if (dir == NULL)
        return MST_ENOMEM;
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        config_set_include_dir(lc, dir); /* libconfig copies it */
    }
    free(dir);
    return MST_OK;
}

static int read_tree(config_t *lc, const char *path, struct mst_err *err) {
    /* Try the file ourselves first: libconfig says only "file I/O error". */
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return mst_err_set(err, MST_EIO, "%s: cannot open: %s", path,
                           strerror(errno));
    fclose(f);
    /*
     * No auto-conversion: an int where a float is expected (or the reverse)
     * must stay visible to the walk, which decides per key what is allowed.
     */
    config_set_options(lc, CONFIG_OPTION_SEMICOLON_SEPARATORS |
                               CONFIG_OPTION_COLON_ASSIGNMENT_FOR_GROUPS |
                               CONFIG_OPTION_OPEN_BRACE_ON_SEPARATE_LINE);
    if (set_include_dir(lc, path) != MST_OK)
        return mst_err_set(err, MST_ENOMEM, "config: out of memory");
    if (config_read_file(lc, path) != CONFIG_TRUE) {
        if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
            return mst_err_set(err, MST_EIO, "%s: cannot read", path);
        return parse_error(lc, path, err);
    }
    return MST_OK;
}

int mst_config_load(const char *path, enum mst_config_role role,
                    struct mst_config **cfg_r, struct mst_err *err) {
    struct mst_config *c = NULL;
    int rc = new_defaults(&c, err);
    if (rc != MST_OK)
        return rc;
    if (set_str(&c->path, path) != MST_OK) {
        mst_config_free(&c);
        return mst_err_set(err, MST_ENOMEM, "config: out of memory");
    }
    config_t lc;
    config_init(&lc);
    rc = read_tree(&lc, path, err);
    struct walk w = {c, 1u << role, path, config_get_include_dir(&lc), err};
    if (rc == MST_OK)
        rc = walk_group(&w, config_root_setting(&lc), top_keys, NULL);
    if (rc == MST_OK)
        rc = check_security(&w, &lc);
    if (rc == MST_OK)
        rc = check_timeouts(&w, &lc);
    if (rc == MST_OK)
        rc = settle_discovery(&w, &lc);
    config_destroy(&lc);
    if (rc != MST_OK) {
        mst_config_free(&c);
        return rc;
    }
    *cfg_r = c;
    return MST_OK;
}

/* ---- setting and reading one key ---- */

/* The schema entry of a dotted key ("broker.urls"), or NULL. */
static const struct key *lookup_key(const char *dotted) {
    const struct key *table = top_keys, *k = NULL;
    char part[KEY_PATH_LEN];
    for (const char *p = dotted; table != NULL;) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        k = find_key(table, part);
        if (k == NULL || p[n] == '\0')
            return k;
        table = k->type == K_GROUP ? k->sub : NULL;
        p += n + 1;
    }
    return NULL;
}

/* "a, b" into a libconfig array of strings under `parent`. */
static void add_items(config_setting_t *parent, const char *text) {
    config_setting_t *a = config_setting_add(parent, "v", CONFIG_TYPE_ARRAY);
    while (a != NULL && *text != '\0') {
        size_t n = strcspn(text, ",");
        const char *from = text, *end = text + n;
        while (from < end && *from == ' ')
            from++;
        while (end > from && end[-1] == ' ')
            end--;
        char *item = strndup(from, (size_t)(end - from));
        if (item != NULL)
            config_setting_set_string(
                config_setting_add(a, NULL, CONFIG_TYPE_STRING), item);
        free(item);
        text += n + (text[n] == ',');
    }
}

/* `text` as a libconfig setting of the type `k` reads, or NULL. */
static config_setting_t *setting_from_text(config_t *lc, const struct key *k,
                                           const char *text) {
    config_setting_t *root = config_root_setting(lc), *s = NULL;
    long long iv;
    char *end;
    double dv;
    switch (k->type) {
    case K_STRV:
        add_items(root, text);
        return config_setting_get_member(root, "v");
    case K_INT:
        if (mst_parse_int(text, LLONG_MIN, LLONG_MAX, &iv) != MST_OK)
            break;
        s = config_setting_add(root, "v", CONFIG_TYPE_INT64);
        config_setting_set_int64(s, iv);
        return s;
    case K_SECONDS:
        errno = 0;
        dv = strtod(text, &end);
        if (end == text || *end != '\0' || errno != 0)
            break;
        s = config_setting_add(root, "v", CONFIG_TYPE_FLOAT);
        config_setting_set_float(s, dv);
        return s;
    case K_BOOL:
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
            break;
        s = config_setting_add(root, "v", CONFIG_TYPE_BOOL);
        config_setting_set_bool(s, strcmp(text, "true") == 0);
        return s;
    case K_GROUP:
        break;
    default:
        s = config_setting_add(root, "v", CONFIG_TYPE_STRING);
        config_setting_set_string(s, text);
        return s;
    }
    return NULL;
}

int mst_config_set(struct mst_config *cfg, enum mst_config_role role,
                   const char *key, const char *text, struct mst_err *err) {
    const struct key *k = lookup_key(key);
    if (k == NULL || k->type == K_GROUP)
        return mst_err_set(err, MST_ECONFIG, "config: %s: unknown key", key);
    if ((k->roles & (1u << role)) == 0)
        return mst_err_set(err, MST_ECONFIG,
                           "config: %s: only allowed in the %s configuration",
                           key, role_name(k->roles));
    config_t lc;
    config_init(&lc);
    struct walk w = {cfg, 1u << role, "config", NULL, err};
    config_setting_t *s = setting_from_text(&lc, k, text);
    int rc = s != NULL ? take(&w, s, k, key)
                       : mst_err_set(err, MST_ECONFIG,
                                     "config: %s: \"%s\" is not a valid value "
                                     "of its type",
                                     key, text);
    config_destroy(&lc);
    return rc;
}

int mst_config_get(const struct mst_config *cfg, const char *key, char *buf,
                   size_t size, struct mst_err *err) {
    const struct key *k = lookup_key(key);
    if (k == NULL || k->type == K_GROUP)
        return mst_err_set(err, MST_ECONFIG, "config: %s: unknown key", key);
    struct mst_config *c = (struct mst_config *)cfg; /* read only below */
    size_t len = 0;
    const struct mst_strv *sv;
    switch (k->type) {
    case K_STRING:
        return snprintf(buf, size, "%s",
                        *str_field(c, k) ? *str_field(c, k) : "");
    case K_STRV:
        sv = strv_field(c, k);
        if (size > 0)
            buf[0] = '\0';
        for (size_t i = 0; i < sv->n; i++) {
            size_t at = len < size ? len : size;
            len += (size_t)snprintf(buf + at, size - at, "%s%s", i ? "," : "",
                                    sv->v[i]);
        }
        return (int)len;
    case K_SECONDS:
        return snprintf(buf, size, "%g", (double)*ms_field(c, k) / 1000.0);
    case K_LEVEL:
        return snprintf(buf, size, "%s", mst_log_level_name(*int_field(c, k)));
    case K_ALLOW:
        return snprintf(buf, size, "%s", *int_field(c, k) ? "allow" : "deny");
    case K_BOOL:
        return snprintf(buf, size, "%s", *int_field(c, k) ? "true" : "false");
    default:
        return snprintf(buf, size, "%d", *int_field(c, k));
    }
}

/* ---- the schema itself, for documentation ---- */

static const char *ktype_name(enum ktype t) {
    switch (t) {
    case K_STRV:
        return "list of strings";
    case K_INT:
        return "integer";
    case K_SECONDS:
        return "seconds";
    case K_LEVEL:
        return "log level";
    case K_ALLOW:
        return "allow or deny";
    case K_BOOL:
        return "boolean";
    default:
        return "string";
    }
}

static void each_key(const struct key *table, const char *prefix,
                     void (*fn)(void *ud, const struct mst_config_key *k),
                     void *ud) {
    for (const struct key *k = table; k->name != NULL; k++) {
        char dotted[KEY_PATH_LEN];
        snprintf(dotted, sizeof dotted, "%s%s%s", prefix ? prefix : "",
                 prefix ? "." : "", k->name);
        if (k->type == K_GROUP) {
            each_key(k->sub, dotted, fn, ud);
            continue;
        }
        struct mst_config_key info = {dotted, ktype_name(k->type),
                                      (k->roles & ROLE_SERVER) != 0,
                                      (k->roles & ROLE_CLIENT) != 0};
        fn(ud, &info);
    }
}

void mst_config_keys(void (*fn)(void *ud, const struct mst_config_key *k),
                     void *ud) {
    each_key(top_keys, NULL, fn, ud);
}
