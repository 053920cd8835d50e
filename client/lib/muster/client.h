/*
 * <muster/client.h> - libmusterclient, the public C API of the muster client:
 * configuration, calls to many nodes with their replies and statistics,
 * pipelined send/poll, discovery and rollouts, filters, agent DDLs and the
 * site CA.  The `muster` command is written on this API alone; site tools
 * (cron jobs, consoles, orchestration) get the same behaviour by linking it:
 *
 *     cc tool.c $(pkg-config --cflags --libs muster-client)
 *
 * docs/client-api.md explains the lifecycle with a complete example.
 *
 * Conventions, true of every declaration below unless it says otherwise:
 *
 *  - Names start with `muster_` / `MUSTER_`.  Functions that can fail
 *    return 0 or a negative enum muster_result code and, when `err` is not
 *    NULL, fill it with the code and one human sentence.  A function that
 *    takes a callback and fails before sending never calls it.
 *  - Handles (struct muster_config, _client, _list, _filter, _ddl) are
 *    opaque; each has a constructor and a muster_X_free(&p) that releases
 *    it, sets p to NULL and accepts NULL.  Plain structs (_request,
 *    _handlers, _reply, _stats, _rollout, _count, _cert_request) are
 *    filled by the caller or by the library as each says.
 *  - Strings and JSON passed in are borrowed for the call; pointers handed
 *    out are borrowed from their handle unless the declaration says "the
 *    caller owns".  JSON values are jansson's (json_decref what you own).
 *  - Times given to the library are int64 milliseconds; 0 means "the
 *    configured default".  Measured times are double milliseconds.
 *  - Threads: distinct handles may be used from distinct threads; one
 *    handle is never used from two threads at once.  Read-only handles
 *    (a loaded config, DDL, list or filter no longer changed) may be read
 *    by several threads.  Functions without a handle are thread-safe.
 */
#ifndef MUSTER_CLIENT_H
#define MUSTER_CLIENT_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <muster/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MUSTER_CLIENT_API __attribute__((visibility("default")))
#else
#define MUSTER_CLIENT_API
#endif

/* The API version; the soname's major number follows MAJOR. */
/*
 * Flags for json_dump*() of what the API returns: reals with 15 significant
 * digits, as people write them (1.812, where jansson's default %.17g
 * writes 1.8120000000000001); exact for every decimal of up to 15 digits.
 */
#define MUSTER_JSON_REAL JSON_REAL_PRECISION(15)

#define MUSTER_CLIENT_VERSION_MAJOR 0
#define MUSTER_CLIENT_VERSION_MINOR 1

/* ==== results and errors ==== */

/* What a function returns: 0 or one of these (same values as muster's
 * internal status codes; docs/client-api.md lists when each occurs). */
enum muster_result {
    MUSTER_SUCCESS = 0,
    MUSTER_EINVAL = -1,        /* invalid argument or text */
    MUSTER_ENOMEM = -2,        /* out of memory */
    MUSTER_EDECODE = -3,       /* malformed message */
    MUSTER_ETOOBIG = -4,       /* message too large */
    MUSTER_ETOODEEP = -5,      /* message nested too deeply */
    MUSTER_ECONFIG = -6,       /* configuration error */
    MUSTER_EIO = -7,           /* input/output error */
    MUSTER_ECONNECT = -8,      /* broker connection failed */
    MUSTER_ETIMEOUT = -9,      /* timed out */
    MUSTER_ENOTFOUND = -10,    /* not found */
    MUSTER_ESECURITY = -11,    /* security check failed */
    MUSTER_EEXPIRED = -12,     /* request expired */
    MUSTER_ENOROUTE = -13,     /* no such node */
    MUSTER_EAGENT = -14,       /* agent failure */
    MUSTER_EUNSUPPORTED = -15, /* not supported */
    MUSTER_EPROTO = -16,       /* broker protocol error */
    MUSTER_ESTOPPED = -17,     /* stopped by request */
    MUSTER_EREPLAY = -18,      /* request replayed */
    MUSTER_EFULL = -19,        /* table full */
    MUSTER_EBUSY = -20,        /* held by another process (a lock) */
};

#define MUSTER_ERROR_LEN 256

/* The details of a failure.  Plain data, filled by the library. */
struct muster_error {
    int code;                       /* an enum muster_result value */
    char message[MUSTER_ERROR_LEN]; /* one sentence, never empty if set */
};

/*
 * muster_strerror - a short static description of a result code.
 *   code  [in] an enum muster_result value.
 * Returns: never NULL; "unknown status" for unknown codes.
 * Threads: safe.
 */
MUSTER_CLIENT_API const char *muster_strerror(int code);

/*
 * muster_rpc_status_text - "OK", "Aborted", ... for an RPC status (enum
 * muster_status, as a node answers).
 *   status [in] 0 .. 5; others give "Unknown status".
 * Returns: a static string.  Threads: safe.
 */
MUSTER_CLIENT_API const char *muster_rpc_status_text(int status);

/* ==== configuration (client.cfg, docs/configuration.md) ==== */

struct muster_config;

/*
 * muster_config_load - read and check a client configuration file.
 *   path  [in]  the file, or NULL to look in order at $MUSTER_CONFIG,
 *               ~/.config/muster/client.cfg, then SYSCONFDIR/muster/
 *               client.cfg (the first that exists is read).
 *   cfg_r [out] the configuration on success.
 *   err   [out] may be NULL.
 * Returns: 0; MUSTER_ENOTFOUND (path NULL and no file found);
 *   MUSTER_EIO (cannot read); MUSTER_ECONFIG ("FILE:LINE: key: why");
 *   MUSTER_ENOMEM.
 * Ownership: the caller owns *cfg_r; muster_config_free().
 */
MUSTER_CLIENT_API int muster_config_load(const char *path,
                                         struct muster_config **cfg_r,
                                         struct muster_error *err);

/*
 * muster_config_new - a configuration holding every default and no file,
 * to be completed with muster_config_set().
 *   cfg_r [out] the configuration on success.
 *   err   [out] may be NULL.
 * Returns: 0 or MUSTER_ENOMEM.
 * Ownership: the caller owns *cfg_r; muster_config_free().
 */
MUSTER_CLIENT_API int muster_config_new(struct muster_config **cfg_r,
                                        struct muster_error *err);

/*
 * muster_config_set - set one client key as a person writes it: `key` is
 * the dotted name from client.cfg ("identity", "broker.urls", "ttl",
 * "security.provider", ...); `value` is text converted by the key's type:
 * strings as they are, lists as comma-separated items ("a,b"), integers
 * in decimal, times in seconds ("2", "0.5"), booleans "true"/"false".
 * The same checks as in a file apply.
 *   cfg   [in,out] the configuration; not while a client uses it.
 *   key   [in]     the key.
 *   value [in]     its new value.
 *   err   [out]    may be NULL.
 * Returns: 0; MUSTER_ECONFIG (unknown key, server-only key, bad value:
 *   "config: KEY: why"); MUSTER_ENOMEM.  On failure cfg is unchanged.
 * Threads: not while another thread reads cfg.
 */
MUSTER_CLIENT_API int muster_config_set(struct muster_config *cfg,
                                        const char *key, const char *value,
                                        struct muster_error *err);

/*
 * muster_config_get - the value of one client key, as text in the form
 * muster_config_set() accepts (unset strings give "").
 *   cfg    [in]  the configuration.
 *   key    [in]  a key, as for muster_config_set().
 *   buf    [out] the text, NUL-terminated (cut to fit `size`).
 *   size   [in]  bytes at buf.
 *   err    [out] may be NULL.
 * Returns: the length of the whole text (>= size: it was cut), or
 *   MUSTER_ECONFIG (unknown key).
 */
MUSTER_CLIENT_API int muster_config_get(const struct muster_config *cfg,
                                        const char *key, char *buf, size_t size,
                                        struct muster_error *err);

/*
 * muster_config_path - the file the configuration came from, or "" for
 * one made by muster_config_new().  Borrowed from cfg.
 */
MUSTER_CLIENT_API const char *
muster_config_path(const struct muster_config *cfg);

/* muster_config_free - release *cfg and set it to NULL.  NULL is fine.
 * Free it only after every client made from it. */
MUSTER_CLIENT_API void muster_config_free(struct muster_config **cfg);

/* ==== lists of names (nodes, agents, directories) ==== */

struct muster_list;

/*
 * muster_list_new - an empty list of strings.
 * Returns: the list (the caller owns it; muster_list_free()), or NULL when
 *   out of memory.
 */
MUSTER_CLIENT_API struct muster_list *muster_list_new(void);

/* muster_list_free - release *list and set it to NULL.  NULL is fine. */
MUSTER_CLIENT_API void muster_list_free(struct muster_list **list);

/*
 * muster_list_add - append a copy of `s`.
 * Returns: 0 or MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_list_add(struct muster_list *list, const char *s);

/* muster_list_count - how many strings `list` holds (0 for NULL). */
MUSTER_CLIENT_API size_t muster_list_count(const struct muster_list *list);

/* muster_list_get - string `i` (borrowed until the list changes), or NULL
 * when i >= count. */
MUSTER_CLIENT_API const char *muster_list_get(const struct muster_list *list,
                                              size_t i);

/*
 * muster_list_read_nodes - append node identities read from `f`, one a
 * line; blank lines and "#" comments skipped, duplicates dropped, order
 * kept.
 *   list [in,out] where they go.
 *   f    [in]     an open file (not closed).
 *   name [in]     the file's name, for messages.
 *   err  [out]    may be NULL.
 * Returns: 0; MUSTER_EINVAL ("NAME:LINE: 'x' is not a node identity");
 *   MUSTER_EIO; MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_list_read_nodes(struct muster_list *list, FILE *f,
                                             const char *name,
                                             struct muster_error *err);

/* A count written "N" or "P%" (--limit-nodes, --batch-fail); {0, 0} =
 * none. */
struct muster_count {
    size_t n;
    int percent; /* n is a percentage of a total */
};

/*
 * muster_count_parse - "N" (1 .. 1000000) or "P%" (1 .. 100).
 * Returns: 0 or MUSTER_EINVAL ("'x': expected N or P%").
 */
MUSTER_CLIENT_API int muster_count_parse(const char *text,
                                         struct muster_count *count_r,
                                         struct muster_error *err);

/* muster_count_of - the count for `total` (percentages round up). */
MUSTER_CLIENT_API size_t muster_count_of(const struct muster_count *count,
                                         size_t total);

/*
 * muster_list_limit - keep muster_count_of(limit, n) of the n strings,
 * chosen at random with `seed` (same seed and list, same choice), in their
 * original order.  A count of 0 or >= n keeps everything.
 */
MUSTER_CLIENT_API void muster_list_limit(struct muster_list *list,
                                         const struct muster_count *limit,
                                         uint64_t seed);

/* ==== filters (docs/filters.md) ==== */

struct muster_filter;

/* Kinds of filter text, as the CLI's options. */
enum muster_filter_kind {
    MUSTER_FILTER_IDENTITY, /* -I name or /regex/; several OR */
    MUSTER_FILTER_FACT,     /* -F "name OP value" */
    MUSTER_FILTER_CLASS,    /* -C class or /regex/ */
    MUSTER_FILTER_AGENT,    /* -A agent or /regex/ */
    MUSTER_FILTER_COMPOUND, /* -S "expression" */
    MUSTER_FILTER_WITH,     /* -W "fact=value class ..." */
};

/*
 * muster_filter_new - an empty filter (matches every node).
 * Returns: the filter (the caller owns it; muster_filter_free()), or NULL
 *   when out of memory.
 */
MUSTER_CLIENT_API struct muster_filter *muster_filter_new(void);

/* muster_filter_free - release *f and set it to NULL.  NULL is fine. */
MUSTER_CLIENT_API void muster_filter_free(struct muster_filter **f);

/*
 * muster_filter_add - parse one filter text of `kind` and AND it into f
 * (identities OR among themselves).  Nothing is sent: a bad filter is
 * refused here.
 * Returns: 0; MUSTER_EINVAL (the reason and the position of the error);
 *   MUSTER_ENOMEM.  On failure f is unchanged.
 */
MUSTER_CLIENT_API int muster_filter_add(struct muster_filter *f,
                                        enum muster_filter_kind kind,
                                        const char *text,
                                        struct muster_error *err);

/*
 * muster_filter_parse - AND into f the filter options written in `text` as
 * on muster's command line: "-F role=web -C apache -S 'a or b'".  Options
 * -I/--identity, -F/--with-fact, -C/--wc/--with-class, -A/--wa/
 * --with-agent, -S/--select, -W/--with/--wf, each followed by its value
 * ("-F x", "-Fx", "--with-fact=x"); words are split at blanks, '...' and
 * "..." group (no escapes).  Each value is added as muster_filter_add().
 * Returns: 0; MUSTER_EINVAL with the CLI's message ("-F x: why", "'-Q':
 *   not a filter option ...", "unclosed quote ..."); MUSTER_ENOMEM.  On
 *   failure f may hold the options before the bad one: free it.
 */
MUSTER_CLIENT_API int muster_filter_parse(struct muster_filter *f,
                                          const char *text,
                                          struct muster_error *err);

/*
 * muster_filter_identities - the exact identities in f when f holds
 * nothing else (no regex, no other kind), so that a request can be
 * addressed to them and end once they all answered; else NULL.
 * Borrowed from f until it changes.
 */
MUSTER_CLIENT_API const struct muster_list *
muster_filter_identities(const struct muster_filter *f);

/* muster_filter_json - the filter as sent (borrowed from f). */
MUSTER_CLIENT_API const json_t *
muster_filter_json(const struct muster_filter *f);

/* ==== clients and calls ==== */

struct muster_client;

/* Length of a request id (32 hex digits) with its NUL. */
#define MUSTER_ID_LEN 33

/*
 * muster_client_new - connect to the broker named by `cfg`, set up the
 * security provider and a private reply queue.
 *   cfg  [in]  borrowed for the client's whole life.
 *   cl_r [out] the client on success.
 *   err  [out] may be NULL.
 * Returns: 0; MUSTER_ECONNECT (broker); MUSTER_ESECURITY (certificates);
 *   MUSTER_ECONFIG; MUSTER_ENOMEM.
 * Ownership: the caller owns *cl_r; muster_client_free().
 * Threads: one client is used by one thread at a time.
 */
MUSTER_CLIENT_API int muster_client_new(const struct muster_config *cfg,
                                        struct muster_client **cl_r,
                                        struct muster_error *err);

/* muster_client_free - disconnect, release *cl, set it to NULL.  NULL is
 * fine. */
MUSTER_CLIENT_API void muster_client_free(struct muster_client **cl);

/* muster_client_caller - the caller name nodes see ("cert=NAME" or
 * "user=NAME").  Borrowed from cl. */
MUSTER_CLIENT_API const char *
muster_client_caller(const struct muster_client *cl);

/*
 * What to ask and of whom.  Zero it, then set what you need; everything
 * is borrowed for the call.
 */
struct muster_request {
    const char *agent;                  /* required */
    const char *action;                 /* required */
    const json_t *data;                 /* inputs (object); NULL = {} */
    const struct muster_filter *filter; /* NULL = every node */
    const char *collective;             /* NULL = the first configured */
    const struct muster_list *nodes;    /* non-NULL: address exactly these
                                           (the filter is still sent) */
    int64_t discovery_timeout_ms;       /* broadcast: quiet time that ends
                                           it; 0 = config discovery_timeout */
    int64_t discovery_window_ms;        /* broadcast: once replies flow,
                                           this much quiet ends it; 0 =
                                           config discovery_window */
    int64_t timeout_ms;                 /* overall limit; 0 = config; also
                                           signed into the request as its
                                           deadline: no node starts it after
                                           (docs/protocol.md) */
    int64_t ttl_ms;                     /* request validity, sent rounded up
                                           to seconds; 0 = config ttl */
    size_t expected;                    /* broadcast: stop once this many
                                           answered; 0 = wait for quiet */
    void *reserved[4];                  /* zero */
};

/* A verified reply.  Everything is borrowed for the handler's call. */
struct muster_reply {
    const char *request_id;
    const char *sender; /* the node's identity */
    const char *signer; /* the verified certificate name; "" without */
    int status;         /* enum muster_status */
    const char *status_message;
    const json_t *data; /* an object, never NULL */
    int64_t time_ms;    /* the node's clock, ms since the epoch */
    double rtt_ms;      /* publish to arrival; -1 from muster_client_poll */
};

/* Callbacks for what arrives; any may be NULL.  They run on the calling
 * thread, inside muster_client_call/_rollout/_poll. */
struct muster_handlers {
    void (*reply)(void *ud, const struct muster_reply *rep);
    /* a message refused (bad signature, malformed, unknown node) */
    void (*invalid)(void *ud, const char *why);
    /* muster_client_rollout: batch `index` (from 1) of `count` starts */
    void (*batch)(void *ud, size_t index, size_t count,
                  const struct muster_list *nodes);
    void *ud;
};

/* Why collection stopped. */
enum muster_end {
    MUSTER_END_NONE = 0, /* not collected (failed before or during) */
    MUSTER_END_COMPLETE, /* every addressed or expected node answered */
    MUSTER_END_WINDOW,   /* broadcast: discovery window of quiet */
    MUSTER_END_QUIET,    /* broadcast: discovery timeout of quiet */
    MUSTER_END_TIMEOUT,  /* the overall limit */
};

/* muster_end_name - "complete", "discovery_window", "discovery_timeout",
 * "timeout"; "" for MUSTER_END_NONE.  Static. */
MUSTER_CLIENT_API const char *muster_end_name(enum muster_end end);

/*
 * The outcome of a call.  Zero it before the call; the library fills it;
 * release it with muster_stats_clear().  The lists are owned by the
 * stats.
 */
struct muster_stats {
    char request_id[MUSTER_ID_LEN];
    size_t responses;                      /* distinct nodes that replied */
    size_t ok;                             /* of which with status 0 */
    size_t failed;                         /* of which with another */
    size_t invalid;                        /* messages refused */
    size_t batches;                        /* rollout: batches sent */
    double elapsed_ms;                     /* publish to end of collection */
    enum muster_end ended;                 /* what ended the (last) one */
    const struct muster_list *no_response; /* addressed, did not answer */
    const struct muster_list *unknown;     /* addressed, no such node */
    const struct muster_list *unexpected;  /* answered, not addressed */
    const struct muster_list *not_reached; /* rollout stopped first */
    void *priv;                            /* the library's */
};

/* muster_stats_clear - release what the library put in *st, zero it. */
MUSTER_CLIENT_API void muster_stats_clear(struct muster_stats *st);

/*
 * muster_client_call - publish one request and collect replies until
 * every addressed node answered (or is known not to exist); for a
 * broadcast until the discovery timeout passed without a new reply (or
 * the discovery window, once replies flow, or `expected` replies came);
 * in any case until the timeout.  h->reply runs for each distinct sender.
 *   cl    [in]  the client.
 *   req   [in]  what to ask.
 *   h     [in]  may be NULL.
 *   st_r  [out] zeroed by the caller; filled even on failure.
 *   err   [out] may be NULL.
 * Returns: 0 when the request went out, whatever the nodes answered;
 *   MUSTER_EINVAL (bad request); MUSTER_ECONNECT (broker lost);
 *   MUSTER_ESECURITY (cannot sign); MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_client_call(struct muster_client *cl,
                                         const struct muster_request *req,
                                         const struct muster_handlers *h,
                                         struct muster_stats *st_r,
                                         struct muster_error *err);

/* How muster_client_rollout goes over a list of nodes. */
struct muster_rollout {
    size_t batch_size;        /* nodes per batch; 0 = all at once */
    int64_t batch_sleep_ms;   /* pause between batches */
    struct muster_count fail; /* stop once this many failed (failed
                                 status, no reply, no such node); zero =
                                 never stop */
};

/*
 * muster_client_rollout - send `req` to req->nodes (required) in batches;
 * each batch is an addressed call that must complete before the next
 * starts.  Once `ro->fail` nodes failed the rest go to st->not_reached and
 * nothing more is sent.  h->batch runs before each batch when batch_size
 * is set.  Statistics add up over the batches.
 * Returns: as muster_client_call (the first broker failure stops it);
 *   MUSTER_EINVAL without req->nodes.
 */
MUSTER_CLIENT_API int muster_client_rollout(struct muster_client *cl,
                                            const struct muster_request *req,
                                            const struct muster_rollout *ro,
                                            const struct muster_handlers *h,
                                            struct muster_stats *st_r,
                                            struct muster_error *err);

/*
 * muster_client_discover - the identities of the nodes matching
 * req->filter (agent, action, data and nodes are ignored): with the
 * configuration's discovery_method "broadcast", an rpcutil ping
 * broadcast, collected like any broadcast; with "inventory", the nodes of
 * the inventory store (inventory.db) that match, read without sending
 * anything (muster_inventory_select).
 *   nodes_r [in,out] the sorted identities are appended.
 * Returns: 0 (maybe with no node) or as muster_client_call.
 */
MUSTER_CLIENT_API int muster_client_discover(struct muster_client *cl,
                                             const struct muster_request *req,
                                             struct muster_list *nodes_r,
                                             struct muster_error *err);

/*
 * muster_client_send - publish one request and return at once, for tools
 * that keep many in flight; read replies with muster_client_poll().
 * req->timeout_ms still sets the deadline the request carries.
 *   id_r [out] the request id, to match rep->request_id.
 * Returns: 0 or as muster_client_call.
 */
MUSTER_CLIENT_API int muster_client_send(struct muster_client *cl,
                                         const struct muster_request *req,
                                         char id_r[MUSTER_ID_LEN],
                                         struct muster_error *err);

/*
 * muster_client_poll - wait up to `timeout_ms` for one message on the
 * reply queue: a verified reply to any request sent goes to h->reply
 * (rtt_ms is -1; replies are not de-duplicated), anything refused, and an
 * addressed request the broker returned ("no such node: NAME"), to
 * h->invalid.
 * Returns: 1 when a message was handled, 0 on timeout, MUSTER_ECONNECT.
 */
MUSTER_CLIENT_API int muster_client_poll(struct muster_client *cl,
                                         int64_t timeout_ms,
                                         const struct muster_handlers *h,
                                         struct muster_error *err);

/* ==== the inventory store (docs/inventory.md) ==== */

/*
 * A read-only handle on the inventory store: the SQLite file `muster
 * collect` writes.  Reading never blocks the collector.  Nodes and changes
 * are given as JSON (docs/inventory.md "Reports" has every key):
 *   node:   {"identity", "collectives", "first_seen", "last_seen",
 *            "version", "started", "uptime", "interval", "digest", "facts",
 *            "classes", "agents", "stale", "stale_since", "missed"}
 *           (times in ms since the epoch, uptime and interval in s)
 *   change: {"time", "identity", "kind", "name", "old", "new"}
 */
struct muster_inventory;

/*
 * muster_inventory_open - open the store at `path`, or (path NULL) the one
 * `cfg` names (inventory.db).
 *   cfg   [in]  may be NULL when path is given.
 *   inv_r [out] the handle on success.
 * Returns: 0; MUSTER_ENOTFOUND (no such file: run muster collect);
 *   MUSTER_ECONFIG (a schema this library does not read: too new, or
 *   older and not upgraded yet); MUSTER_EIO (not a store, unreadable);
 *   MUSTER_EINVAL; MUSTER_ENOMEM.
 * Ownership: the caller owns *inv_r; muster_inventory_close().
 * Threads: one handle is used by one thread at a time.
 */
MUSTER_CLIENT_API int muster_inventory_open(const struct muster_config *cfg,
                                            const char *path,
                                            struct muster_inventory **inv_r,
                                            struct muster_error *err);

/* muster_inventory_close - release *inv and set it to NULL.  NULL is
 * fine. */
MUSTER_CLIENT_API void muster_inventory_close(struct muster_inventory **inv);

/* Which nodes to read.  Zero it, then set what you need; borrowed. */
struct muster_inventory_query {
    const struct muster_filter *filter; /* NULL = every node; evaluated by
                                           the code the nodes run, on what
                                           each node last registered */
    int64_t unseen_since_ms;            /* non-zero: only nodes not heard
                                           from since this time (ms since
                                           the epoch): the stale ones */
    const struct muster_list *fields;   /* non-NULL: each node gets
                                           "fields": {name: value or null}
                                           for these names: a node key, a
                                           dotted fact ("os.family") or
                                           "facts.NAME" */
    void *reserved[4];                  /* zero */
};

/* Called once per node or change; the JSON is borrowed for the call.
 * Return 0 to go on, anything else to stop (the walk returns it). */
typedef int (*muster_inventory_fn)(void *ud, const json_t *item);

/*
 * muster_inventory_nodes - every node `q` selects, in identity order.
 * Returns: 0; MUSTER_EINVAL (a malformed filter); MUSTER_EIO; MUSTER_ENOMEM;
 *   or what fn returned to stop.
 */
MUSTER_CLIENT_API int muster_inventory_nodes(
    struct muster_inventory *inv, const struct muster_inventory_query *q,
    muster_inventory_fn fn, void *ud, struct muster_error *err);

/*
 * muster_inventory_changes - the history from `since_ms` (ms since the
 * epoch) on, oldest first, of the nodes q->filter selects now (q may be
 * NULL: every node; unseen_since_ms and fields are ignored).  Kinds:
 * appeared, stale, back, fact_added, fact_removed, fact_changed,
 * class_added, class_removed, agent_added, agent_removed, agent_changed.
 * Returns: as muster_inventory_nodes.
 */
MUSTER_CLIENT_API int
muster_inventory_changes(struct muster_inventory *inv,
                         const struct muster_inventory_query *q,
                         int64_t since_ms, muster_inventory_fn fn, void *ud,
                         struct muster_error *err);

/*
 * muster_inventory_node - one node by identity.
 *   node_r [out] a new object (the caller's: json_decref()).
 * Returns: 0; MUSTER_ENOTFOUND; MUSTER_EIO; MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_inventory_node(struct muster_inventory *inv,
                                            const char *identity,
                                            json_t **node_r,
                                            struct muster_error *err);

/*
 * muster_inventory_select - append the identities of the nodes `f`
 * selects (NULL: all), sorted: the node list `--dm inventory` addresses
 * (set it as muster_request.nodes).
 * Returns: as muster_inventory_nodes.
 */
MUSTER_CLIENT_API int muster_inventory_select(struct muster_inventory *inv,
                                              const struct muster_filter *f,
                                              struct muster_list *nodes_r,
                                              struct muster_error *err);

/*
 * muster_inventory_fact_names - append the distinct fact names of every
 * stored node, sorted in byte order: dotted down to the leaves, as
 * filters, --fields and the history name them ("os.family",
 * "networking.interfaces.eth0.ip"; an array is a leaf).  What `muster
 * complete facts` prints for shell completion.  Reads the names the
 * store keeps by fact shape, not the facts: its cost grows with the
 * number of distinct shapes, not of nodes.
 * Returns: 0; MUSTER_EIO; MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_inventory_fact_names(struct muster_inventory *inv,
                                                  struct muster_list *names_r,
                                                  struct muster_error *err);

/* ==== agent DDLs (docs/agents.md) ==== */

struct muster_ddl;
struct muster_ddl_action;

/*
 * muster_ddl_dirs - the directories DDLs are searched in, in order:
 * $MUSTER_DDL_PATH (colon-separated), then cfg's ddl_path.
 *   dirs_r [in,out] they are appended.
 * Returns: 0 or MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_ddl_dirs(const struct muster_config *cfg,
                                      struct muster_list *dirs_r);

/*
 * muster_ddl_find - load agent `agent`'s DDL: the first DIR/AGENT.json,
 * DIR/AGENT/AGENT.json or DIR/mcollective/agent/AGENT.json in
 * muster_ddl_dirs() that loads (else any DDL file there whose
 * metadata.name is `agent`); refused ones on the way are warnings
 * (muster_ddl_warning).
 * Returns: 0; MUSTER_ENOTFOUND (none anywhere); MUSTER_ECONFIG ("FILE:
 *   field: why"); MUSTER_EIO; MUSTER_ENOMEM.
 * Ownership: the caller owns *ddl_r (muster_ddl_free()); read-only, so
 *   threads may share it.
 */
MUSTER_CLIENT_API int muster_ddl_find(const struct muster_config *cfg,
                                      const char *agent,
                                      struct muster_ddl **ddl_r,
                                      struct muster_error *err);

/*
 * muster_ddl_list - the names of the agents with a DDL in
 * muster_ddl_dirs(), sorted, each once, appended to names_r.
 * Returns: 0 or MUSTER_ENOMEM.
 */
MUSTER_CLIENT_API int muster_ddl_list(const struct muster_config *cfg,
                                      struct muster_list *names_r);

/*
 * muster_ddl_warning - the i-th (from 0) of what the DDL loaded with but
 * muster does not fully understand: an unknown validator (that input is
 * checked by type only) or aggregate (left out), an ignored validation, a
 * refused DDL of the same name skipped on the path.  One line naming the
 * file and the field; NULL past the last.  Borrowed from the DDL.
 */
MUSTER_CLIENT_API const char *muster_ddl_warning(const struct muster_ddl *ddl,
                                                 size_t i);

/* muster_ddl_free - release *ddl and set it to NULL.  NULL is fine. */
MUSTER_CLIENT_API void muster_ddl_free(struct muster_ddl **ddl);

/*
 * muster_ddl_convert_ruby - turn an MCollective Ruby DDL (agent/NAME.ddl)
 * into a DDL in Choria's JSON schema, without running Ruby: only the
 * declarative subset DDLs are written in is read (docs/agents.md
 * "Converting Ruby DDLs").
 *   text, len [in]  the Ruby (borrowed; need not end in NUL); at most 1 MiB.
 *   label     [in]  names the file in errors.
 *   json_r    [out] {"$schema", "metadata", "actions"}; the caller owns it
 *                   (json_decref).
 *   err       [out] may be NULL.
 * Returns: 0; MUSTER_ECONFIG ("LABEL:LINE: what is not understood");
 *   MUSTER_ETOOBIG; MUSTER_ETOODEEP; MUSTER_ENOMEM.
 * Threads: safe.
 */
MUSTER_CLIENT_API int muster_ddl_convert_ruby(const char *text, size_t len,
                                              const char *label,
                                              json_t **json_r,
                                              struct muster_error *err);

/* An agent's metadata; strings borrowed from the DDL ("" when absent). */
struct muster_ddl_about {
    const char *name, *description, *author, *license, *version, *url;
    const char *path;   /* the file it was loaded from */
    int64_t timeout_ms; /* metadata.timeout */
    size_t n_actions;
};

/* muster_ddl_about - fill *about_r from ddl. */
MUSTER_CLIENT_API void muster_ddl_about(const struct muster_ddl *ddl,
                                        struct muster_ddl_about *about_r);

/* muster_ddl_action - the action called `name`, or NULL; i-th (from 0)
 * with muster_ddl_action_at.  Borrowed from the DDL. */
MUSTER_CLIENT_API const struct muster_ddl_action *
muster_ddl_action(const struct muster_ddl *ddl, const char *name);
MUSTER_CLIENT_API const struct muster_ddl_action *
muster_ddl_action_at(const struct muster_ddl *ddl, size_t i);

/* Which replies a person sees by default. */
enum muster_ddl_display {
    MUSTER_DDL_DISPLAY_FAILED = 0,
    MUSTER_DDL_DISPLAY_OK,
    MUSTER_DDL_DISPLAY_ALWAYS,
};

/* An action; strings borrowed from the DDL. */
struct muster_ddl_action_about {
    const char *name, *description;
    enum muster_ddl_display display;
    const char *display_name; /* "failed", "ok", "always" */
    size_t n_inputs, n_outputs, n_aggregates;
};

/* One input of an action; borrowed from the DDL. */
struct muster_ddl_input {
    const char *name, *prompt, *description; /* "" when absent */
    const char *type;                        /* "string", "integer", ... */
    const char *validator;  /* NULL, "regex", "shellsafe", "ipv4address",...*/
    const char *validation; /* as written; NULL */
    size_t maxlength;       /* 0 = none */
    int optional, sensitive;
    const json_t *default_value; /* or NULL */
    const json_t *enum_values;   /* type "list": its strings; else NULL */
};

/* One output; borrowed from the DDL. */
struct muster_ddl_output {
    const char *name, *description, *display_as, *type;
};

/* One aggregate; borrowed from the DDL. */
struct muster_ddl_aggregate {
    const char *function; /* "summary", "average", "sum" */
    const char *output;
};

/* Fill the plain structs above: the action, its i-th input, output or
 * aggregate (from 0; i must be below the count in the action's about). */
MUSTER_CLIENT_API void
muster_ddl_action_about(const struct muster_ddl_action *act,
                        struct muster_ddl_action_about *about_r);
MUSTER_CLIENT_API void muster_ddl_input_at(const struct muster_ddl_action *act,
                                           size_t i,
                                           struct muster_ddl_input *in_r);
MUSTER_CLIENT_API void muster_ddl_output_at(const struct muster_ddl_action *act,
                                            size_t i,
                                            struct muster_ddl_output *out_r);
MUSTER_CLIENT_API void
muster_ddl_aggregate_at(const struct muster_ddl_action *act, size_t i,
                        struct muster_ddl_aggregate *ag_r);

/* muster_ddl_output_label - output `key`'s display_as, or `key` itself
 * (act may be NULL).  Borrowed. */
MUSTER_CLIENT_API const char *
muster_ddl_output_label(const struct muster_ddl_action *act, const char *key);

/*
 * muster_ddl_parse_args - the inputs of `act` from n "KEY=VALUE" texts as
 * a person types them: each converted to its input's type, then all
 * validated (defaults added) as a node will.
 *   data_r [out] a new object; the caller owns it (json_decref).
 * Returns: 0; MUSTER_EINVAL (bad value, unknown input); MUSTER_ENOTFOUND
 *   (a required input missing); err names the input.
 */
MUSTER_CLIENT_API int muster_ddl_parse_args(const struct muster_ddl_action *act,
                                            char *const *args, size_t n,
                                            json_t **data_r,
                                            struct muster_error *err);

/*
 * muster_ddl_validate - check `data` (an object) against act as a node
 * will, adding defaults (so data is modified).
 * Returns: 0; MUSTER_ENOTFOUND (required input missing); MUSTER_EINVAL.
 */
MUSTER_CLIENT_API int muster_ddl_validate(const struct muster_ddl_action *act,
                                          json_t *data,
                                          struct muster_error *err);

/*
 * muster_ddl_aggregate - act's aggregates over `datas`, an array of the
 * data objects of OK replies: an array of {"function", "output",
 * "display_as", "value", and for average/sum "count" and "text"}.
 * Returns: a new array (the caller's; empty without aggregates), or NULL
 *   when out of memory.
 */
MUSTER_CLIENT_API json_t *
muster_ddl_aggregate(const struct muster_ddl_action *act, const json_t *datas);

/* ==== text helpers for tools that take muster's options ==== */

/*
 * muster_name_valid - 1 if `s` is 1 .. max bytes of [A-Za-z0-9_.-] (agent,
 * action, collective names: max 128; node identities: max 255), else 0.
 */
MUSTER_CLIENT_API int muster_name_valid(const char *s, size_t max);

/*
 * muster_parse_seconds - a decimal number of seconds ("2", "0.5") into
 * milliseconds, at most max_ms.  Returns: 0 or MUSTER_EINVAL.
 */
MUSTER_CLIENT_API int muster_parse_seconds(const char *text, int64_t max_ms,
                                           int64_t *ms_r);

/* muster_parse_int - all of `text` as a decimal integer in [min, max].
 * Returns: 0 or MUSTER_EINVAL. */
MUSTER_CLIENT_API int muster_parse_int(const char *text, long long min,
                                       long long max, long long *v_r);

/*
 * muster_value_text - a fact or output value as text: strings as they
 * are, numbers and booleans formatted, null as "", containers as compact
 * JSON with sorted keys.  Returns: a string the caller frees (free()), or
 * NULL when out of memory.
 */
MUSTER_CLIENT_API char *muster_value_text(const json_t *v);

/* ==== the site CA (docs/security.md) ==== */

enum muster_key_type {
    MUSTER_KEY_EC,  /* ECDSA P-256, the default */
    MUSTER_KEY_RSA, /* RSA 2048 */
    MUSTER_KEY_ED25519,
};

enum muster_cert_kind {
    MUSTER_CERT_OTHER,
    MUSTER_CERT_CLIENT, /* clientAuth: a caller */
    MUSTER_CERT_SERVER, /* serverAuth (and clientAuth): a node */
};

/* muster_key_type_parse - "ec" (or "p256"), "rsa", "ed25519".
 * Returns: 0 or MUSTER_EINVAL. */
MUSTER_CLIENT_API int muster_key_type_parse(const char *text,
                                            enum muster_key_type *type_r);

/* muster_cert_kind_name - "client", "server" or "other".  Static. */
MUSTER_CLIENT_API const char *muster_cert_kind_name(enum muster_cert_kind k);

/*
 * muster_cert_init - make `dir` (0700 if new) and a self-signed site CA in
 * it (ca.pem, ca.key 0600), valid `days` (1 .. 36500).  Never overwrites.
 * Returns: 0; MUSTER_EINVAL; MUSTER_EIO (path and reason);
 *   MUSTER_ESECURITY (OpenSSL).
 */
MUSTER_CLIENT_API int muster_cert_init(const char *dir,
                                       enum muster_key_type type, int days,
                                       struct muster_error *err);

/* What muster_cert_issue makes.  Borrowed for the call. */
struct muster_cert_request {
    const char *name;           /* the CN: a node identity or caller */
    enum muster_cert_kind kind; /* CLIENT or SERVER */
    enum muster_key_type key_type;
    int days;                       /* validity, 1 .. 36500 */
    int start_days;                 /* shift of notBefore, in days (tests) */
    const struct muster_list *sans; /* server: DNS names or IPs; NULL */
};

/*
 * muster_cert_issue - DIR/NAME.key (0600) and DIR/NAME.pem signed by the
 * CA in dir.  Never overwrites.
 * Returns: 0; MUSTER_EINVAL (name, kind, days, SAN); MUSTER_EIO;
 *   MUSTER_ESECURITY.
 */
MUSTER_CLIENT_API int muster_cert_issue(const char *dir,
                                        const struct muster_cert_request *req,
                                        struct muster_error *err);

/*
 * muster_cert_show - print subject, issuer, validity, usage, key type and
 * SHA-256 fingerprint of the PEM certificate at `path` to `out`.
 * Returns: 0; MUSTER_EIO; MUSTER_ESECURITY (not a certificate).
 */
MUSTER_CLIENT_API int muster_cert_show(const char *path, FILE *out,
                                       struct muster_error *err);

/* ==== checking a setup (muster doctor, docs/doctor.md) ==== */

/* How bad a finding is. */
enum muster_finding_level {
    MUSTER_FINDING_OK = 0,  /* a check that passed */
    MUSTER_FINDING_WARNING, /* works now, needs attention (expires soon) */
    MUSTER_FINDING_ERROR,   /* something will fail */
};

/* One finding; every string is borrowed for the call of the callback. */
struct muster_finding {
    enum muster_finding_level level;
    const char *check; /* "config", "ca", "certificate", "key", "security",
                          "broker", "clock", "ddl" */
    const char *text;  /* what was found, naming the file or URL */
    const char *fix;   /* a command that fixes it; "" when none is known */
};

typedef void (*muster_finding_fn)(void *ud, const struct muster_finding *f);

/*
 * muster_doctor - check a client setup end to end and report each finding
 * to `fn`, in this order: the configuration file (syntax and every key,
 * "FILE:LINE: key: why"; nothing more is checked when it does not load),
 * the certificates with x509 (the CA loads and is in date, the
 * certificate chains to it and is a client one, the key is not open to
 * group or others, loads and matches, days until each expires: a warning
 * under 30), every broker URL on its own (it answers, TLS verified as
 * muster connects; the broker's clock against ours: an error past
 * security.skew), then the DDLs on the DDL path ($MUSTER_DDL_PATH and
 * ddl_path).  A connection to each broker is made and closed; nothing is
 * sent to any node.
 *   path [in]  the client configuration, or NULL to look for it as
 *              muster_config_load() does (not finding one is an error
 *              finding).
 *   fn   [in]  called once per finding, passed or not; may be NULL.
 *   ud   [in]  handed to fn.
 * Returns: the number of error findings (0: all is well, warnings aside).
 *   It cannot fail as a whole: what goes wrong while checking (even out
 *   of memory) is a finding.
 * Threads: safe (no handle); fn is called from the calling thread.
 */
MUSTER_CLIENT_API int muster_doctor(const char *path, muster_finding_fn fn,
                                    void *ud);

/*
 * muster_finding_format - the line muster doctor prints for `f`:
 * "LEVEL: CHECK: TEXT" and, with a fix, "; fix: FIX" (LEVEL is "ok",
 * "warning" or "error"); no newline.  musterd --check prints the same.
 *   buf, size [out] the text, NUL-terminated, cut to fit.
 * Returns: the length of the whole line (>= size: it was cut).
 */
MUSTER_CLIENT_API int muster_finding_format(const struct muster_finding *f,
                                            char *buf, size_t size);

/* ==== inventory collection (docs/inventory.md) ==== */

enum muster_collect_mode {
    MUSTER_COLLECT_DRAIN,  /* take what the collector queue holds, then
                              return (cron) */
    MUSTER_COLLECT_FOLLOW, /* consume until *stop (a service) */
    MUSTER_COLLECT_POLL,   /* ask rpcutil inventory instead (sites with
                              registration off) */
};

/* How to collect.  Borrowed for the call; zero what you do not use. */
struct muster_collect_options {
    const char *db; /* the store; NULL: inventory.db of the configuration */
    enum muster_collect_mode mode;
    volatile sig_atomic_t *stop;        /* FOLLOW: ends the run; may be NULL */
    const struct muster_filter *filter; /* POLL: which nodes; NULL = all */
    const struct muster_list *nodes;    /* POLL: address exactly these; they
                                           are also the expected set */
    /* Callbacks, any may be NULL: a message refused (never stored; one
     * line), a node stored (`full`: with its facts), a polled node that
     * did not answer. */
    void (*refused)(void *ud, const char *why);
    void (*stored)(void *ud, const char *identity, int full);
    void (*missed)(void *ud, const char *identity);
    void *ud;
    void *reserved[4];
};

/* What a collection did.  Filled by the library. */
struct muster_collect_stats {
    uint64_t received; /* registrations taken off the queue */
    uint64_t stored;   /* registrations or poll answers stored */
    uint64_t refused;  /* bad signature, wrong signer, malformed: dropped */
    uint64_t unknown;  /* "still here" for facts the store lacks: the next
                          full registration fills them in */
    uint64_t batches;  /* store transactions committed */
    uint64_t missed;   /* POLL: expected nodes that did not answer */
    uint64_t failed;   /* POLL: nodes that answered with an error */
    /* Queue: node certificates trusted from the store (verified by an
     * earlier run under the same CA: inventory.known_certs), and checked
     * in full (chain and dates) by this run; each counted once a run. */
    uint64_t certs_known;
    uint64_t certs_verified;
};

/*
 * muster_collect - fill the inventory store (one SQLite file) from the
 * collector's durable queue on C.registration, or by a poll.  Takes the
 * lock "DB.lock" first, without waiting, so overlapping runs (cron) never
 * share the store.  Nothing is acknowledged to the broker before it is
 * committed to the store: a run killed at any point loses nothing.
 *   cfg   [in]  a client configuration (inventory.queue, .batch, ...).
 *   o     [in]  what to do.
 *   st_r  [out] what was done (also on failure: so far).
 * Returns: 0 (refused or missed nodes are in st_r, not a failure);
 *   MUSTER_EBUSY (another run holds the lock; the message names it);
 *   MUSTER_EINVAL (no store path); MUSTER_ECONNECT, MUSTER_EPROTO,
 *   MUSTER_ESECURITY (broker or security set-up); the store's
 *   MUSTER_EIO, MUSTER_ECONFIG (a store from a newer muster).
 */
MUSTER_CLIENT_API int muster_collect(const struct muster_config *cfg,
                                     const struct muster_collect_options *o,
                                     struct muster_collect_stats *st_r,
                                     struct muster_error *err);

#ifdef __cplusplus
}
#endif

#endif
