/*
 * cmd_inventory.c - muster inventory without a node: reports from the
 * inventory store (docs/inventory.md "Reports"), on the public API only.
 * `muster inventory NODE` lives in cmd_find.c with the other live
 * discovery commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

/* The columns of a report when --fields is not given. */
#define DEFAULT_FIELDS "identity,version,uptime,last_seen,stale"
#define CHANGE_FIELDS "time,identity,kind,name,old,new"

enum format { F_TABLE, F_JSON, F_JSONL, F_CSV };

/* A report: column names and (for a table) the rows, arrays of values;
 * `whole`: JSON of whole nodes (no --fields). */
struct report {
    enum format format;
    struct muster_list *columns;
    json_t *rows;
    int whole;
    size_t count; /* rows emitted */
};

static int parse_format(const char *text, enum format *f) {
    static const char *const names[] = {"table", "json", "jsonl", "csv"};
    for (int i = 0; i < 4; i++)
        if (text == NULL || strcmp(text, names[i]) == 0) {
            *f = text == NULL ? F_TABLE : (enum format)i;
            return MST_EXIT_GO_ON;
        }
    return mst_cli_error(MST_EXIT_USAGE,
                         "--format '%s': expected table, json, jsonl or csv",
                         text);
}

/* "90", "90s", "30m", "24h", "7d", "2w" into milliseconds. */
static int parse_duration(const char *text, const char *opt, int64_t *ms_r) {
    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'s', 1000},
                 {'m', 60000},
                 {'h', 3600000},
                 {'d', 86400000},
                 {'w', 7 * 86400000LL}};
    char *end = NULL;
    double v = strtod(text, &end);
    int64_t mult = end != text && *end == '\0' ? 1000 : 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (end != text && end[0] == units[i].unit && end[1] == '\0')
            mult = units[i].ms;
    if (mult == 0 || !(v >= 0) || v * (double)mult > 3.2e12)
        return mst_cli_error(MST_EXIT_USAGE,
                             "%s '%s': expected a duration such as 90s, 30m, "
                             "24h or 7d",
                             opt, text);
    *ms_r = (int64_t)(v * (double)mult);
    return MST_EXIT_GO_ON;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "a,b,c" into a list; empty names refused. */
static int split_fields(const char *text, struct muster_list *l) {
    int rc = mst_cli_split_commas(text, l);
    if (rc == MUSTER_ENOMEM)
        return mst_cli_error(MST_EXIT_USAGE, "out of memory");
    if (rc != 0)
        return mst_cli_error(MST_EXIT_USAGE,
                             "--fields '%s': expected names separated "
                             "by commas",
                             text);
    return MST_EXIT_GO_ON;
}

/* ---- values as text ---- */

static int is_time(const char *column) {
    return strcmp(column, "first_seen") == 0 ||
           strcmp(column, "last_seen") == 0 || strcmp(column, "started") == 0 ||
           strcmp(column, "stale_since") == 0 || strcmp(column, "time") == 0;
}

/* A cell as text (the caller frees): times of the store as ISO 8601 UTC,
 * missing values empty, the rest as muster_value_text gives them. */
static char *cell(const char *column, const json_t *v) {
    if (v == NULL || json_is_null(v))
        return strdup("");
    if (is_time(column) && json_is_integer(v)) {
        char buf[32];
        time_t t = (time_t)(json_integer_value(v) / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return strdup(buf);
    }
    return muster_value_text(v);
}

/* RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes
 * doubled. */
static void csv_field(const char *s, FILE *f) {
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- printing: CSV and JSON stream as the rows come; a table waits for
 * its column widths ---- */

static void csv_row(const struct report *r, const json_t *row) {
    size_t nc = muster_list_count(r->columns);
    for (size_t c = 0; c < nc; c++) {
        const char *col = muster_list_get(r->columns, c);
        char *t = row ? cell(col, json_array_get(row, c)) : NULL;
        if (c)
            fputc(',', stdout);
        csv_field(row ? (t ? t : "") : col, stdout);
        free(t);
    }
    fputs("\r\n", stdout);
}

static void print_table(const struct report *r) {
    size_t nc = muster_list_count(r->columns), i;
    int *w = calloc(nc ? nc : 1, sizeof *w);
    json_t *texts = json_array(), *row;
    if (w == NULL || texts == NULL) {
        free(w);
        json_decref(texts);
        return;
    }
    for (size_t c = 0; c < nc; c++)
        w[c] = (int)strlen(muster_list_get(r->columns, c));
    json_array_foreach(r->rows, i, row) {
        json_t *line = json_array();
        for (size_t c = 0; c < nc; c++) {
            char *t =
                cell(muster_list_get(r->columns, c), json_array_get(row, c));
            int len = t ? (int)strlen(t) : 0;
            w[c] = len > w[c] ? len : w[c];
            json_array_append_new(line, json_string(t ? t : ""));
            free(t);
        }
        json_array_append_new(texts, line);
    }
    for (size_t c = 0; c < nc; c++)
        printf("%-*s%s", c + 1 < nc ? w[c] : 0, muster_list_get(r->columns, c),
               c + 1 < nc ? "  " : "\n");
    json_array_foreach(texts, i, row) {
        for (size_t c = 0; c < nc; c++)
            printf("%-*s%s", c + 1 < nc ? w[c] : 0,
                   json_string_value(json_array_get(row, c)),
                   c + 1 < nc ? "  " : "\n");
    }
    json_decref(texts);
    free(w);
}

/* A row as {column: value}, for JSON and JSONL. */
static json_t *row_object(const struct report *r, const json_t *row) {
    json_t *o = json_object();
    for (size_t c = 0; o != NULL && c < muster_list_count(r->columns); c++)
        json_object_set(o, muster_list_get(r->columns, c),
                        json_array_get(row, c));
    return o;
}

static void json_item(const struct report *r, const json_t *o) {
    if (r->format == F_JSONL) {
        json_dumpf(o, stdout, JSON_COMPACT | MUSTER_JSON_REAL);
        putchar('\n');
        return;
    }
    fputs(r->count > 1 ? ",\n" : "[\n", stdout);
    json_dumpf(o, stdout, JSON_INDENT(2) | MUSTER_JSON_REAL);
}

/* One row (or, for JSON of whole nodes, `item`); r->count includes it. */
static int emit(struct report *r, json_t *row, const json_t *item) {
    int rc = 0;
    if (r->format == F_TABLE)
        return json_array_append(r->rows, row) ? MUSTER_ENOMEM : 0;
    if (r->format == F_CSV) {
        if (r->count == 1)
            csv_row(r, NULL);
        csv_row(r, row);
    } else if (item != NULL) {
        json_item(r, item);
    } else {
        json_t *o = row_object(r, row);
        rc = o ? 0 : MUSTER_ENOMEM;
        if (o != NULL)
            json_item(r, o);
        json_decref(o);
    }
    return rc;
}

/* What is left to print once every row was emitted. */
static void finish(const struct report *r) {
    if (r->format == F_TABLE)
        print_table(r);
    else if (r->format == F_CSV && r->count == 0)
        csv_row(r, NULL);
    else if (r->format == F_JSON)
        fputs(r->count ? "\n]\n" : "[]\n", stdout);
}

/* ---- gathering ---- */

/* A node's "fields" (or a change's keys) as a row in column order. */
static int add_row(void *ud, const json_t *item) {
    struct report *r = ud;
    const json_t *fields = json_object_get(item, "fields");
    r->count++;
    if (r->whole)
        return emit(r, NULL, item);
    json_t *row = json_array();
    for (size_t c = 0; row != NULL && c < muster_list_count(r->columns); c++) {
        const json_t *v = json_object_get(fields ? fields : item,
                                          muster_list_get(r->columns, c));
        json_array_append(row, v ? (json_t *)v : json_null());
    }
    int rc = row ? emit(r, row, NULL) : MUSTER_ENOMEM;
    json_decref(row);
    return rc;
}

/* --count-by: {value text: count} from the one field of each node. */
static int count_value(void *ud, const json_t *item) {
    json_t *counts = ud;
    json_t *fields = json_object_get(item, "fields");
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v) {
        char *t = cell(key, v);
        json_t *n = t ? json_object_get(counts, t) : NULL;
        if (t != NULL)
            json_object_set_new(counts, t,
                                json_integer(json_integer_value(n) + 1));
        free(t);
    }
    return 0;
}

static int by_count(const void *a, const void *b) {
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t cx = json_integer_value(json_array_get(x, 1)),
               cy = json_integer_value(json_array_get(y, 1));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(json_string_value(json_array_get(x, 0)),
                  json_string_value(json_array_get(y, 0)));
}

/* The counts as rows [value, count], most frequent first. */
static void count_rows(json_t *counts, struct report *r) {
    size_t n = json_object_size(counts), k = 0;
    json_t **v = malloc((n ? n : 1) * sizeof *v);
    const char *key;
    json_t *c;
    if (v == NULL)
        return;
    json_object_foreach(counts, key, c) v[k++] = json_pack("[s, O]", key, c);
    qsort(v, n, sizeof *v, by_count);
    for (size_t i = 0; i < n; i++) {
        r->count++;
        emit(r, v[i], NULL);
        json_decref(v[i]);
    }
    free(v);
}

/* A filter the store cannot evaluate is the caller's (2); the rest is
 * store trouble (3). */
static int walk_error(int rc, const struct muster_error *err) {
    return mst_cli_error(rc == MUSTER_EINVAL || rc == MUSTER_EUNSUPPORTED
                             ? MST_EXIT_USAGE
                             : MST_EXIT_BROKER,
                         "%s", err->message);
}

static int report_counts(struct mst_cli *cli, struct muster_inventory *inv,
                         struct report *r) {
    struct muster_inventory_query q = {.filter = cli->filter,
                                       .fields = r->columns};
    json_t *counts = json_object();
    struct muster_error err = {0};
    int rc = muster_inventory_nodes(inv, &q, count_value, counts, &err);
    if (rc == 0) {
        muster_list_add(r->columns, "count");
        count_rows(counts, r);
        finish(r);
    }
    json_decref(counts);
    return rc == 0 ? MST_EXIT_OK : walk_error(rc, &err);
}

static int report_changes(struct mst_cli *cli, struct muster_inventory *inv,
                          struct report *r) {
    int64_t since = 24 * 3600 * 1000LL;
    int rc = cli->report.since
                 ? parse_duration(cli->report.since, "--since", &since)
                 : MST_EXIT_GO_ON;
    if (rc != MST_EXIT_GO_ON)
        return rc;
    struct muster_inventory_query q = {.filter = cli->filter};
    struct muster_error err = {0};
    rc = muster_inventory_changes(inv, &q, now_ms() - since, add_row, r, &err);
    if (rc != 0)
        return walk_error(rc, &err);
    finish(r);
    return MST_EXIT_OK;
}

/* The nodes (--stale: only those not heard from for DURATION; exit 1 when
 * there are any, for monitoring checks). */
static int report_nodes(struct mst_cli *cli, struct muster_inventory *inv,
                        struct report *r) {
    int64_t stale = 0;
    int rc = cli->report.stale
                 ? parse_duration(cli->report.stale, "--stale", &stale)
                 : MST_EXIT_GO_ON;
    if (rc != MST_EXIT_GO_ON)
        return rc;
    struct muster_inventory_query q = {
        .filter = cli->filter,
        .unseen_since_ms = cli->report.stale ? now_ms() - stale : 0,
        .fields = r->whole ? NULL : r->columns};
    struct muster_error err = {0};
    rc = muster_inventory_nodes(inv, &q, add_row, r, &err);
    if (rc != 0)
        return walk_error(rc, &err);
    finish(r);
    return cli->report.stale && r->count > 0 ? MST_EXIT_FAILED : MST_EXIT_OK;
}

static int check_modes(const struct mst_cli_report *o) {
    int modes = (o->changes != 0) + (o->count_by != NULL) + (o->stale != NULL);
    if (modes > 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "--changes, --count-by and --stale are separate "
                             "reports: give one");
    if (o->since != NULL && !o->changes)
        return mst_cli_error(MST_EXIT_USAGE, "--since goes with --changes");
    if (o->fields != NULL && (o->changes || o->count_by))
        return mst_cli_error(MST_EXIT_USAGE,
                             "--fields is for node reports, not with "
                             "--changes or --count-by");
    return MST_EXIT_GO_ON;
}

/* The columns of the report `o` asks for. */
static int columns_of(const struct mst_cli_report *o, struct report *r) {
    if (o->count_by != NULL)
        return muster_list_add(r->columns, o->count_by) == 0
                   ? MST_EXIT_GO_ON
                   : mst_cli_error(MST_EXIT_USAGE, "out of memory");
    if (!o->changes && o->fields == NULL &&
        (r->format == F_JSON || r->format == F_JSONL))
        r->whole = 1;
    return split_fields(o->changes  ? CHANGE_FIELDS
                        : o->fields ? o->fields
                                    : DEFAULT_FIELDS,
                        r->columns);
}

static int report(struct mst_cli *cli) {
    const struct mst_cli_report *o = &cli->report;
    struct report r = {0};
    int rc = check_modes(o);
    if (rc == MST_EXIT_GO_ON)
        rc = parse_format(o->format, &r.format);
    r.columns = muster_list_new();
    r.rows = json_array();
    if (rc == MST_EXIT_GO_ON && (r.columns == NULL || r.rows == NULL))
        rc = mst_cli_error(MST_EXIT_USAGE, "out of memory");
    if (rc == MST_EXIT_GO_ON)
        rc = columns_of(o, &r);
    struct muster_inventory *inv = NULL;
    struct muster_error err = {0};
    if (rc == MST_EXIT_GO_ON &&
        muster_inventory_open(cli->cfg, NULL, &inv, &err) != 0)
        rc = mst_cli_error(MST_EXIT_BROKER, "%s", err.message);
    if (rc == MST_EXIT_GO_ON)
        rc = o->changes    ? report_changes(cli, inv, &r)
             : o->count_by ? report_counts(cli, inv, &r)
                           : report_nodes(cli, inv, &r);
    muster_inventory_close(&inv);
    muster_list_free(&r.columns);
    json_decref(r.rows);
    return rc;
}

int mst_cmd_inventory(struct mst_cli *cli) {
    const struct mst_cli_report *o = &cli->report;
    if (cli->nargs == 2 && (o->format || o->fields || o->count_by || o->stale ||
                            o->since || o->changes))
        return mst_cli_error(MST_EXIT_USAGE,
                             "muster inventory NODE takes -j and --from-store; "
                             "the report options are for the whole store");
    if (cli->nargs == 2)
        return mst_cmd_inventory_node(cli);
    if (cli->nargs != 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "usage: muster inventory [NODE] (see 'muster "
                             "--help')");
    if (cli->report.from_store)
        return mst_cli_error(MST_EXIT_USAGE,
                             "--from-store goes with a NODE: muster "
                             "inventory NODE --from-store");
    return report(cli);
}
