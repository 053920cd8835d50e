/*
 * aggregate.c - the aggregates over the data of the replies: MCollective's
 * summary, average and sum, and the choria-plugins agents' boolean_summary,
 * nagios_states, process_summary, nettest_mma and chart, computed as their
 * Ruby (and go-choria's Go) code computes them.
 */
#include "ddl/aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "ddl/format.h"

/* ---- formats ---- */

/* One argument of a format: a number, or a string when `text` is set. */
struct arg {
    double number;
    const char *text;
};

/*
 * `f` (checked by mst_ddl_format_ok) with `args` into `buf`:
 * each conversion gets the next argument in the C type it expects (long
 * long for d i, a string for s, a double otherwise).
 */
static void format(const char *f, const struct arg *args, size_t n_args,
                   char *buf, size_t size) {
    size_t at = 0, used = 0;
    buf[0] = '\0';
    for (const char *p = f; *p != '\0' && at < size;) {
        if (p[0] != '%' || p[1] == '%') {
            buf[at++] = *p;
            p += p[0] == '%' ? 2 : 1;
            continue;
        }
        const char *end = mst_ddl_format_skip(p + 1);
        char spec[80], text[64];
        snprintf(spec, sizeof spec, "%.*s%s%c", (int)(end - p), p,
                 *end == 'd' || *end == 'i' ? "ll" : "", *end);
        struct arg a = used < n_args ? args[used++] : (struct arg){0, ""};
        if (*end == 's' && a.text == NULL)
            snprintf(text, sizeof text, "%.15g", a.number);
        int w;
        if (*end == 's')
            w = snprintf(buf + at, size - at, spec, a.text ? a.text : text);
        else if (*end == 'd' || *end == 'i')
            w = snprintf(buf + at, size - at, spec,
                         a.text ? 0LL : (long long)llround(a.number));
        else
            w = snprintf(buf + at, size - at, spec, a.text ? 0.0 : a.number);
        at += w > 0 ? (size_t)w : 0;
        p = end + 1;
    }
    buf[at < size ? at : size - 1] = '\0';
}

/* ---- counting values (summary, boolean_summary, nagios_states) ---- */

/* A summary key: strings as they are, anything else as compact JSON. */
static char *summary_key(const json_t *v) {
    if (json_is_string(v))
        return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS |
                             JSON_REAL_PRECISION(MST_JSON_REAL_DIGITS));
}

static void count(json_t *counts, const char *key) {
    json_int_t n = json_integer_value(json_object_get(counts, key));
    json_object_set_new(counts, key, json_integer(n + 1));
}

/* boolean_summary's key: true and false by the DDL's labels (Ruby's
 * defaults "True" and "False"), anything else as summary. */
static char *boolean_key(const struct mst_ddl_aggregate *ag, const json_t *v) {
    if (json_is_boolean(v)) {
        const char *label = json_is_true(v) ? ag->label_true : ag->label_false;
        return strdup(label ? label : json_is_true(v) ? "True" : "False");
    }
    return summary_key(v);
}

static void count_value(const struct mst_ddl_aggregate *ag, json_t *counts,
                        const json_t *v) {
    char *key = ag->function == MST_DDL_BOOLEAN_SUMMARY ? boolean_key(ag, v)
                                                        : summary_key(v);
    if (key != NULL)
        count(counts, key);
    free(key);
}

/* Ruby: OK, WARNING, CRITICAL, UNKNOWN by exit code 0-3, all shown; a
 * missing or other value is UNKNOWN (Ruby fails on a code above 3). */
static void nagios_state(json_t *counts, const json_t *v) {
    static const char *const states[] = {"OK", "WARNING", "CRITICAL",
                                         "UNKNOWN"};
    json_int_t code = json_is_integer(v) ? json_integer_value(v) : 3;
    count(counts, states[code >= 0 && code <= 3 ? code : 3]);
}

static json_t *counted(const struct mst_ddl_aggregate *ag,
                       const json_t *datas) {
    static const char *const states[] = {"OK", "WARNING", "CRITICAL",
                                         "UNKNOWN"};
    json_t *counts = json_object();
    for (size_t s = 0;
         counts != NULL && s < 4 && ag->function == MST_DDL_NAGIOS_STATES; s++)
        json_object_set_new(counts, states[s], json_integer(0));
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        const json_t *v = json_object_get(d, ag->output);
        if (ag->function == MST_DDL_NAGIOS_STATES)
            nagios_state(counts, v);
        else if (ag->function == MST_DDL_BOOLEAN_SUMMARY && json_is_array(v)) {
            size_t j;
            json_t *x;
            json_array_foreach(v, j, x) count_value(ag, counts, x);
        } else if (v != NULL && !json_is_null(v))
            count_value(ag, counts, v);
    }
    return counts;
}

struct tally {
    const char *key;
    json_int_t n;
};

/* Most frequent first (go-choria's order), then by value. */
static int by_count(const void *a, const void *b) {
    const struct tally *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->key, y->key);
}

/* With a format, one line per value: (value, count). */
static json_t *counted_lines(const struct mst_ddl_aggregate *ag,
                             const json_t *counts) {
    size_t n = json_object_size(counts), i = 0;
    struct tally *t = calloc(n + 1, sizeof *t);
    json_t *lines = t ? json_array() : NULL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)counts, key, v) {
        if (t != NULL)
            t[i++] = (struct tally){key, json_integer_value(v)};
    }
    if (t != NULL)
        qsort(t, n, sizeof *t, by_count);
    for (i = 0; lines != NULL && i < n; i++) {
        struct arg args[2] = {{0, t[i].key}, {(double)t[i].n, NULL}};
        char line[256];
        format(ag->format, args, 2, line, sizeof line);
        json_array_append_new(lines, json_string(line));
    }
    free(t);
    return lines;
}

static json_t *summary(const struct mst_ddl_aggregate *ag,
                       const json_t *datas) {
    json_t *counts = counted(ag, datas);
    json_t *r = json_pack("{s:o}", "value", counts);
    if (r != NULL && ag->format != NULL)
        json_object_set_new(r, "lines", counted_lines(ag, counts));
    return r;
}

/* ---- numbers (average, sum, nettest_mma) ---- */

/* Ruby's Float(value): numbers, and strings that read as one. */
static int as_number(const json_t *v, double *out) {
    if (json_is_number(v))
        return *out = json_number_value(v), 1;
    if (!json_is_string(v) || json_string_value(v)[0] == '\0')
        return 0;
    char *end;
    *out = strtod(json_string_value(v), &end);
    return *end == '\0' && isfinite(*out);
}

static json_t *number_result(const struct mst_ddl_aggregate *ag, json_t *value,
                             json_int_t n, const struct arg *args,
                             size_t n_args, const char *fallback) {
    char text[256];
    format(ag->format ? ag->format : fallback, args, n_args, text, sizeof text);
    return json_pack("{s:o, s:I, s:s}", "value", value, "count", n, "text",
                     text);
}

static json_t *arithmetic(const struct mst_ddl_aggregate *ag,
                          const json_t *datas) {
    double sum = 0;
    json_int_t n = 0;
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        const json_t *v = json_object_get(d, ag->output);
        if (json_is_number(v)) {
            sum += json_number_value(v);
            n++;
        }
    }
    if (n == 0)
        return json_pack("{s:n, s:I, s:s}", "value", "count", n, "text",
                         "no values");
    double value = ag->function == MST_DDL_SUM ? sum : sum / (double)n;
    struct arg a = {value, NULL};
    return number_result(ag, json_real(value), n, &a, 1,
                         ag->function == MST_DDL_AVERAGE ? "%.2f" : "%.15g");
}

/* nettest_mma.rb: the minimum (0.0 means "none yet", as in Ruby), the
 * maximum and the average (the sum itself for one value). */
static json_t *min_max_average(const struct mst_ddl_aggregate *ag,
                               const json_t *datas) {
    double mma[3] = {0, 0, 0}, x;
    json_int_t n = 0;
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        if (!as_number(json_object_get(d, ag->output), &x))
            continue;
        if (x < mma[0] || mma[0] == 0.0)
            mma[0] = x;
        if (x > mma[1])
            mma[1] = x;
        mma[2] += x;
        n++;
    }
    if (n > 1)
        mma[2] /= (double)n;
    struct arg args[3] = {{mma[0], NULL}, {mma[1], NULL}, {mma[2], NULL}};
    return number_result(ag, json_pack("[f,f,f]", mma[0], mma[1], mma[2]), n,
                         args, 3, "Min: %.3f  Max: %.3f  Average: %.3f");
}

/* ---- process_summary ---- */

/* Util::Processagent.bytes_to_human: "%.3f " and the unit (its sub() of
 * trailing zeros never matches past the space, so they stay). */
static void bytes_to_human(double bytes, char *buf, size_t size) {
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    if (bytes < 1) {
        snprintf(buf, size, "0 B");
        return;
    }
    int e = (int)floor(log(bytes) / log(1024));
    e = e > 4 ? 4 : e < 0 ? 0 : e;
    snprintf(buf, size, "%.3f %s", bytes / pow(1024, e), units[e]);
}

/* process_summary.rb: hosts with a match, processes, resident size (rss
 * is in KiB) and virtual size of every listed process. */
static json_t *process_summary(const struct mst_ddl_aggregate *ag,
                               const json_t *datas) {
    double v[4] = {0, 0, 0, 0};
    size_t i, j;
    json_t *d, *p;
    json_array_foreach(datas, i, d) {
        const json_t *list = json_object_get(d, ag->output);
        v[0] += json_array_size(list) > 0;
        json_array_foreach(list, j, p) {
            v[1] += 1;
            v[2] += json_number_value(json_object_get(p, "rss")) * 1024;
            v[3] += json_number_value(json_object_get(p, "vsize"));
        }
    }
    char rss[32], vsize[32];
    bytes_to_human(v[2], rss, sizeof rss);
    bytes_to_human(v[3], vsize, sizeof vsize);
    struct arg args[4] = {{v[0], NULL}, {v[1], NULL}, {0, rss}, {0, vsize}};
    char text[256];
    format("        Matched hosts: %s\n    Matched Processes: %s\n"
           "        Resident Size: %s\n         Virtual Size: %s",
           args, 4, text, sizeof text);
    return json_pack("{s:[f,f,f,f], s:I, s:s}", "value", v[0], v[1], v[2], v[3],
                     "count", (json_int_t)json_array_size(datas), "text", text);
}

/* ---- chart ---- */

#define CHART_HEIGHT 15 /* go-choria's asciigraph.Plot options */
#define CHART_WIDTH 60
#define CHART_OFFSET 5
#define CHART_COLS (CHART_WIDTH + CHART_OFFSET)

/* asciigraph's interpolateArray: `n` values stretched to CHART_WIDTH. */
static void stretch(const double *in, size_t n, double *out) {
    double spring = (double)(n - 1) / (CHART_WIDTH - 1);
    out[0] = in[0];
    for (int i = 1; i < CHART_WIDTH - 1; i++) {
        double at = i * spring, before = floor(at);
        size_t b = (size_t)before, a = (size_t)ceil(at);
        out[i] = in[b] + (in[a] - in[b]) * (at - before);
    }
    out[CHART_WIDTH - 1] = in[n - 1];
}

/* asciigraph's label precision: 2 digits, more for small numbers, none
 * above 100. */
static int chart_precision(double min, double max) {
    double big = fabs(max) > fabs(min) ? fabs(max) : fabs(min);
    double lg = min == 0 && max == 0 ? -1 : log10(big);
    if (lg < 0)
        return 2 + (int)(fmod(lg, 1) != 0 ? fabs(lg) : fabs(lg) - 1);
    return lg > 2 ? 0 : 2;
}

/* One line of the chart: its label and CHART_COLS cells, right-trimmed. */
static void chart_line(const char *label, const char *const *cells, char *buf,
                       size_t size) {
    size_t len = strlen(label), h = len < CHART_OFFSET ? CHART_OFFSET - len : 0;
    size_t at = (size_t)snprintf(buf, size, "%*s%s", (int)h, "", label);
    size_t last = at;
    for (size_t x = h + 1; x < CHART_COLS && at < size; x++) {
        at += (size_t)snprintf(buf + at, size - at, "%s", cells[x]);
        if (strcmp(cells[x], " ") != 0)
            last = at;
    }
    buf[last < size ? last : size - 1] = '\0';
}

/* The row of `x` from the bottom, as asciigraph's round(x * ratio) -
 * round(min * ratio), kept within the chart whatever the replies hold. */
static int level(double x, double min, double ratio, int rows) {
    double big = 1e15; /* beyond, x * ratio loses its units: relative */
    double y = fabs(x * ratio) < big && fabs(min * ratio) < big
                   ? round(x * ratio) - round(min * ratio)
                   : round((x - min) * ratio);
    return !(y > 0) ? 0 : y > rows ? rows : (int)y;
}

/* go-choria's chart aggregate: asciigraph.Plot(values, Height(15),
 * Width(60), Offset(5)) of the numbers (and numeric strings) seen. */
static json_t *chart(const struct mst_ddl_aggregate *ag, const json_t *datas) {
    size_t n = 0, i;
    json_t *d;
    double *in = calloc(json_array_size(datas) + 1, sizeof *in);
    if (in == NULL)
        return NULL;
    json_array_foreach(datas, i, d) n +=
        as_number(json_object_get(d, ag->output), &in[n]);
    if (n == 0) {
        free(in);
        return json_pack("{s:n, s:I, s:s}", "value", "count", 0, "text",
                         "no values");
    }
    double v[CHART_WIDTH], min, max;
    stretch(in, n, v);
    free(in);
    min = max = v[0];
    for (i = 1; i < CHART_WIDTH; i++) {
        min = v[i] < min ? v[i] : min;
        max = v[i] > max ? v[i] : max;
    }
    double interval = fabs(max - min);
    double ratio = interval != 0 ? CHART_HEIGHT / interval : 1;
    int rows = level(max, min, ratio, CHART_HEIGHT + 1);
    const char *cells[CHART_HEIGHT + 2][CHART_COLS];
    for (int r = 0; r <= rows; r++)
        for (int x = 0; x < CHART_COLS; x++)
            cells[r][x] = " ";
    for (int r = 0; r <= rows; r++)
        cells[r][CHART_OFFSET - 1] = "┤";
    cells[rows - level(v[0], min, ratio, rows)][CHART_OFFSET - 1] = "┼";
    for (int x = 0; x + 1 < CHART_WIDTH; x++) {
        int y0 = level(v[x], min, ratio, rows);
        int y1 = level(v[x + 1], min, ratio, rows);
        const char **c0 = &cells[rows - y0][x + CHART_OFFSET];
        const char **c1 = &cells[rows - y1][x + CHART_OFFSET];
        if (y0 == y1) {
            *c0 = "─";
            continue;
        }
        *c1 = y0 > y1 ? "╰" : "╭";
        *c0 = y0 > y1 ? "╮" : "╯";
        for (int y = (y0 < y1 ? y0 : y1) + 1; y < (y0 > y1 ? y0 : y1); y++)
            cells[rows - y][x + CHART_OFFSET] = "│";
    }
    int prec = chart_precision(min, max);
    char text[(CHART_HEIGHT + 2) * (CHART_COLS * 3 + 64)], tmp[32];
    int width = snprintf(tmp, sizeof tmp, "%.*f", prec, max);
    int wmin = snprintf(tmp, sizeof tmp, "%.*f", prec, min);
    width = wmin > width ? wmin : width;
    width = width > 40 ? 40 : width;
    size_t at = 0;
    for (int r = 0; r <= rows; r++) {
        double mag =
            rows > 0 ? max - (double)r * interval / rows : round(min * ratio);
        char label[48];
        snprintf(label, sizeof label, "%*.*f", width + 1, prec, mag);
        chart_line(label, cells[r], text + at, sizeof text - at);
        at += strlen(text + at);
        if (r < rows && at + 1 < sizeof text)
            text[at++] = '\n';
        text[at] = '\0';
    }
    char out[sizeof text + 64];
    struct arg a = {0, text};
    format(ag->format ? ag->format : "%s", &a, 1, out, sizeof out);
    return json_pack("{s:n, s:I, s:s}", "value", "count", (json_int_t)n, "text",
                     out);
}

/* ---- all of an action's ---- */

static json_t *compute(const struct mst_ddl_aggregate *ag,
                       const json_t *datas) {
    switch (ag->function) {
    case MST_DDL_SUMMARY:
    case MST_DDL_BOOLEAN_SUMMARY:
    case MST_DDL_NAGIOS_STATES:
        return summary(ag, datas);
    case MST_DDL_NETTEST_MMA:
        return min_max_average(ag, datas);
    case MST_DDL_PROCESS_SUMMARY:
        return process_summary(ag, datas);
    case MST_DDL_CHART:
        return chart(ag, datas);
    default:
        return arithmetic(ag, datas);
    }
}

json_t *mst_ddl_aggregate_compute(const struct mst_ddl_action *act,
                                  const json_t *datas) {
    json_t *all = json_array();
    for (size_t i = 0; all != NULL && act && i < act->n_aggregates; i++) {
        const struct mst_ddl_aggregate *ag = &act->aggregates[i];
        const struct mst_ddl_output *out = mst_ddl_output(act, ag->output);
        json_t *r = compute(ag, datas);
        if (r == NULL ||
            json_object_set_new(
                r, "function",
                json_string(mst_ddl_function_name(ag->function))) ||
            json_object_set_new(r, "output", json_string(ag->output)) ||
            json_object_set_new(r, "display_as",
                                json_string(out->display_as)) ||
            json_array_append_new(all, r)) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}
