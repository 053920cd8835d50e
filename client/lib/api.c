/*
 * api.c - <muster/client.h>: the public face of libmusterclient over the
 * internal modules (client.c, discovery.c, common/).
 *
 * Handles are the internal objects themselves behind opaque types
 * (muster_config = mst_config, muster_client = mst_client, muster_list =
 * mst_strv, muster_ddl = mst_ddl, muster_ddl_action = mst_ddl_action):
 * pointers are converted, never dereferenced as the public type, so
 * nothing is copied on the way in or out.  Only muster_filter has a
 * struct of its own.  Every exported function is declared in the public
 * header; everything else in this library is hidden (meson.build:
 * gnu_symbol_visibility and client.map).
 */
#include "muster/client.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"
#include "base/finding.h"
#include "base/status.h"
#include "base/strv.h"
#include "base/util.h"
#include "client.h"
#include "collect.h"
#include "ddl/aggregate.h"
#include "ddl/ddl.h"
#include "ddl/ddlcheck.h"
#include "ddl/inputs.h"
#include "ddl/path.h"
#include "ddl/ruby.h"
#include "discovery.h"
#include "inventory.h"
#include "mst_build.h"
#include "probe.h"
#include "pull.h"
#include "security/cert.h"
#include "security/certcheck.h"
#include "store.h"
#include "targeting/facts.h"
#include "targeting/filter.h"
#include "wire/reply.h"
#include "wire/request.h"

/* The public codes are the internal ones: keep them tied. */
/* Every internal status code has its public twin of the same value
 * (MST_OK's is MUSTER_OK, 0, from <muster/status.h>). */
#define SAME_CODE(name, value, text)                                           \
    _Static_assert((int)MUSTER_##name == (int)MST_##name, "MUSTER_" #name);
MST_STATUS_MAP(SAME_CODE)
#undef SAME_CODE
_Static_assert(MUSTER_ID_LEN == MST_ID_LEN, "request id length");
_Static_assert(MUSTER_ERROR_LEN == MST_ERR_LEN, "error message length");
_Static_assert((int)MUSTER_END_TIMEOUT == (int)MST_END_TIMEOUT &&
                   (int)MUSTER_END_QUIET == (int)MST_END_QUIET &&
                   (int)MUSTER_END_WINDOW == (int)MST_END_WINDOW,
               "enum muster_end follows enum mst_call_end");
_Static_assert((int)MUSTER_FILTER_WITH == (int)MST_FILTER_WITH &&
                   (int)MUSTER_FILTER_COMPOUND == (int)MST_FILTER_COMPOUND &&
                   (int)MUSTER_FILTER_AGENT == (int)MST_FILTER_AGENT &&
                   (int)MUSTER_FILTER_CLASS == (int)MST_FILTER_CLASS &&
                   (int)MUSTER_FILTER_FACT == (int)MST_FILTER_FACT,
               "enum muster_filter_kind follows enum mst_filter_kind");
_Static_assert((int)MUSTER_DDL_DISPLAY_ALWAYS == (int)MST_DDL_DISPLAY_ALWAYS &&
                   (int)MUSTER_DDL_DISPLAY_OK == (int)MST_DDL_DISPLAY_OK,
               "enum muster_ddl_display follows enum mst_ddl_display");
_Static_assert((int)MUSTER_KEY_ED25519 == (int)MST_KEY_ED25519 &&
                   (int)MUSTER_KEY_RSA == (int)MST_KEY_RSA &&
                   (int)MUSTER_CERT_SERVER == (int)MST_CERT_SERVER &&
                   (int)MUSTER_CERT_CLIENT == (int)MST_CERT_CLIENT,
               "key types and certificate kinds follow security/cert.h");

/* ---- conversions between the public and the internal types ---- */

static struct mst_config *cfg_of(const struct muster_config *c) {
    return (struct mst_config *)(void *)c;
}

static struct mst_client *client_of(struct muster_client *cl) {
    return (struct mst_client *)(void *)cl;
}

static struct mst_strv *strv_of(const struct muster_list *l) {
    return (struct mst_strv *)(void *)l;
}

static const struct muster_list *list_of(const struct mst_strv *sv) {
    return (const struct muster_list *)(const void *)sv;
}

static const struct mst_ddl *ddl_of(const struct muster_ddl *d) {
    return (const struct mst_ddl *)(const void *)d;
}

static const struct mst_ddl_action *act_of(const struct muster_ddl_action *a) {
    return (const struct mst_ddl_action *)(const void *)a;
}

static const struct muster_ddl_action *
public_act(const struct mst_ddl_action *a) {
    return (const struct muster_ddl_action *)(const void *)a;
}

/* The internal error into the public one (same code, same text). */
static int give(int rc, const struct mst_err *in, struct muster_error *out) {
    if (out != NULL && rc != MST_OK) {
        out->code = rc;
        mst_strlcpy(out->message, in->msg[0] ? in->msg : mst_strerror(rc),
                    sizeof out->message);
    }
    return rc;
}

/* ---- results ---- */

const char *muster_strerror(int code) {
    return mst_strerror(code);
}

const char *muster_rpc_status_text(int status) {
    return mst_rpc_status_text(status);
}

/* ---- configuration ---- */

/* $MUSTER_CONFIG, ~/.config/muster/client.cfg, then SYSCONFDIR. */
static int find_config(char *buf, size_t size, struct mst_err *err) {
    const char *env = getenv("MUSTER_CONFIG");
    if (env != NULL && *env != '\0')
        return snprintf(buf, size, "%s", env) < (int)size
                   ? MST_OK
                   : mst_err_set(err, MST_EINVAL, "MUSTER_CONFIG too long");
    const char *home = getenv("HOME");
    if (home != NULL) {
        snprintf(buf, size, "%s/.config/muster/client.cfg", home);
        if (access(buf, F_OK) == 0)
            return MST_OK;
    }
    snprintf(buf, size, "%s", MST_SYSCONFDIR "/client.cfg");
    if (access(buf, F_OK) == 0)
        return MST_OK;
    return mst_err_set(err, MST_ENOTFOUND,
                       "no client configuration: set MUSTER_CONFIG (also "
                       "looked in ~/.config/muster/ and " MST_SYSCONFDIR ")");
}

int muster_config_load(const char *path, struct muster_config **cfg_r,
                       struct muster_error *err) {
    struct mst_err e = {0};
    char found[4096];
    int rc = MST_OK;
    if (path == NULL && (rc = find_config(found, sizeof found, &e)) == MST_OK)
        path = found;
    struct mst_config *cfg = NULL;
    if (rc == MST_OK)
        rc = mst_config_load(path, MST_CONFIG_CLIENT, &cfg, &e);
    if (rc == MST_OK)
        *cfg_r = (struct muster_config *)(void *)cfg;
    return give(rc, &e, err);
}

int muster_config_new(struct muster_config **cfg_r, struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_config *cfg = NULL;
    int rc = mst_config_defaults(MST_CONFIG_CLIENT, &cfg, &e);
    if (rc == MST_OK)
        *cfg_r = (struct muster_config *)(void *)cfg;
    return give(rc, &e, err);
}

int muster_config_set(struct muster_config *cfg, const char *key,
                      const char *value, struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_config_set(cfg_of(cfg), MST_CONFIG_CLIENT, key, value, &e),
                &e, err);
}

int muster_config_get(const struct muster_config *cfg, const char *key,
                      char *buf, size_t size, struct muster_error *err) {
    struct mst_err e = {0};
    int rc = mst_config_get(cfg_of(cfg), key, buf, size, &e);
    return rc < 0 ? give(rc, &e, err) : rc;
}

const char *muster_config_path(const struct muster_config *cfg) {
    const char *p = cfg_of(cfg)->path;
    return p ? p : "";
}

void muster_config_free(struct muster_config **cfg) {
    if (cfg == NULL)
        return;
    struct mst_config *c = cfg_of(*cfg);
    mst_config_free(&c);
    *cfg = NULL;
}

/* ---- lists ---- */

struct muster_list *muster_list_new(void) {
    return calloc(1, sizeof(struct mst_strv));
}

void muster_list_free(struct muster_list **list) {
    if (list == NULL || *list == NULL)
        return;
    mst_strv_free(strv_of(*list));
    free(*list);
    *list = NULL;
}

int muster_list_add(struct muster_list *list, const char *s) {
    return mst_strv_push(strv_of(list), s);
}

size_t muster_list_count(const struct muster_list *list) {
    return list ? strv_of(list)->n : 0;
}

const char *muster_list_get(const struct muster_list *list, size_t i) {
    return i < muster_list_count(list) ? strv_of(list)->v[i] : NULL;
}

int muster_list_read_nodes(struct muster_list *list, FILE *f, const char *name,
                           struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_discovery_read_nodes(f, name, strv_of(list), &e), &e, err);
}

int muster_count_parse(const char *text, struct muster_count *count_r,
                       struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_discovery_count c = {0};
    int rc = mst_discovery_count_parse(text, &c, &e);
    if (rc == MST_OK)
        *count_r = (struct muster_count){c.n, c.percent};
    return give(rc, &e, err);
}

static struct mst_discovery_count count_in(const struct muster_count *c) {
    return (struct mst_discovery_count){c->n, c->percent};
}

size_t muster_count_of(const struct muster_count *count, size_t total) {
    struct mst_discovery_count c = count_in(count);
    return mst_discovery_count_of(&c, total);
}

void muster_list_limit(struct muster_list *list,
                       const struct muster_count *limit, uint64_t seed) {
    struct mst_discovery_count c = count_in(limit);
    mst_discovery_limit(strv_of(list), &c, seed);
}

/* ---- filters ---- */

struct muster_filter {
    json_t *json;          /* as sent */
    struct mst_strv exact; /* the exact identities added, for addressing */
};

struct muster_filter *muster_filter_new(void) {
    struct muster_filter *f = calloc(1, sizeof *f);
    if (f != NULL && (f->json = json_object()) == NULL) {
        free(f);
        f = NULL;
    }
    return f;
}

void muster_filter_free(struct muster_filter **f) {
    if (f == NULL || *f == NULL)
        return;
    json_decref((*f)->json);
    mst_strv_free(&(*f)->exact);
    free(*f);
    *f = NULL;
}

int muster_filter_add(struct muster_filter *f, enum muster_filter_kind kind,
                      const char *text, struct muster_error *err) {
    struct mst_err e = {0};
    int rc = mst_filter_add(f->json, (enum mst_filter_kind)kind, text, &e);
    size_t n = strlen(text);
    int regex = n >= 2 && text[0] == '/' && text[n - 1] == '/';
    if (rc == MST_OK && kind == MUSTER_FILTER_IDENTITY && !regex &&
        mst_strv_push(&f->exact, text) != MST_OK)
        rc = mst_err_set(&e, MST_ENOMEM, "out of memory");
    return give(rc, &e, err);
}

/* The next blank-separated word of *p into `out` (room for all of *p),
 * quotes grouping; 1 with a word, 0 at the end, MUSTER_EINVAL for an
 * unclosed quote. */
static int next_word(const char **p, char *out, struct mst_err *e) {
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (*s == '\0')
        return 0;
    const char *start = s;
    while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n') {
        if (*s == '\'' || *s == '"') {
            const char *close = strchr(s + 1, *s);
            if (close == NULL)
                return mst_err_set(e, MST_EINVAL,
                                   "unclosed quote at column %zu",
                                   (size_t)(s - start) + 1);
            memcpy(out, s + 1, (size_t)(close - s - 1));
            out += close - s - 1;
            s = close + 1;
        } else {
            *out++ = *s++;
        }
    }
    *out = '\0';
    *p = s;
    return 1;
}

/* The filter kind and short letter of option `word` ("-F",
 * "--with-fact"): 1, or 0 for another word; its value
 * joined to it ("-Fx", "--with-fact=x") goes to *joined, else NULL. */
static int filter_option(const char *word, enum muster_filter_kind *kind_r,
                         char *opt_r, const char **joined) {
    static const struct {
        char opt;
        const char *longs; /* "|a|b|" */
        enum muster_filter_kind kind;
    } opts[] = {
        {'I', "|identity|", MUSTER_FILTER_IDENTITY},
        {'F', "|with-fact|", MUSTER_FILTER_FACT},
        {'C', "|wc|with-class|", MUSTER_FILTER_CLASS},
        {'A', "|wa|with-agent|", MUSTER_FILTER_AGENT},
        {'S', "|select|", MUSTER_FILTER_COMPOUND},
        {'W', "|with|wf|", MUSTER_FILTER_WITH},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (word[0] == '-' && word[1] == opts[i].opt) {
            *kind_r = opts[i].kind;
            *opt_r = opts[i].opt;
            *joined = word[2] ? word + 2 : NULL;
            return 1;
        }
        if (strncmp(word, "--", 2) != 0 || word[2] == '\0')
            continue;
        size_t n = strcspn(word + 2, "=");
        char name[24];
        if (n + 3 > sizeof name)
            continue;
        snprintf(name, sizeof name, "|%.*s|", (int)n, word + 2);
        if (strstr(opts[i].longs, name) != NULL) {
            *kind_r = opts[i].kind;
            *opt_r = opts[i].opt;
            *joined = word[2 + n] == '=' ? word + 3 + n : NULL;
            return 1;
        }
    }
    return 0;
}

/* One option and its value from *p into f. */
static int parse_filter_option(struct muster_filter *f, const char **p,
                               const char *word, char *value,
                               struct mst_err *e) {
    enum muster_filter_kind kind;
    const char *text = NULL;
    char opt = 0;
    if (!filter_option(word, &kind, &opt, &text))
        return mst_err_set(e, MST_EINVAL,
                           "'%s': not a filter option (-I, -F, -C, -A, -S, "
                           "-W)",
                           word);
    if (text == NULL) {
        int rc = next_word(p, value, e);
        if (rc <= 0)
            return rc < 0 ? rc
                          : mst_err_set(e, MST_EINVAL, "%s: no value", word);
        text = value;
    }
    struct muster_error fe = {0};
    if (muster_filter_add(f, kind, text, &fe) != 0)
        return mst_err_set(e, fe.code, "-%c %s: %s", opt, text, fe.message);
    return MST_OK;
}

int muster_filter_parse(struct muster_filter *f, const char *text,
                        struct muster_error *err) {
    struct mst_err e = {0};
    size_t n = strlen(text) + 1;
    char *word = malloc(n), *value = malloc(n);
    int rc =
        word && value ? MST_OK : mst_err_set(&e, MST_ENOMEM, "out of memory");
    const char *p = text;
    while (rc == MST_OK && (rc = next_word(&p, word, &e)) == 1)
        rc = parse_filter_option(f, &p, word, value, &e);
    free(word);
    free(value);
    return give(rc, &e, err);
}

const struct muster_list *
muster_filter_identities(const struct muster_filter *f) {
    if (f == NULL || !mst_filter_is_identity_only(f->json))
        return NULL;
    return list_of(&f->exact);
}

const json_t *muster_filter_json(const struct muster_filter *f) {
    return f->json;
}

/* ---- clients ---- */

int muster_client_new(const struct muster_config *cfg,
                      struct muster_client **cl_r, struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_client *cl = NULL;
    int rc = mst_client_new(cfg_of(cfg), &cl, &e);
    if (rc == MST_OK)
        *cl_r = (struct muster_client *)(void *)cl;
    return give(rc, &e, err);
}

void muster_client_free(struct muster_client **cl) {
    if (cl == NULL)
        return;
    struct mst_client *c = client_of(*cl);
    mst_client_free(&c);
    *cl = NULL;
}

const char *muster_client_caller(const struct muster_client *cl) {
    return mst_client_caller((const struct mst_client *)(const void *)cl);
}

const char *muster_end_name(enum muster_end end) {
    return mst_call_end_name((enum mst_call_end)end);
}

static int spec_of(const struct muster_request *r, struct mst_call_spec *s,
                   struct mst_err *e) {
    if (r->agent == NULL || r->action == NULL)
        return mst_err_set(e, MST_EINVAL,
                           "a request needs an agent and an "
                           "action");
    *s = (struct mst_call_spec){
        .agent = r->agent,
        .action = r->action,
        .data = r->data,
        .filter = r->filter ? r->filter->json : NULL,
        .collective = r->collective,
        .nodes = r->nodes ? strv_of(r->nodes) : NULL,
        .discovery_timeout_ms = r->discovery_timeout_ms,
        .discovery_window_ms = r->discovery_window_ms,
        .timeout_ms = r->timeout_ms,
        .ttl_ms = r->ttl_ms,
        .expected = r->expected,
    };
    return MST_OK;
}

/* The public handlers behind the internal callbacks. */
static void on_reply(void *ud, const struct mst_reply *rep, const char *signer,
                     int64_t rtt_us) {
    const struct muster_handlers *h = ud;
    struct muster_reply r = {
        .request_id = rep->id,
        .sender = rep->sender,
        .signer = signer,
        .status = rep->status,
        .status_message = rep->statusmsg ? rep->statusmsg : "",
        .data = rep->data,
        .time_ms = rep->time_ms,
        .rtt_ms = rtt_us < 0 ? -1.0 : (double)rtt_us / 1000.0,
    };
    if (h->reply != NULL)
        h->reply(h->ud, &r);
}

static void on_invalid(void *ud, const char *why) {
    const struct muster_handlers *h = ud;
    if (h->invalid != NULL)
        h->invalid(h->ud, why);
}

static void on_batch(void *ud, size_t index, size_t count,
                     const struct mst_strv *nodes) {
    const struct muster_handlers *h = ud;
    if (h->batch != NULL)
        h->batch(h->ud, index, count, list_of(nodes));
}

static struct mst_call_handlers handlers_of(const struct muster_handlers *h) {
    static const struct muster_handlers none = {0};
    return (struct mst_call_handlers){.reply = on_reply,
                                      .invalid = on_invalid,
                                      .batch = on_batch,
                                      .ud = (void *)(h ? h : &none)};
}

/* The public view of the internal stats, which st->priv owns. */
static void show_stats(struct muster_stats *st) {
    const struct mst_call_stats *in = st->priv;
    memcpy(st->request_id, in->request_id, sizeof st->request_id);
    st->responses = in->responses;
    st->ok = in->ok;
    st->failed = in->failed;
    st->invalid = in->invalid;
    st->batches = in->batches;
    st->elapsed_ms = (double)in->elapsed_us / 1000.0;
    st->ended = (enum muster_end)in->ended;
    st->no_response = list_of(&in->no_response);
    st->unknown = list_of(&in->unknown);
    st->unexpected = list_of(&in->unexpected);
    st->not_reached = list_of(&in->not_reached);
}

void muster_stats_clear(struct muster_stats *st) {
    if (st == NULL)
        return;
    if (st->priv != NULL)
        mst_call_stats_clear(st->priv);
    free(st->priv);
    memset(st, 0, sizeof *st);
}

/* Shared by call and rollout: `ro` NULL = one call. */
static int run(struct muster_client *cl, const struct muster_request *req,
               const struct muster_rollout *ro, const struct muster_handlers *h,
               struct muster_stats *st, struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_call_spec spec;
    int rc = spec_of(req, &spec, &e);
    if (rc == MST_OK && ro != NULL && spec.nodes == NULL)
        rc = mst_err_set(&e, MST_EINVAL, "a rollout needs a list of nodes");
    if (rc == MST_OK && st->priv == NULL &&
        (st->priv = calloc(1, sizeof(struct mst_call_stats))) == NULL)
        rc = mst_err_set(&e, MST_ENOMEM, "out of memory");
    if (rc != MST_OK)
        return give(rc, &e, err);
    struct mst_call_handlers ih = handlers_of(h);
    if (ro == NULL) {
        rc = mst_client_call(client_of(cl), &spec, &ih, st->priv, &e);
    } else {
        struct mst_discovery_rollout r = {ro->batch_size, ro->batch_sleep_ms,
                                          count_in(&ro->fail)};
        rc = mst_discovery_rollout(client_of(cl), &spec, &r, &ih, st->priv, &e);
    }
    show_stats(st);
    return give(rc, &e, err);
}

int muster_client_call(struct muster_client *cl,
                       const struct muster_request *req,
                       const struct muster_handlers *h,
                       struct muster_stats *st_r, struct muster_error *err) {
    return run(cl, req, NULL, h, st_r, err);
}

int muster_client_rollout(struct muster_client *cl,
                          const struct muster_request *req,
                          const struct muster_rollout *ro,
                          const struct muster_handlers *h,
                          struct muster_stats *st_r, struct muster_error *err) {
    return run(cl, req, ro, h, st_r, err);
}

static const json_t *filter_json(const struct muster_filter *f) {
    return f ? f->json : NULL;
}

/* The nodes of the configured store that `f` selects. */
static int discover_stored(const struct mst_config *cfg,
                           const struct muster_filter *f, struct mst_strv *sv,
                           struct mst_err *e) {
    struct mst_store *st = NULL;
    int rc = mst_store_open(cfg->inventory_db, MST_STORE_READ, &st, e);
    if (rc == MST_OK)
        rc = mst_inventory_select(st, filter_json(f), sv, e);
    mst_store_close(&st);
    return rc;
}

int muster_client_discover(struct muster_client *cl,
                           const struct muster_request *req,
                           struct muster_list *nodes_r,
                           struct muster_error *err) {
    struct mst_err e = {0};
    const struct mst_config *cfg = mst_client_config(client_of(cl));
    if (strcmp(cfg->discovery_method, "inventory") == 0)
        return give(discover_stored(cfg, req->filter, strv_of(nodes_r), &e), &e,
                    err);
    struct muster_request ping = *req;
    ping.agent = "rpcutil"; /* ignored, but spec_of wants them */
    ping.action = "ping";
    struct mst_call_spec spec;
    int rc = spec_of(&ping, &spec, &e);
    if (rc == MST_OK)
        rc = mst_discovery_run(client_of(cl), &spec, strv_of(nodes_r), &e);
    return give(rc, &e, err);
}

int muster_client_send(struct muster_client *cl,
                       const struct muster_request *req,
                       char id_r[MUSTER_ID_LEN], struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_call_spec spec;
    int rc = spec_of(req, &spec, &e);
    if (rc == MST_OK)
        rc = mst_client_send(client_of(cl), &spec, id_r, &e);
    return give(rc, &e, err);
}

int muster_client_poll(struct muster_client *cl, int64_t timeout_ms,
                       const struct muster_handlers *h,
                       struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_call_handlers ih = handlers_of(h);
    int ms = timeout_ms > INT32_MAX ? INT32_MAX
             : timeout_ms < 0       ? 0
                                    : (int)timeout_ms;
    int rc = mst_client_poll(client_of(cl), ms, &ih, &e);
    return rc < 0 ? give(rc, &e, err) : rc;
}

/* ---- DDLs ---- */

int muster_ddl_dirs(const struct muster_config *cfg,
                    struct muster_list *dirs_r) {
    struct mst_strv *dirs = strv_of(dirs_r);
    const char *env = getenv("MUSTER_DDL_PATH");
    char *copy = env ? strdup(env) : NULL;
    int rc = env != NULL && copy == NULL ? MST_ENOMEM : MST_OK;
    char *save = NULL;
    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL;
         d != NULL && rc == MST_OK; d = strtok_r(NULL, ":", &save))
        rc = mst_strv_push(dirs, d);
    free(copy);
    const struct mst_strv *conf = &cfg_of(cfg)->ddl_path;
    for (size_t i = 0; rc == MST_OK && i < conf->n; i++)
        rc = mst_strv_push(dirs, conf->v[i]);
    return rc;
}

int muster_ddl_find(const struct muster_config *cfg, const char *agent,
                    struct muster_ddl **ddl_r, struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_strv dirs = {0};
    struct mst_ddl *ddl = NULL;
    int rc = muster_ddl_dirs(cfg, (struct muster_list *)(void *)&dirs);
    if (rc == MST_OK)
        rc = mst_ddl_path_find(&dirs, agent, &ddl, &e);
    if (rc == MST_ENOTFOUND)
        mst_err_set(&e, rc,
                    "no DDL for agent %s (looked for %s.json in "
                    "the DDL directories)",
                    agent, agent);
    mst_strv_free(&dirs);
    if (rc == MST_OK)
        *ddl_r = (struct muster_ddl *)(void *)ddl;
    return give(rc, &e, err);
}

int muster_ddl_list(const struct muster_config *cfg,
                    struct muster_list *names_r) {
    struct mst_strv dirs = {0};
    int rc = muster_ddl_dirs(cfg, (struct muster_list *)(void *)&dirs);
    if (rc == MST_OK)
        rc = mst_ddl_path_list(&dirs, strv_of(names_r));
    mst_strv_free(&dirs);
    return rc;
}

const char *muster_ddl_warning(const struct muster_ddl *ddl, size_t i) {
    const struct mst_ddl *d = ddl_of(ddl);
    return i < d->warnings.n ? d->warnings.v[i] : NULL;
}

void muster_ddl_free(struct muster_ddl **ddl) {
    if (ddl == NULL)
        return;
    struct mst_ddl *d = (struct mst_ddl *)(void *)*ddl;
    mst_ddl_free(&d);
    *ddl = NULL;
}

int muster_ddl_convert_ruby(const char *text, size_t len, const char *label,
                            json_t **json_r, struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_ddl_ruby_convert(text, len, label, json_r, &e), &e, err);
}

void muster_ddl_about(const struct muster_ddl *ddl,
                      struct muster_ddl_about *about_r) {
    const struct mst_ddl *d = ddl_of(ddl);
    *about_r = (struct muster_ddl_about){
        .name = d->name,
        .description = d->description,
        .author = d->author,
        .license = d->license,
        .version = d->version,
        .url = d->url,
        .path = d->path,
        .timeout_ms = d->timeout_ms,
        .n_actions = d->n_actions,
    };
}

const struct muster_ddl_action *muster_ddl_action(const struct muster_ddl *ddl,
                                                  const char *name) {
    return public_act(mst_ddl_action(ddl_of(ddl), name));
}

const struct muster_ddl_action *
muster_ddl_action_at(const struct muster_ddl *ddl, size_t i) {
    const struct mst_ddl *d = ddl_of(ddl);
    return i < d->n_actions ? public_act(&d->actions[i]) : NULL;
}

void muster_ddl_action_about(const struct muster_ddl_action *act,
                             struct muster_ddl_action_about *about_r) {
    const struct mst_ddl_action *a = act_of(act);
    *about_r = (struct muster_ddl_action_about){
        .name = a->name,
        .description = a->description,
        .display = (enum muster_ddl_display)a->display,
        .display_name = mst_ddl_display_name(a->display),
        .n_inputs = a->n_inputs,
        .n_outputs = a->n_outputs,
        .n_aggregates = a->n_aggregates,
    };
}

static const char *validator_name(const struct mst_ddl_input *in) {
    if (in->validator == MST_DDL_V_NONE)
        return NULL;
    return in->validator == MST_DDL_V_REGEX ? "regex" : in->validation;
}

void muster_ddl_input_at(const struct muster_ddl_action *act, size_t i,
                         struct muster_ddl_input *in_r) {
    const struct mst_ddl_input *in = &act_of(act)->inputs[i];
    *in_r = (struct muster_ddl_input){
        .name = in->name,
        .prompt = in->prompt,
        .description = in->description,
        .type = mst_ddl_type_name(in->type),
        .validator = validator_name(in),
        .validation = in->validation,
        .maxlength = in->maxlength,
        .optional = in->optional,
        .sensitive = in->sensitive,
        .default_value = in->def,
        .enum_values = in->enum_values,
    };
}

void muster_ddl_output_at(const struct muster_ddl_action *act, size_t i,
                          struct muster_ddl_output *out_r) {
    const struct mst_ddl_output *o = &act_of(act)->outputs[i];
    *out_r = (struct muster_ddl_output){o->name, o->description, o->display_as,
                                        mst_ddl_type_name(o->type)};
}

void muster_ddl_aggregate_at(const struct muster_ddl_action *act, size_t i,
                             struct muster_ddl_aggregate *ag_r) {
    const struct mst_ddl_aggregate *ag = &act_of(act)->aggregates[i];
    *ag_r = (struct muster_ddl_aggregate){mst_ddl_function_name(ag->function),
                                          ag->output};
}

const char *muster_ddl_output_label(const struct muster_ddl_action *act,
                                    const char *key) {
    const struct mst_ddl_output *o =
        act ? mst_ddl_output(act_of(act), key) : NULL;
    return o ? o->display_as : key;
}

int muster_ddl_parse_args(const struct muster_ddl_action *act,
                          char *const *args, size_t n, json_t **data_r,
                          struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_ddl_inputs_parse(act_of(act), args, n, data_r, &e), &e,
                err);
}

int muster_ddl_validate(const struct muster_ddl_action *act, json_t *data,
                        struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_ddl_inputs_validate(act_of(act), data, &e), &e, err);
}

json_t *muster_ddl_aggregate(const struct muster_ddl_action *act,
                             const json_t *datas) {
    return mst_ddl_aggregate_compute(act_of(act), datas);
}

/* ---- the inventory store ---- */

static struct mst_store *store_of(struct muster_inventory *inv) {
    return (struct mst_store *)(void *)inv;
}

int muster_inventory_open(const struct muster_config *cfg, const char *path,
                          struct muster_inventory **inv_r,
                          struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_store *st = NULL;
    if (path == NULL && cfg == NULL)
        return give(mst_err_set(&e, MST_EINVAL,
                                "inventory: neither a file nor a "
                                "configuration given"),
                    &e, err);
    int rc = mst_store_open(path ? path : cfg_of(cfg)->inventory_db,
                            MST_STORE_READ, &st, &e);
    *inv_r = (struct muster_inventory *)(void *)st;
    return give(rc, &e, err);
}

void muster_inventory_close(struct muster_inventory **inv) {
    if (inv == NULL)
        return;
    struct mst_store *st = store_of(*inv);
    mst_store_close(&st);
    *inv = NULL;
}

/* The public callback under the internal one. */
struct inv_call {
    muster_inventory_fn fn;
    void *ud;
};

static int inv_item(void *ud, const json_t *item, struct mst_err *err) {
    (void)err;
    const struct inv_call *c = ud;
    return c->fn(c->ud, item);
}

static struct mst_inventory_query
query_of(const struct muster_inventory_query *q) {
    struct mst_inventory_query iq = {0};
    if (q != NULL) {
        iq.filter = filter_json(q->filter);
        iq.unseen_since_ms = q->unseen_since_ms;
        iq.fields = q->fields ? strv_of(q->fields) : NULL;
    }
    return iq;
}

int muster_inventory_nodes(struct muster_inventory *inv,
                           const struct muster_inventory_query *q,
                           muster_inventory_fn fn, void *ud,
                           struct muster_error *err) {
    struct mst_err e = {0};
    struct inv_call c = {fn, ud};
    struct mst_inventory_query iq = query_of(q);
    int rc = mst_inventory_nodes(store_of(inv), &iq, inv_item, &c, &e);
    return give(rc, &e, err);
}

int muster_inventory_changes(struct muster_inventory *inv,
                             const struct muster_inventory_query *q,
                             int64_t since_ms, muster_inventory_fn fn, void *ud,
                             struct muster_error *err) {
    struct mst_err e = {0};
    struct inv_call c = {fn, ud};
    struct mst_inventory_query iq = query_of(q);
    int rc =
        mst_inventory_changes(store_of(inv), &iq, since_ms, inv_item, &c, &e);
    return give(rc, &e, err);
}

int muster_inventory_node(struct muster_inventory *inv, const char *identity,
                          json_t **node_r, struct muster_error *err) {
    struct mst_err e = {0};
    int rc = mst_inventory_node(store_of(inv), identity, node_r, &e);
    return give(rc, &e, err);
}

int muster_inventory_select(struct muster_inventory *inv,
                            const struct muster_filter *f,
                            struct muster_list *nodes_r,
                            struct muster_error *err) {
    struct mst_err e = {0};
    int rc = mst_inventory_select(store_of(inv), filter_json(f),
                                  strv_of(nodes_r), &e);
    return give(rc, &e, err);
}

int muster_inventory_fact_names(struct muster_inventory *inv,
                                struct muster_list *names_r,
                                struct muster_error *err) {
    struct mst_err e = {0};
    int rc = mst_inventory_fact_names(store_of(inv), strv_of(names_r), &e);
    return give(rc, &e, err);
}

/* ---- text helpers ---- */

int muster_name_valid(const char *s, size_t max) {
    return mst_is_name(s, max);
}

int muster_parse_seconds(const char *text, int64_t max_ms, int64_t *ms_r) {
    return mst_parse_seconds(text, max_ms, ms_r);
}

int muster_parse_int(const char *text, long long min, long long max,
                     long long *v_r) {
    return mst_parse_int(text, min, max, v_r);
}

char *muster_value_text(const json_t *v) {
    char *text = mst_facts_value_text(v);
    return text ? text
                : json_dumps(v,
                             JSON_COMPACT | JSON_SORT_KEYS | MUSTER_JSON_REAL);
}

/* ---- the site CA ---- */

int muster_key_type_parse(const char *text, enum muster_key_type *type_r) {
    enum mst_key_type t;
    int rc = mst_cert_parse_key_type(text, &t);
    if (rc == MST_OK)
        *type_r = (enum muster_key_type)t;
    return rc;
}

const char *muster_cert_kind_name(enum muster_cert_kind k) {
    return mst_cert_kind_name((enum mst_cert_kind)k);
}

int muster_cert_init(const char *dir, enum muster_key_type type, int days,
                     struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_cert_init(dir, (enum mst_key_type)type, days, &e), &e, err);
}

int muster_cert_issue(const char *dir, const struct muster_cert_request *req,
                      struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_cert_request r = {
        .name = req->name,
        .kind = (enum mst_cert_kind)req->kind,
        .key_type = (enum mst_key_type)req->key_type,
        .days = req->days,
        .start_days = req->start_days,
        .sans = req->sans ? strv_of(req->sans) : NULL,
    };
    return give(mst_cert_issue(dir, &r, &e), &e, err);
}

int muster_cert_show(const char *path, FILE *out, struct muster_error *err) {
    struct mst_err e = {0};
    return give(mst_cert_show(path, out, &e), &e, err);
}

/* ---- doctor ---- */

_Static_assert((int)MUSTER_FINDING_ERROR == (int)MST_FINDING_ERROR &&
                   (int)MUSTER_FINDING_WARNING == (int)MST_FINDING_WARNING &&
                   (int)MUSTER_FINDING_OK == (int)MST_FINDING_OK,
               "enum muster_finding_level follows base/finding.h");

struct doctor_sink {
    muster_finding_fn fn;
    void *ud;
};

static void to_public(void *ud, const struct mst_finding *f) {
    const struct doctor_sink *sink = ud;
    struct muster_finding pub = {(enum muster_finding_level)f->level, f->check,
                                 f->text, f->fix};
    if (sink->fn != NULL)
        sink->fn(sink->ud, &pub);
}

/* The configuration as muster_config_load reads it, or NULL (reported). */
static struct mst_config *doctor_config(const char *path,
                                        struct mst_findings *fs) {
    struct mst_err e = {0};
    char found[4096];
    if (path == NULL && find_config(found, sizeof found, &e) != MST_OK) {
        mst_findings_add(fs, MST_FINDING_ERROR, "config",
                         "muster -c FILE doctor, or set MUSTER_CONFIG", "%s",
                         e.msg);
        return NULL;
    }
    path = path != NULL ? path : found;
    struct mst_config *cfg = NULL;
    if (mst_config_load(path, MST_CONFIG_CLIENT, &cfg, &e) != MST_OK) {
        char fix[4200];
        snprintf(fix, sizeof fix, "edit %s (man 5 muster.cfg lists every key)",
                 path);
        mst_findings_add(fs, MST_FINDING_ERROR, "config", fix, "%s", e.msg);
        return NULL;
    }
    mst_findings_add(fs, MST_FINDING_OK, "config", NULL,
                     "%s: every key known and valid", path);
    return cfg;
}

int muster_doctor(const char *path, muster_finding_fn fn, void *ud) {
    struct doctor_sink sink = {fn, ud};
    struct mst_findings fs = {.fn = to_public, .ud = &sink};
    struct mst_config *cfg = doctor_config(path, &fs);
    if (cfg == NULL)
        return (int)fs.errors;
    mst_certcheck_config(cfg, MST_CERT_CLIENT, &fs);
    char name[300];
    snprintf(name, sizeof name, "muster-doctor@%s", cfg->identity);
    mst_probe_brokers(cfg, name, &fs);
    struct mst_strv dirs = {0};
    if (muster_ddl_dirs((const struct muster_config *)(void *)cfg,
                        (struct muster_list *)(void *)&dirs) == MST_OK)
        mst_ddlcheck_dirs(&dirs, "the DDL path", &fs);
    else
        mst_findings_add(&fs, MST_FINDING_ERROR, "ddl", NULL,
                         "out of memory reading the DDL path");
    mst_strv_free(&dirs);
    mst_config_free(&cfg);
    return (int)fs.errors;
}

int muster_finding_format(const struct muster_finding *f, char *buf,
                          size_t size) {
    struct mst_finding in = {(enum mst_finding_level)f->level, f->check,
                             f->text, f->fix};
    return mst_finding_format(&in, buf, size);
}

/* ---- inventory collection ---- */

static void show_collect(struct muster_collect_stats *out,
                         const struct mst_collect_stats *in) {
    *out = (struct muster_collect_stats){
        .received = in->received,
        .stored = in->stored,
        .refused = in->refused,
        .unknown = in->unknown,
        .batches = in->batches,
        .missed = in->missed,
        .failed = in->failed,
        .certs_known = in->certs_known,
        .certs_verified = in->certs_verified,
    };
}

/* The store path: the option, else the configuration's. */
static const char *store_path(const struct muster_config *cfg,
                              const struct muster_collect_options *o) {
    return o->db != NULL ? o->db : cfg_of(cfg)->inventory_db;
}

static int collect_locked(const struct mst_config *c,
                          const struct muster_collect_options *o,
                          const char *db, struct mst_collect_stats *st,
                          struct mst_err *e) {
    struct mst_store *store = NULL;
    int rc = mst_store_open(db, MST_STORE_WRITE, &store, e);
    if (rc != MST_OK)
        return rc;
    struct mst_collect_handlers h = {.refused = o->refused,
                                     .stored = o->stored,
                                     .missed = o->missed,
                                     .ud = o->ud};
    if (o->mode == MUSTER_COLLECT_POLL) {
        const struct mst_strv *nodes = o->nodes ? strv_of(o->nodes) : NULL;
        rc = mst_pull_run(c, store, o->filter ? o->filter->json : NULL, nodes,
                          &h, st, e);
    } else {
        rc = mst_collect_queue(c, store, o->mode == MUSTER_COLLECT_FOLLOW,
                               o->stop, &h, st, e);
    }
    mst_store_close(&store);
    return rc;
}

int muster_collect(const struct muster_config *cfg,
                   const struct muster_collect_options *o,
                   struct muster_collect_stats *st_r,
                   struct muster_error *err) {
    struct mst_err e = {0};
    struct mst_collect_stats st = {0};
    const char *db = store_path(cfg, o);
    int fd = -1;
    int rc = db == NULL || db[0] == '\0'
                 ? mst_err_set(&e, MST_EINVAL,
                               "no inventory store: give a path "
                               "or set inventory.db")
                 : mst_collect_lock(db, &fd, &e);
    if (rc == MST_OK)
        rc = collect_locked(cfg_of(cfg), o, db, &st, &e);
    if (fd >= 0)
        close(fd);
    show_collect(st_r, &st);
    return give(rc, &e, err);
}
