/*
 * web_api.c - the console's JSON API (web_api.h).  Everything a call asks
 * is checked here as `muster rpc` checks its command line (rpc_check.c,
 * the filter parser of the library), so that a refused call gets the
 * CLI's line and nothing is sent.
 */
#include "web_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "rpc_check.h"

/* Identities as the wire allows them; agent names. */
#define IDENTITY_MAX 255
/* --batch's and --batch-sleep's limits. */
#define BATCH_MAX 1000000
#define SLEEP_MAX_S (7 * 24 * 3600)

int mst_web_api_error(json_t **doc_r, int status, const char *fmt, ...) {
    char msg[MUSTER_ERROR_LEN + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *doc_r = json_pack("{s:s}", "error", msg);
    return status;
}

int mst_web_api_session(const struct mst_web_api *api, json_t **doc_r) {
    *doc_r = json_pack("{s:s, s:b, s:b, s:s}", "token", api->token, "read_only",
                       api->read_only, "confirm_all", api->confirm_all,
                       "identity", api->identity);
    return 200;
}

static json_t *list_json(const struct muster_list *l) {
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < muster_list_count(l); i++)
        json_array_append_new(a, json_string(muster_list_get(l, i)));
    return a;
}

int mst_web_api_agents(const struct mst_web_api *api, json_t **doc_r) {
    struct muster_list *names = muster_list_new();
    if (names == NULL || muster_ddl_list(api->cfg, names) != 0) {
        muster_list_free(&names);
        return mst_web_api_error(doc_r, 500, "out of memory");
    }
    *doc_r = json_pack("{s:o}", "agents", list_json(names));
    muster_list_free(&names);
    return 200;
}

int mst_web_api_agent(const struct mst_web_api *api, const char *name,
                      json_t **doc_r) {
    if (!muster_name_valid(name, 128))
        return mst_web_api_error(doc_r, 400,
                                 "'%s': agent names are letters, digits, "
                                 "'_', '-' and '.'",
                                 name);
    struct muster_ddl *ddl = NULL;
    struct muster_error err = {0};
    int rc = mst_rpc_find_ddl(api->cfg, name, &ddl, &err);
    if (rc != 0)
        return mst_web_api_error(doc_r, rc == MUSTER_ENOTFOUND ? 404 : 500,
                                 "%s", err.message);
    struct muster_ddl_about about;
    muster_ddl_about(ddl, &about);
    json_error_t jerr;
    /* the file as written: what the page draws the form from */
    *doc_r = json_load_file(about.path, JSON_REJECT_DUPLICATES, &jerr);
    int status = 200;
    if (*doc_r == NULL)
        status = mst_web_api_error(doc_r, 500, "%s: %s", about.path, jerr.text);
    muster_ddl_free(&ddl);
    return status;
}

/* A node of the store as the page shows it: its identity and each field
 * (flat), or the whole node when no fields were asked for. */
static int add_store_node(void *ud, const json_t *item) {
    json_t *fields = json_object_get(item, "fields");
    json_t *node = fields ? json_deep_copy(fields) : json_deep_copy(item);
    if (node == NULL ||
        json_object_set(node, "identity", json_object_get(item, "identity")) ||
        json_array_append_new(ud, node))
        return MUSTER_ENOMEM;
    return 0;
}

/* The nodes of a live discovery when only their identities are asked. */
static int discover_nodes(const struct mst_web_api *api,
                          const struct muster_filter *f, json_t *nodes,
                          struct muster_error *err) {
    struct muster_client *cl = NULL;
    struct muster_list *found = muster_list_new();
    struct muster_request req = {.filter = f};
    int rc = found ? muster_client_new(api->cfg, &cl, err) : MUSTER_ENOMEM;
    if (rc == 0)
        rc = muster_client_discover(cl, &req, found, err);
    for (size_t i = 0; rc == 0 && i < muster_list_count(found); i++)
        if (json_array_append_new(nodes, json_pack("{s:s}", "identity",
                                                   muster_list_get(found, i))))
            rc = MUSTER_ENOMEM;
    muster_client_free(&cl);
    muster_list_free(&found);
    return rc;
}

/* The fact a field names on a node: "facts.NAME" is NAME, as in the
 * store; NULL for "identity", which every reply carries. */
static const char *field_fact(const char *field) {
    if (strcmp(field, "identity") == 0)
        return NULL;
    return strncmp(field, "facts.", 6) == 0 ? field + 6 : field;
}

/* rpcutil get_facts's "facts": the facts the fields name, "a,b.c"; "" for
 * none.  Returns 0, or -1 when they do not fit. */
static int facts_input(const struct muster_list *fields, char *text,
                       size_t size) {
    size_t at = 0;
    text[0] = '\0';
    for (size_t i = 0; fields != NULL && i < muster_list_count(fields); i++) {
        const char *fact = field_fact(muster_list_get(fields, i));
        int n =
            fact ? snprintf(text + at, size - at, "%s%s", at ? "," : "", fact)
                 : 0;
        if (n < 0 || (size_t)n >= size - at)
            return -1;
        at += (size_t)n;
    }
    return 0;
}

/* The replies of a live rpcutil get_facts, by sender. */
struct live {
    const struct muster_list *fields;
    json_t *by_node; /* identity: {identity, field: value or null} */
};

static void on_facts(void *ud, const struct muster_reply *rep) {
    struct live *l = ud;
    const json_t *values = json_object_get(rep->data, "values");
    json_t *node = json_pack("{s:s}", "identity", rep->sender);
    for (size_t i = 0; node && i < muster_list_count(l->fields); i++) {
        const char *field = muster_list_get(l->fields, i);
        const char *fact = field_fact(field);
        json_t *v = fact ? json_object_get(values, fact) : NULL;
        if (fact != NULL)
            json_object_set(node, field, v ? v : json_null());
    }
    if (node != NULL)
        json_object_set_new(l->by_node, rep->sender, node);
}

static int by_text(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The nodes of `by_node` appended to `nodes` in identity order. */
static int sorted_nodes(json_t *by_node, json_t *nodes) {
    size_t n = json_object_size(by_node), i = 0;
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    const char *id;
    json_t *node;
    if (ids == NULL)
        return MUSTER_ENOMEM;
    json_object_foreach(by_node, id, node) {
        ids[i++] = id;
    }
    qsort(ids, n, sizeof *ids, by_text);
    int rc = 0;
    for (i = 0; rc == 0 && i < n; i++)
        rc = json_array_append(nodes, json_object_get(by_node, ids[i]))
                 ? MUSTER_ENOMEM
                 : 0;
    free(ids);
    return rc;
}

/* The nodes of a live discovery with fact fields: one rpcutil get_facts
 * broadcast to the filter (as `muster facts` asks one), collected as a
 * discovery is: it ends once the nodes are quiet. */
static int live_fields(const struct mst_web_api *api,
                       const struct muster_filter *f,
                       const struct muster_list *fields, const char *facts,
                       json_t *nodes, struct muster_error *err) {
    struct live l = {.fields = fields, .by_node = json_object()};
    json_t *data = json_pack("{s:s}", "facts", facts);
    struct muster_request req = {
        .agent = "rpcutil", .action = "get_facts", .data = data, .filter = f};
    struct muster_handlers h = {.reply = on_facts, .ud = &l};
    struct muster_stats st = {0};
    struct muster_client *cl = NULL;
    int rc = l.by_node && data
                 ? muster_client_new(api->cfg, &cl, err)
                 : mst_rpc_error(err, MUSTER_ENOMEM, "out of memory");
    if (rc == 0)
        rc = muster_client_call(cl, &req, &h, &st, err);
    if (rc == 0 && (rc = sorted_nodes(l.by_node, nodes)) != 0)
        mst_rpc_error(err, rc, "out of memory");
    muster_stats_clear(&st);
    muster_client_free(&cl);
    json_decref(data);
    json_decref(l.by_node);
    return rc;
}

/* A live node list: identities by discovery, fact fields asked of the
 * nodes. */
static int live_nodes(const struct mst_web_api *api,
                      const struct muster_filter *f,
                      const struct muster_list *fields, json_t *nodes,
                      struct muster_error *err) {
    char facts[1024 + 1]; /* get_facts's maxlength */
    if (facts_input(fields, facts, sizeof facts) != 0)
        return mst_rpc_error(err, MUSTER_EINVAL,
                             "fields: more than %zu characters of fact names "
                             "for a live discovery",
                             sizeof facts - 1);
    return facts[0] ? live_fields(api, f, fields, facts, nodes, err)
                    : discover_nodes(api, f, nodes, err);
}

/* The nodes `f` selects, with `fields`, from the store when there is one,
 * else by a live discovery; *source_r says which. */
static int select_nodes(const struct mst_web_api *api,
                        const struct muster_filter *f,
                        const struct muster_list *fields, json_t *nodes,
                        const char **source_r, struct muster_error *err) {
    struct muster_inventory *inv = NULL;
    int rc = muster_inventory_open(api->cfg, NULL, &inv, err);
    if (rc == MUSTER_ENOTFOUND || rc == MUSTER_EINVAL) {
        *source_r = "discovery";
        return live_nodes(api, f, fields, nodes, err);
    }
    *source_r = "store";
    struct muster_inventory_query q = {.filter = f, .fields = fields};
    if (rc == 0)
        rc = muster_inventory_nodes(inv, &q, add_store_node, nodes, err);
    muster_inventory_close(&inv);
    return rc;
}

int mst_web_api_nodes(const struct mst_web_api *api, const char *filter,
                      const char *fields, json_t **doc_r) {
    struct muster_filter *f = muster_filter_new();
    struct muster_list *names = fields ? muster_list_new() : NULL;
    json_t *nodes = json_array();
    struct muster_error err = {0};
    const char *source = "";
    int status = 200;
    if (f == NULL || nodes == NULL || (fields != NULL && names == NULL))
        status = mst_web_api_error(doc_r, 500, "out of memory");
    else if (muster_filter_parse(f, filter ? filter : "", &err) != 0)
        status = mst_web_api_error(doc_r, 400, "%s", err.message);
    else if (fields != NULL && mst_cli_split_commas(fields, names) != 0)
        status = mst_web_api_error(doc_r, 400,
                                   "fields '%s': expected names separated "
                                   "by commas",
                                   fields);
    else if (select_nodes(api, f, names, nodes, &source, &err) != 0)
        status = mst_web_api_error(
            doc_r,
            err.code == MUSTER_EINVAL || err.code == MUSTER_EUNSUPPORTED ? 400
                                                                         : 503,
            "%s", err.message);
    else
        *doc_r = json_pack("{s:O, s:s}", "nodes", nodes, "source", source);
    json_decref(nodes);
    muster_list_free(&names);
    muster_filter_free(&f);
    return status;
}

/* The "nodes" of a call: identities, at least one. */
static int take_nodes(const json_t *a, struct muster_list **nodes_r,
                      json_t **doc_r) {
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return mst_web_api_error(doc_r, 400,
                                 "nodes: expected a list of node identities");
    *nodes_r = muster_list_new();
    json_array_foreach(a, i, v) {
        const char *s = json_string_value(v);
        if (s == NULL || !muster_name_valid(s, IDENTITY_MAX))
            return mst_web_api_error(
                doc_r, 400, "nodes: item %zu is not a node identity", i + 1);
        if (*nodes_r == NULL || muster_list_add(*nodes_r, s) != 0)
            return mst_web_api_error(doc_r, 500, "out of memory");
    }
    return 0;
}

/* The "filter" of a call, as muster rpc's options: addressed when it
 * names exact identities only, else a broadcast to the nodes with the
 * agent (MCollective's implicit agent filter). */
static int take_filter(const char *text, const char *agent,
                       struct muster_filter **f_r, struct muster_list **nodes_r,
                       json_t **doc_r) {
    struct muster_error err = {0};
    *f_r = muster_filter_new();
    if (*f_r == NULL)
        return mst_web_api_error(doc_r, 500, "out of memory");
    if (muster_filter_parse(*f_r, text, &err) != 0)
        return mst_web_api_error(doc_r, 400, "%s", err.message);
    const struct muster_list *ids = muster_filter_identities(*f_r);
    int rc = 0;
    if (ids != NULL) {
        *nodes_r = muster_list_new();
        rc = *nodes_r ? 0 : MUSTER_ENOMEM;
        for (size_t i = 0; rc == 0 && i < muster_list_count(ids); i++)
            rc = muster_list_add(*nodes_r, muster_list_get(ids, i));
    } else {
        rc = muster_filter_add(*f_r, MUSTER_FILTER_AGENT, agent, NULL);
    }
    return rc ? mst_web_api_error(doc_r, 500, "out of memory") : 0;
}

/* "batch": {size, sleep} as --batch and --batch-sleep. */
static int take_batch(const json_t *b, struct muster_rollout *ro,
                      json_t **doc_r) {
    if (b == NULL)
        return 0;
    const json_t *size = json_object_get(b, "size");
    const json_t *sleep = json_object_get(b, "sleep");
    if (!json_is_object(b) || !json_is_integer(size) ||
        json_integer_value(size) < 0 || json_integer_value(size) > BATCH_MAX ||
        (sleep != NULL && !json_is_null(sleep) &&
         (!json_is_number(sleep) || json_number_value(sleep) < 0 ||
          json_number_value(sleep) > SLEEP_MAX_S)))
        return mst_web_api_error(doc_r, 400,
                                 "batch: expected {\"size\": 0 to %d, "
                                 "\"sleep\": seconds}",
                                 BATCH_MAX);
    ro->batch_size = (size_t)json_integer_value(size);
    ro->batch_sleep_ms = (int64_t)(json_number_value(sleep) * 1000);
    return 0;
}

/* Whether the page's confirmation is needed: an action whose DDL shows
 * only some results ("failed", "ok") changes something, by MCollective's
 * convention (package install, service restart); "always" ones (status,
 * ping, get_fact) only read.  web.confirm_all: every action. */
static int needs_confirmation(const struct mst_web_api *api,
                              const struct muster_ddl_action *act) {
    struct muster_ddl_action_about about;
    muster_ddl_action_about(act, &about);
    return api->confirm_all || about.display != MUSTER_DDL_DISPLAY_ALWAYS;
}

/* The call in `req` checked into `spec`; 0, or the status of the refusal
 * in *doc_r. */
static int check_call(const struct mst_web_api *api, const json_t *req,
                      struct mst_web_calls_spec *spec, json_t **doc_r) {
    const char *agent = json_string_value(json_object_get(req, "agent"));
    const char *action = json_string_value(json_object_get(req, "action"));
    const json_t *filter = json_object_get(req, "filter");
    const json_t *nodes = json_object_get(req, "nodes");
    struct muster_error err = {0};
    if (agent == NULL || action == NULL)
        return mst_web_api_error(doc_r, 400,
                                 "a call needs \"agent\" and \"action\"");
    struct mst_rpc_inputs in = {.typed = 1,
                                .json = json_object_get(req, "inputs")};
    if (mst_rpc_check(api->cfg, agent, action, &in, &spec->ddl, &spec->act,
                      &spec->data, &err) != 0)
        return mst_web_api_error(doc_r, 400, "%s", err.message);
    if (needs_confirmation(api, spec->act) &&
        !json_is_true(json_object_get(req, "confirmed")))
        return mst_web_api_error(
            doc_r, 428,
            "%s %s changes state: it needs the confirmation step "
            "(\"confirmed\": true)",
            agent, action);
    if (filter != NULL && nodes != NULL)
        return mst_web_api_error(doc_r, 400,
                                 "give \"filter\" or \"nodes\", not both");
    if (filter != NULL && !json_is_string(filter))
        return mst_web_api_error(doc_r, 400,
                                 "filter: expected the filter options as "
                                 "text");
    int status = nodes ? take_nodes(nodes, &spec->nodes, doc_r)
                       : take_filter(filter ? json_string_value(filter) : "",
                                     agent, &spec->filter, &spec->nodes, doc_r);
    return status ? status
                  : take_batch(json_object_get(req, "batch"), &spec->rollout,
                               doc_r);
}

int mst_web_api_call_start(const struct mst_web_api *api, const char *body,
                           size_t len, json_t **doc_r) {
    if (api->read_only)
        return mst_web_api_error(doc_r, 403,
                                 "this console is read-only (--read-only): "
                                 "it runs no calls");
    json_error_t jerr;
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(req)) {
        json_decref(req);
        return mst_web_api_error(doc_r, 400,
                                 "the body is not a JSON object: %s",
                                 req ? "another JSON value" : jerr.text);
    }
    struct mst_web_calls_spec spec = {0};
    int status = check_call(api, req, &spec, doc_r);
    json_decref(req);
    if (status != 0) {
        mst_web_calls_spec_clear(&spec);
        return status;
    }
    char id[MST_WEB_CALLS_ID_LEN];
    struct muster_error err = {0};
    int rc = mst_web_calls_start(api->calls, &spec, id, &err);
    if (rc != 0)
        return mst_web_api_error(doc_r,
                                 rc == MUSTER_EFULL      ? 429
                                 : rc == MUSTER_ESTOPPED ? 503
                                                         : 500,
                                 "%s", err.message);
    *doc_r = json_pack("{s:s}", "id", id);
    return 202;
}

int mst_web_api_call(const struct mst_web_api *api, const char *id,
                     json_t **doc_r) {
    struct mst_web_call *call = mst_web_calls_get(api->calls, id);
    if (call == NULL)
        return mst_web_api_error(doc_r, 404,
                                 "no call %s (calls are kept "
                                 "while the console runs, the "
                                 "last 32)",
                                 id);
    *doc_r = mst_web_calls_state(api->calls, call);
    mst_web_calls_put(api->calls, &call);
    return 200;
}
