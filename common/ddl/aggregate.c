/*
 * aggregate.c - summary, average and sum over the data of the replies.
 */
#include "ddl/aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- aggregates ---- */

/* A summary key: strings as they are, anything else as compact JSON. */
static char *summary_key(const json_t *v) {
    if (json_is_string(v))
        return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

static json_t *summary(const struct mst_ddl_aggregate *ag,
                       const json_t *datas) {
    json_t *counts = json_object();
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        const json_t *v = json_object_get(d, ag->output);
        char *key = v ? summary_key(v) : NULL;
        if (key == NULL)
            continue;
        json_int_t n = json_integer_value(json_object_get(counts, key));
        json_object_set_new(counts, key, json_integer(n + 1));
        free(key);
    }
    return counts;
}

/* `value` through the DDL's checked format, or a plain default. */
static void format_number(const struct mst_ddl_aggregate *ag, double value,
                          char *buf, size_t size) {
    const char *f = ag->format;
    if (f == NULL) {
        snprintf(buf, size, ag->function == MST_DDL_AVERAGE ? "%.2f" : "%.15g",
                 value);
        return;
    }
    /* Find the one conversion mst_ddl_aggregate_format_ok() allowed and pass
     * the type it expects: long long for d/i, a string for s, a double
     * otherwise. */
    const char *p = f;
    while ((p = strchr(p, '%')) != NULL && p[1] == '%')
        p += 2;
    p += 1 + strspn(p + 1, "-+ 0#.0123456789");
    char fmt[80];
    int at = (int)(p - f);
    if (*p == 'd' || *p == 'i') {
        snprintf(fmt, sizeof fmt, "%.*sll%s", at, f, p);
        snprintf(buf, size, fmt, (long long)llround(value));
    } else if (*p == 's') {
        char text[64];
        snprintf(text, sizeof text, "%.15g", value);
        snprintf(buf, size, f, text);
    } else {
        snprintf(buf, size, f, value);
    }
}

static json_t *arithmetic(const struct mst_ddl_aggregate *ag,
                          const json_t *datas) {
    double sum = 0;
    json_int_t count = 0;
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        const json_t *v = json_object_get(d, ag->output);
        if (json_is_number(v)) {
            sum += json_number_value(v);
            count++;
        }
    }
    if (count == 0)
        return json_pack("{s:n, s:I, s:s}", "value", "count", count, "text",
                         "no values");
    double value = ag->function == MST_DDL_SUM ? sum : sum / (double)count;
    char text[128];
    format_number(ag, value, text, sizeof text);
    return json_pack("{s:f, s:I, s:s}", "value", value, "count", count, "text",
                     text);
}

json_t *mst_ddl_aggregate_compute(const struct mst_ddl_action *act,
                                  const json_t *datas) {
    json_t *all = json_array();
    for (size_t i = 0; all != NULL && act && i < act->n_aggregates; i++) {
        const struct mst_ddl_aggregate *ag = &act->aggregates[i];
        const struct mst_ddl_output *out = mst_ddl_output(act, ag->output);
        json_t *r = ag->function == MST_DDL_SUMMARY
                        ? json_pack("{s:o}", "value", summary(ag, datas))
                        : arithmetic(ag, datas);
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

/* ---- formats ---- */

/*
 * A format for one number: text, one %[flags][width][.precision]CONV with
 * CONV in d i f g e s, more text; "%%" is a literal percent.
 */
int mst_ddl_aggregate_format_ok(const char *f) {
    int convs = 0;
    for (const char *p = f; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (*++p == '%')
            continue;
        p += strspn(p, "-+ 0#");
        p += strspn(p, "0123456789");
        if (*p == '.')
            p += 1 + strspn(p + 1, "0123456789");
        if (*p == '\0' || strchr("difgeEs", *p) == NULL)
            return 0;
        convs++;
    }
    return convs == 1 && strlen(f) < 64;
}
