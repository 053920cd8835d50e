/*
 * fleet_packages.c - a cron-style report on <muster/client.h> alone: the
 * version of one package on every node, as CSV.
 *
 *   fleet_packages PACKAGE [NODE ...]
 *
 * Without NODEs the nodes are found by discovery (those with the package
 * agent), then each is asked; with NODEs exactly those are asked.  One
 * line per node, sorted by identity, nodes that did not answer included:
 *
 *   identity,status,version
 *   web1,installed,1.21.22
 *   web2,failed: no such package,
 *   web3,no reply,
 *
 * The configuration is found as the muster command finds it
 * ($MUSTER_CONFIG, ~/.config/muster/client.cfg, /etc/muster/client.cfg).
 * Exit status: 0 when every node answered OK, 1 when one did not, 2 for
 * bad arguments or configuration, 3 when the broker is out of reach.
 *
 * Build:  cc fleet_packages.c $(pkg-config --cflags --libs muster-client)
 */
#include <muster/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s, const char *end) {
    if (strpbrk(s, ",\"\r\n") == NULL) {
        printf("%s%s", s, end);
        return;
    }
    putchar('"');
    for (; *s != '\0'; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    printf("\"%s", end);
}

/* Each reply becomes {identity: [status, version]} in the object `ud`. */
static void on_reply(void *ud, const struct muster_reply *rep) {
    json_t *row;
    if (rep->status == MUSTER_OK) {
        const char *status =
            json_string_value(json_object_get(rep->data, "status"));
        const char *version =
            json_string_value(json_object_get(rep->data, "version"));
        row = json_pack("[s, s]", status ? status : "unknown",
                        version ? version : "");
    } else {
        char text[300];
        snprintf(text, sizeof text, "failed: %s", rep->status_message);
        row = json_pack("[s, s]", text, "");
    }
    json_object_set_new(ud, rep->sender, row);
}

static void on_invalid(void *ud, const char *why) {
    (void)ud;
    fprintf(stderr, "fleet_packages: refused a reply: %s\n", why);
}

/* Rows for the nodes that gave no answer. */
static void mark(json_t *rows, const struct muster_list *nodes,
                 const char *why) {
    for (size_t i = 0; i < muster_list_count(nodes); i++)
        json_object_set_new(rows, muster_list_get(nodes, i),
                            json_pack("[s, s]", why, ""));
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_rows(json_t *rows) {
    size_t n = json_object_size(rows), k = 0;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    const char *name;
    json_t *row;
    if (names == NULL)
        return;
    json_object_foreach(rows, name, row) names[k++] = name;
    qsort(names, n, sizeof *names, by_name);
    puts("identity,status,version");
    for (size_t i = 0; i < n; i++) {
        row = json_object_get(rows, names[i]);
        csv_field(names[i], ",");
        csv_field(json_string_value(json_array_get(row, 0)), ",");
        csv_field(json_string_value(json_array_get(row, 1)), "\n");
    }
    free(names);
}

/* The nodes to ask: those named, else those discovery finds. */
static int targets(struct muster_client *cl, int argc, char **argv,
                   struct muster_list *nodes, struct muster_error *err) {
    for (int i = 2; i < argc; i++)
        if (muster_list_add(nodes, argv[i]) != 0)
            return MUSTER_ENOMEM;
    if (argc > 2)
        return 0;
    struct muster_filter *f = muster_filter_new();
    int rc = f ? muster_filter_add(f, MUSTER_FILTER_AGENT, "package", err)
               : MUSTER_ENOMEM;
    struct muster_request find = {.filter = f};
    if (rc == 0)
        rc = muster_client_discover(cl, &find, nodes, err);
    muster_filter_free(&f);
    return rc;
}

static int report(struct muster_client *cl, const char *package,
                  const struct muster_list *nodes) {
    struct muster_error err = {0};
    json_t *data = json_pack("{s:s}", "package", package);
    json_t *rows = json_object();
    struct muster_request req = {
        .agent = "package", .action = "status", .data = data, .nodes = nodes};
    struct muster_handlers h = {
        .reply = on_reply, .invalid = on_invalid, .ud = rows};
    struct muster_stats st = {0};
    int rc = muster_client_call(cl, &req, &h, &st, &err);
    int status = 3;
    if (rc == 0) {
        mark(rows, st.no_response, "no reply");
        mark(rows, st.unknown, "no such node");
        print_rows(rows);
        status = st.ok == muster_list_count(nodes) ? 0 : 1;
    } else {
        fprintf(stderr, "fleet_packages: %s\n", err.message);
    }
    muster_stats_clear(&st);
    json_decref(rows);
    json_decref(data);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fleet_packages PACKAGE [NODE ...]\n");
        return 2;
    }
    struct muster_error err = {0};
    struct muster_config *cfg = NULL;
    struct muster_client *cl = NULL;
    struct muster_list *nodes = muster_list_new();
    int status = 2;
    if (nodes == NULL || muster_config_load(NULL, &cfg, &err) != 0) {
        fprintf(stderr, "fleet_packages: %s\n", err.message);
    } else if (muster_client_new(cfg, &cl, &err) != 0 ||
               targets(cl, argc, argv, nodes, &err) != 0) {
        fprintf(stderr, "fleet_packages: %s\n", err.message);
        status = 3;
    } else if (muster_list_count(nodes) == 0) {
        fprintf(stderr, "fleet_packages: no node has the package agent\n");
        status = 1;
    } else {
        status = report(cl, argv[1], nodes);
    }
    muster_client_free(&cl);
    muster_config_free(&cfg);
    muster_list_free(&nodes);
    return status;
}
