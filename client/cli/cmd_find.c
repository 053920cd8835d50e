/*
 * cmd_find.c - the discovery commands: muster find, muster facts FACT,
 * muster inventory NODE (live, or --from-store).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

/* Longest node identity. */
#define IDENTITY_MAX_LEN 255

/* Every reply of a call, as {sender, status, statusmsg, data}. */
static void collect(void *ud, const struct muster_reply *rep) {
    json_array_append_new(ud, json_pack("{s:s, s:i, s:s, s:O}", "sender",
                                        rep->sender, "status", rep->status,
                                        "statusmsg", rep->status_message,
                                        "data", rep->data));
}

static size_t warn_missing(const char *label, const struct muster_list *l) {
    for (size_t i = 0; i < muster_list_count(l); i++)
        fprintf(stderr, "muster: %s: %s\n", label, muster_list_get(l, i));
    return muster_list_count(l);
}

/* Name the nodes that did not answer (and, with --dm inventory, which of
 * them the store knows: stale); 1 if there were any. */
static int missing(const struct mst_cli *cli, const struct muster_stats *st) {
    struct muster_list *stale = muster_list_new();
    if (stale != NULL)
        mst_cli_stale(cli, st, stale);
    size_t n = warn_missing("no response from", st->no_response) +
               warn_missing("no such node", st->unknown) +
               warn_missing("not reached", st->not_reached);
    warn_missing("stale (in the inventory, did not answer)", stale);
    muster_list_free(&stale);
    return n > 0;
}

/* Send `req` to the nodes the command line targets; replies in `replies`.
 * Returns MST_EXIT_GO_ON when it went out, else an exit status. */
static int gather(struct mst_cli *cli, struct muster_client *cl,
                  struct muster_request *req, json_t *replies,
                  struct muster_stats *st) {
    struct muster_list *nodes = muster_list_new();
    if (nodes == NULL)
        return mst_cli_error(MST_EXIT_USAGE, "out of memory");
    int rc = mst_cli_targets(cli, cl, req, nodes);
    struct muster_handlers h = {.reply = collect, .ud = replies};
    struct muster_error err = {0};
    if (rc == MST_EXIT_GO_ON && mst_cli_send(cli, cl, req, &h, st, &err) != 0)
        rc = mst_cli_error(MST_EXIT_BROKER, "%s", err.message);
    req->nodes = NULL; /* it pointed to `nodes` */
    muster_list_free(&nodes);
    return rc;
}

static int by_sender(const void *a, const void *b) {
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(x, "sender")),
                  json_string_value(json_object_get(y, "sender")));
}

static void sort_replies(json_t *replies) {
    size_t n = json_array_size(replies);
    json_t **v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(replies, i));
    qsort(v, n, sizeof *v, by_sender);
    json_array_clear(replies);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(replies, v[i]);
    free(v);
}

/* ---- find ---- */

int mst_cmd_find(struct mst_cli *cli) {
    if (cli->nargs != 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "find takes no arguments; try 'muster --help'");
    struct muster_request req = {.agent = "rpcutil", .action = "ping"};
    mst_cli_spec(cli, &req);
    struct muster_client *cl = mst_cli_connect(cli);
    if (cl == NULL)
        return MST_EXIT_BROKER;
    json_t *replies = json_array();
    struct muster_stats st = {0};
    int rc = gather(cli, cl, &req, replies, &st);
    if (rc == MST_EXIT_GO_ON) {
        sort_replies(replies);
        json_t *names = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(replies, i, r) {
            json_array_append(names, json_object_get(r, "sender"));
            if (!cli->json)
                printf("%s\n", json_string_value(json_object_get(r, "sender")));
        }
        if (cli->json) {
            json_dumpf(names, stdout, JSON_INDENT(2) | MUSTER_JSON_REAL);
            putchar('\n');
        }
        json_decref(names);
        rc = missing(cli, &st) || json_array_size(replies) == 0
                 ? MST_EXIT_FAILED
                 : MST_EXIT_OK;
    }
    muster_stats_clear(&st);
    json_decref(replies);
    muster_client_free(&cl);
    return rc;
}

/* ---- facts ---- */

static char *value_label(const json_t *v) {
    if (v == NULL || json_is_null(v))
        return strdup("(not set)");
    return muster_value_text(v);
}

/* { value: [nodes] } from the replies that succeeded. */
static json_t *group_values(const json_t *replies) {
    json_t *values = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(replies, i, r) {
        if (json_integer_value(json_object_get(r, "status")) != MUSTER_OK)
            continue;
        char *label =
            value_label(json_object_get(json_object_get(r, "data"), "value"));
        if (label == NULL)
            continue;
        json_t *list = json_object_get(values, label);
        if (list == NULL) {
            list = json_array();
            json_object_set_new(values, label, list);
        }
        json_array_append(list, json_object_get(r, "sender"));
        free(label);
    }
    return values;
}

static int by_text(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_values(const char *fact, json_t *values, int verbose) {
    printf("Report for fact: %s\n\n", fact);
    const char *key;
    json_t *list;
    /* jansson keeps insertion order; sort the keys for a stable report */
    size_t n = json_object_size(values), k = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    if (keys == NULL)
        return;
    json_object_foreach(values, key, list) keys[k++] = key;
    qsort(keys, n, sizeof *keys, by_text);
    for (size_t i = 0; i < n; i++) {
        list = json_object_get(values, keys[i]);
        printf("    %-40s found %zu times\n", keys[i], json_array_size(list));
        size_t j;
        json_t *node;
        json_array_foreach(list, j, node) {
            if (verbose)
                printf("        %s\n", json_string_value(node));
        }
        if (verbose)
            putchar('\n');
    }
    free(keys);
}

int mst_cmd_facts(struct mst_cli *cli) {
    if (cli->nargs != 2)
        return mst_cli_error(MST_EXIT_USAGE, "usage: muster facts FACT");
    const char *fact = cli->args[1];
    json_t *data = json_pack("{s:s}", "fact", fact);
    struct muster_request req = {
        .agent = "rpcutil", .action = "get_fact", .data = data};
    mst_cli_spec(cli, &req);
    struct muster_client *cl = mst_cli_connect(cli);
    int rc = MST_EXIT_BROKER;
    json_t *replies = json_array();
    struct muster_stats st = {0};
    if (cl != NULL)
        rc = gather(cli, cl, &req, replies, &st);
    if (rc == MST_EXIT_GO_ON) {
        sort_replies(replies);
        json_t *values = group_values(replies);
        if (cli->json) {
            json_t *doc =
                json_pack("{s:s, s:O}", "fact", fact, "values", values);
            json_dumpf(doc, stdout,
                       JSON_INDENT(2) | JSON_SORT_KEYS | MUSTER_JSON_REAL);
            putchar('\n');
            json_decref(doc);
        } else {
            print_values(fact, values, cli->verbose);
        }
        json_decref(values);
        rc = missing(cli, &st) || st.responses == 0 || st.failed > 0
                 ? MST_EXIT_FAILED
                 : MST_EXIT_OK;
    }
    muster_stats_clear(&st);
    json_decref(replies);
    json_decref(data);
    muster_client_free(&cl);
    return rc;
}

/* ---- inventory ---- */

/* Facts as "dotted.name => value" lines, nested values flattened. */
static void print_facts(const char *prefix, const json_t *v) {
    if (json_is_object(v) && json_object_size(v) > 0) {
        const char *key;
        json_t *child;
        const char **keys = malloc(json_object_size(v) * sizeof *keys);
        size_t n = 0;
        if (keys == NULL)
            return;
        json_object_foreach((json_t *)v, key, child) keys[n++] = key;
        qsort(keys, n, sizeof *keys, by_text);
        for (size_t i = 0; i < n; i++) {
            char name[512];
            snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "",
                     keys[i]);
            print_facts(name, json_object_get(v, keys[i]));
        }
        free(keys);
        return;
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            char name[512];
            snprintf(name, sizeof name, "%s.%zu", prefix, i);
            print_facts(name, child);
        }
        return;
    }
    char *text = value_label(v);
    printf("      %s => %s\n", prefix, text ? text : "?");
    free(text);
}

static void print_list(const char *title, const json_t *list) {
    printf("   %s:\n", title);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        printf("      %s\n", json_string_value(item));
    }
    if (json_array_size(list) == 0)
        printf("      (none)\n");
    putchar('\n');
}

static void print_inventory(const char *node, const json_t *inv,
                            const json_t *stats) {
    printf("Inventory for %s:\n\n", node);
    printf("   Server Statistics:\n");
    printf("      %-12s %s\n",
           "Version:", json_string_value(json_object_get(inv, "version")));
    printf("      %-12s %lld seconds\n", "Uptime:",
           (long long)json_integer_value(json_object_get(inv, "uptime")));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)stats, key, v) {
        if (json_is_integer(v) && strcmp(key, "uptime") != 0)
            printf("      %-12s %lld\n", key, (long long)json_integer_value(v));
    }
    putchar('\n');
    print_list("Agents", json_object_get(inv, "agents"));
    print_list("Collectives", json_object_get(inv, "collectives"));
    printf("   Main collective: %s\n\n",
           json_string_value(json_object_get(inv, "main_collective")));
    print_list("Classes", json_object_get(inv, "classes"));
    printf("   Facts:\n");
    print_facts("", json_object_get(inv, "facts"));
}

/* One addressed rpcutil action on `node`; its data, or NULL after a
 * message. */
static json_t *ask(struct mst_cli *cli, struct muster_client *cl,
                   const struct muster_list *node, const char *action) {
    struct muster_request req = {.agent = "rpcutil", .action = action};
    mst_cli_spec(cli, &req);
    req.filter = NULL;
    req.nodes = node;
    json_t *replies = json_array();
    struct muster_handlers h = {.reply = collect, .ud = replies};
    struct muster_stats st = {0};
    struct muster_error err = {0};
    json_t *data = NULL;
    if (muster_client_call(cl, &req, &h, &st, &err) != 0)
        mst_cli_error(MST_EXIT_BROKER, "%s", err.message);
    else if (!missing(cli, &st) && json_array_size(replies) == 1)
        data = json_incref(json_object_get(json_array_get(replies, 0), "data"));
    muster_stats_clear(&st);
    json_decref(replies);
    return data;
}

/* Agents as stored ([{name, version}]) as "name version" strings. */
static json_t *agent_lines(const json_t *agents) {
    json_t *lines = json_array(), *a;
    size_t i;
    json_array_foreach(agents, i, a) {
        char line[512];
        const char *v = json_string_value(json_object_get(a, "version"));
        snprintf(line, sizeof line, "%s%s%s",
                 json_string_value(json_object_get(a, "name")),
                 v && *v ? " " : "", v ? v : "");
        json_array_append_new(lines, json_string(line));
    }
    return lines;
}

static void print_stored(const char *name, const json_t *node) {
    char seen[32];
    time_t t =
        (time_t)(json_integer_value(json_object_get(node, "last_seen")) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(seen, sizeof seen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("Inventory for %s (from the store):\n\n", name);
    printf("   Server Statistics:\n");
    printf("      %-12s %s\n",
           "Version:", json_string_value(json_object_get(node, "version")));
    printf("      %-12s %lld seconds\n", "Uptime:",
           (long long)json_integer_value(json_object_get(node, "uptime")));
    printf("      %-12s %s%s\n\n", "Last seen:", seen,
           json_is_true(json_object_get(node, "stale")) ? " (stale)" : "");
    json_t *agents = agent_lines(json_object_get(node, "agents"));
    print_list("Agents", agents);
    json_decref(agents);
    print_list("Collectives", json_object_get(node, "collectives"));
    print_list("Classes", json_object_get(node, "classes"));
    printf("   Facts:\n");
    print_facts("", json_object_get(node, "facts"));
}

/* muster inventory NODE --from-store: what the store last heard. */
static int inventory_stored(struct mst_cli *cli, const char *name) {
    struct muster_inventory *inv = NULL;
    struct muster_error err = {0};
    json_t *node = NULL;
    int rc = muster_inventory_open(cli->cfg, NULL, &inv, &err);
    if (rc == 0)
        rc = muster_inventory_node(inv, name, &node, &err);
    muster_inventory_close(&inv);
    if (rc != 0)
        return mst_cli_error(rc == MUSTER_ENOTFOUND ? MST_EXIT_FAILED
                                                    : MST_EXIT_BROKER,
                             "%s", err.message);
    if (cli->json) {
        json_dumpf(node, stdout,
                   JSON_INDENT(2) | JSON_SORT_KEYS | MUSTER_JSON_REAL);
        putchar('\n');
    } else {
        print_stored(name, node);
    }
    json_decref(node);
    return MST_EXIT_OK;
}

int mst_cmd_inventory_node(struct mst_cli *cli) {
    if (!muster_name_valid(cli->args[1], IDENTITY_MAX_LEN))
        return mst_cli_error(MST_EXIT_USAGE, "'%s' is not a node identity",
                             cli->args[1]);
    if (cli->report.from_store)
        return inventory_stored(cli, cli->args[1]);
    struct muster_list *node = muster_list_new();
    if (node == NULL || muster_list_add(node, cli->args[1]) != 0) {
        muster_list_free(&node);
        return mst_cli_error(MST_EXIT_USAGE, "out of memory");
    }
    struct muster_client *cl = mst_cli_connect(cli);
    int rc = MST_EXIT_BROKER;
    if (cl != NULL) {
        json_t *inv = ask(cli, cl, node, "inventory");
        json_t *stats = inv ? ask(cli, cl, node, "daemon_stats") : NULL;
        rc = stats ? MST_EXIT_OK : MST_EXIT_FAILED;
        if (stats != NULL && cli->json) {
            json_t *doc = json_pack("{s:s, s:O, s:O}", "identity", cli->args[1],
                                    "inventory", inv, "stats", stats);
            json_dumpf(doc, stdout,
                       JSON_INDENT(2) | JSON_SORT_KEYS | MUSTER_JSON_REAL);
            putchar('\n');
            json_decref(doc);
        } else if (stats != NULL) {
            print_inventory(cli->args[1], inv, stats);
        }
        json_decref(inv);
        json_decref(stats);
    }
    muster_list_free(&node);
    muster_client_free(&cl);
    return rc;
}
