/*
 * output.c - print replies and the summary.
 */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exit_status.h"

struct mst_output {
    enum mst_output_style style;
    int json;
    int jsonl;
    int verbose;
    FILE *notes; /* batch headers and the like: stderr unless a terminal */
    const char *agent;
    const char *action;
    json_t *replies; /* -j: every reply, in arrival order */
    json_t *ok_data; /* data of the OK replies, for the aggregates */
    double min_ms, max_ms, sum_ms;
    const struct muster_ddl_action *act; /* NULL without a DDL */
    enum muster_ddl_display ddl_display; /* the action's rule */
    enum mst_output_display display;
    int progress;    /* drawing a bar on stdout */
    size_t expected; /* replies the bar counts towards; 0 = unknown */
    const struct muster_list *stale; /* --dm inventory: known, silent */
};

struct mst_output *mst_output_new(enum mst_output_style style, int json,
                                  int verbose, const char *agent,
                                  const char *action) {
    struct mst_output *out = calloc(1, sizeof *out);
    if (out == NULL)
        return NULL;
    out->style = style;
    out->json = json;
    out->verbose = verbose;
    out->agent = agent;
    out->action = action;
    out->replies = json_array();
    out->notes = isatty(STDOUT_FILENO) ? stdout : stderr;
    out->ok_data = json_array();
    return out;
}

void mst_output_set_jsonl(struct mst_output *out) {
    out->jsonl = 1;
}

void mst_output_set_stale(struct mst_output *out,
                          const struct muster_list *stale) {
    out->stale = stale;
}

void mst_output_free(struct mst_output **out) {
    if (out == NULL || *out == NULL)
        return;
    json_decref((*out)->replies);
    json_decref((*out)->ok_data);
    free(*out);
    *out = NULL;
}

/* Print `v` after "key: ", indenting any further lines under the value. */
static void print_value(const char *key, const json_t *v, int width) {
    printf("%*s: ", width, key);
    if (json_is_string(v)) {
        printf("%s\n", json_string_value(v));
        return;
    }
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY |
                                   JSON_SORT_KEYS | MUSTER_JSON_REAL);
    if (text == NULL) {
        printf("?\n");
        return;
    }
    for (const char *p = text; *p != '\0'; p++) {
        putchar(*p);
        if (*p == '\n')
            printf("%*s  ", width, "");
    }
    putchar('\n');
    free(text);
}

void mst_output_set_view(struct mst_output *out,
                         const struct muster_ddl_action *act, int display,
                         int progress, size_t expected) {
    out->act = act;
    if (act != NULL) {
        struct muster_ddl_action_about about;
        muster_ddl_action_about(act, &about);
        out->ddl_display = about.display;
    }
    out->display = (enum mst_output_display)display;
    out->expected = expected;
    out->progress = progress && !out->json && expected != 1 &&
                    out->style == MST_OUTPUT_RPC && isatty(STDOUT_FILENO);
}

/* The DDL's label for output `key`, or the key itself. */
static const char *label(const struct mst_output *out, const char *key) {
    return muster_ddl_output_label(out->act, key);
}

static void print_rpc(const struct mst_output *out,
                      const struct muster_reply *rep) {
    if (rep->status != MUSTER_OK) {
        printf("%-40s %s: %s\n", rep->sender,
               muster_rpc_status_text(rep->status), rep->status_message);
        return;
    }
    printf("%s\n", rep->sender);
    int width = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)rep->data, key, v) {
        int n = (int)strlen(label(out, key));
        width = n > width ? n : width;
    }
    json_object_foreach((json_t *)rep->data, key, v)
        print_value(label(out, key), v, width + 4);
    putchar('\n');
}

/* Whether a person sees this reply: --display, else -v, else the DDL. */
static int shown(const struct mst_output *out, const struct muster_reply *rep) {
    int ok = rep->status == MUSTER_OK;
    switch (out->display) {
    case MST_OUTPUT_DISPLAY_ALL:
        return 1;
    case MST_OUTPUT_DISPLAY_OK:
        return ok;
    case MST_OUTPUT_DISPLAY_FAILED:
        return !ok;
    default:
        break;
    }
    if (out->verbose || out->act == NULL)
        return 1;
    return out->ddl_display == MUSTER_DDL_DISPLAY_ALWAYS ||
           (out->ddl_display == MUSTER_DDL_DISPLAY_OK) == ok;
}

/* The bar: "\r * [ ====>    ] 3 / 10", or a count when 10 is unknown. */
static void draw_progress(const struct mst_output *out) {
    size_t n = json_array_size(out->replies);
    if (out->expected == 0) {
        printf("\r * %zu %s", n, n == 1 ? "reply" : "replies");
    } else {
        int width = 40;
        size_t done = n > out->expected ? out->expected : n;
        int fill = (int)(done * (size_t)width / out->expected);
        printf("\r * [ %.*s>%*s ] %zu / %zu", fill,
               "========================================", width - fill, "", n,
               out->expected);
    }
    fflush(stdout);
}

static void clear_progress(const struct mst_output *out) {
    if (out->progress)
        printf("\r\033[K");
}

static void on_reply(void *ud, const struct muster_reply *rep) {
    struct mst_output *out = ud;
    double ms = rep->rtt_ms;
    if (json_array_size(out->replies) == 0 || ms < out->min_ms)
        out->min_ms = ms;
    if (ms > out->max_ms)
        out->max_ms = ms;
    out->sum_ms += ms;
    json_array_append_new(out->replies, mst_output_reply_json(rep));
    if (rep->status == MUSTER_OK)
        json_array_append(out->ok_data, (json_t *)rep->data);
    if (out->jsonl) {
        json_dumpf(
            json_array_get(out->replies, json_array_size(out->replies) - 1),
            stdout, JSON_COMPACT | MUSTER_JSON_REAL);
        putchar('\n');
        fflush(stdout);
    }
    if (out->json || out->jsonl)
        return;
    clear_progress(out);
    if (out->style == MST_OUTPUT_PING && rep->status == MUSTER_OK)
        printf("%-40s time=%.2f ms\n", rep->sender, ms);
    else if (shown(out, rep))
        print_rpc(out, rep);
    if (out->progress)
        draw_progress(out);
    fflush(stdout);
}

json_t *mst_output_reply_json(const struct muster_reply *rep) {
    return json_pack("{s:s, s:s, s:i, s:s, s:O, s:f}", "sender", rep->sender,
                     "signer", rep->signer, "statuscode", rep->status,
                     "statusmsg", rep->status_message, "data", rep->data,
                     "rtt_ms", rep->rtt_ms);
}

static void on_invalid(void *ud, const char *why) {
    (void)ud;
    fprintf(stderr, "muster: refused a reply: %s\n", why);
}

static void on_batch(void *ud, size_t index, size_t count,
                     const struct muster_list *nodes) {
    struct mst_output *out = ud;
    FILE *f = out->json || out->jsonl ? stderr : out->notes;
    fprintf(f, "batch %zu/%zu:", index, count);
    for (size_t i = 0; i < muster_list_count(nodes); i++)
        fprintf(f, " %s", muster_list_get(nodes, i));
    fputc('\n', f);
    fflush(f);
}

struct muster_handlers mst_output_handlers(struct mst_output *out) {
    return (struct muster_handlers){
        .reply = on_reply, .invalid = on_invalid, .batch = on_batch, .ud = out};
}

static json_t *list_json(const struct muster_list *l) {
    json_t *a = json_array();
    for (size_t i = 0; i < muster_list_count(l); i++)
        json_array_append_new(a, json_string(muster_list_get(l, i)));
    return a;
}

json_t *mst_output_stats_json(const struct muster_stats *st,
                              const struct muster_list *stale) {
    json_t *doc = json_pack(
        "{s:s, s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:i, "
        "s:f, s:s}",
        "request_id", st->request_id, "responses", (json_int_t)st->responses,
        "ok", (json_int_t)st->ok, "failed", (json_int_t)st->failed, "invalid",
        (json_int_t)st->invalid, "no_responses", list_json(st->no_response),
        "unknown_nodes", list_json(st->unknown), "unexpected_responses",
        list_json(st->unexpected), "not_reached", list_json(st->not_reached),
        "batches", (json_int_t)st->batches, "elapsed_ms", st->elapsed_ms,
        "ended", muster_end_name(st->ended));
    if (stale != NULL)
        json_object_set_new(doc, "stale", list_json(stale));
    return doc;
}

static json_t *stats_json(const struct mst_output *out,
                          const struct muster_stats *st) {
    return mst_output_stats_json(st, out->stale);
}

static void print_list(const char *label, const struct muster_list *l) {
    if (muster_list_count(l) == 0)
        return;
    printf("%s:", label);
    for (size_t i = 0; i < muster_list_count(l); i++)
        printf(" %s", muster_list_get(l, i));
    putchar('\n');
}

static void print_aggregate(const json_t *ag) {
    const char *fn = json_string_value(json_object_get(ag, "function"));
    const char *name = json_string_value(json_object_get(ag, "display_as"));
    const json_t *counts = json_object_get(ag, "value");
    const char *text = json_string_value(json_object_get(ag, "text"));
    if (!json_is_object(counts) && text != NULL && strchr(text, '\n')) {
        printf("Summary of %s:\n\n%s\n\n", name, text); /* a chart... */
        return;
    }
    if (!json_is_object(counts)) {
        printf("%s of %s: %s\n",
               strcmp(fn, "sum") == 0       ? "Sum"
               : strcmp(fn, "average") == 0 ? "Average"
                                            : "Summary",
               name, text);
        return;
    }
    printf("Summary of %s:\n\n", name);
    const json_t *lines = json_object_get(ag, "lines"); /* DDL's format */
    size_t i;
    json_t *line;
    json_array_foreach(lines, i, line)
        printf("   %s\n", json_string_value(line));
    int width = 0;
    const char *key;
    json_t *n;
    json_object_foreach((json_t *)counts, key, n) {
        int len = (int)strlen(key);
        width = len > width ? len : width;
    }
    if (lines == NULL)
        json_object_foreach((json_t *)counts, key, n) printf(
            "   %*s = %lld\n", width, key, (long long)json_integer_value(n));
    if (json_object_size(counts) == 0)
        printf("   (no values)\n");
    putchar('\n');
}

static void print_summary(const struct mst_output *out,
                          const struct muster_stats *st) {
    clear_progress(out);
    json_t *aggs =
        out->act ? muster_ddl_aggregate(out->act, out->ok_data) : NULL;
    size_t i;
    json_t *ag;
    json_array_foreach(aggs, i, ag) print_aggregate(ag);
    json_decref(aggs);
    if (out->style == MST_OUTPUT_PING && st->responses > 0) {
        printf("\n---- ping statistics ----\n");
        printf("%zu replies max: %.2f min: %.2f avg: %.2f\n", st->responses,
               out->max_ms, out->min_ms, out->sum_ms / (double)st->responses);
    } else if (out->style == MST_OUTPUT_RPC) {
        size_t silent =
            muster_list_count(st->no_response) + muster_list_count(st->unknown);
        printf("Finished processing %zu / %zu hosts in %.2f ms\n",
               st->responses, st->responses + silent, st->elapsed_ms);
        printf("OK: %zu  failed: %zu  no reply: %zu\n", st->ok, st->failed,
               silent);
    }
    print_list("No response from", st->no_response);
    print_list("No such node", st->unknown);
    print_list("Unexpected responses from", st->unexpected);
    print_list("Not reached (rollout stopped)", st->not_reached);
    print_list("Stale (in the inventory, did not answer)", out->stale);
    /* A node answers the refusals it can authenticate (with the reason,
     * shown above); what is left when nobody answers is silence, so name
     * what causes it. */
    if (st->responses == 0)
        fprintf(stderr,
                "muster: no responses received: no node matched the filter, "
                "or the nodes could not verify the request (certificates "
                "from another CA, a clock far off), or none is in that "
                "collective or connected to this broker\n");
}

int mst_output_finish(struct mst_output *out, const struct muster_stats *st) {
    if (out->jsonl) {
        json_t *doc = json_pack("{s:o}", "stats", stats_json(out, st));
        json_dumpf(doc, stdout, JSON_COMPACT | MUSTER_JSON_REAL);
        putchar('\n');
        json_decref(doc);
    } else if (out->json) {
        json_t *doc = json_pack("{s:s, s:s, s:O, s:o}", "agent", out->agent,
                                "action", out->action, "replies", out->replies,
                                "stats", stats_json(out, st));
        if (out->act != NULL)
            json_object_set_new(doc, "aggregates",
                                muster_ddl_aggregate(out->act, out->ok_data));
        json_dumpf(doc, stdout, JSON_INDENT(2) | MUSTER_JSON_REAL);
        putchar('\n');
        json_decref(doc);
    } else {
        print_summary(out, st);
    }
    int all_ok = st->responses > 0 && st->failed == 0 && st->invalid == 0 &&
                 muster_list_count(st->no_response) == 0 &&
                 muster_list_count(st->unknown) == 0 &&
                 muster_list_count(st->not_reached) == 0;
    return all_ok ? MST_EXIT_OK : MST_EXIT_FAILED;
}
