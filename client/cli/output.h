/*
 * output.h - how muster shows replies: lines for a person as they arrive,
 * or one JSON document at the end (-j).
 */
#ifndef MST_OUTPUT_H
#define MST_OUTPUT_H

#include <muster/client.h>
#include <stdint.h>

enum mst_output_style {
    MST_OUTPUT_PING, /* one line per node with its round-trip time */
    MST_OUTPUT_RPC,  /* each node's outputs */
};

/* --display: which replies to print; DDL = the action's "display" rule. */
enum mst_output_display {
    MST_OUTPUT_DISPLAY_DDL = 0,
    MST_OUTPUT_DISPLAY_ALL,
    MST_OUTPUT_DISPLAY_OK,
    MST_OUTPUT_DISPLAY_FAILED,
};

struct mst_output;

/*
 * mst_output_new - an output for one call.  `agent` and `action` are
 * borrowed.  Returns NULL when out of memory.  Free with mst_output_free.
 */
struct mst_output *mst_output_new(enum mst_output_style style, int json,
                                  int verbose, const char *agent,
                                  const char *action);

/*
 * mst_output_set_jsonl - stream: one JSON object per reply as it arrives,
 * then one {"stats": ...} object (instead of -j's single document).
 */
void mst_output_set_jsonl(struct mst_output *out);

/*
 * mst_output_set_stale - the nodes discovered from the inventory that did
 * not answer (borrowed until mst_output_finish): listed as stale in the
 * summary and as "stale" in the JSON statistics.
 */
void mst_output_set_stale(struct mst_output *out,
                          const struct muster_list *stale);

/* mst_output_free - release `*out` and set it to NULL. */
void mst_output_free(struct mst_output **out);

/*
 * mst_output_set_view - how to show a call: `act` (borrowed for the
 * output's life; NULL without a DDL) gives labels, the display rule and
 * the aggregates; `display` overrides the rule; `progress` draws a bar on
 * stdout when it is a terminal and `expected` (0 = unknown) is not 1.
 */
void mst_output_set_view(struct mst_output *out,
                         const struct muster_ddl_action *act, int display,
                         int progress, size_t expected);

/* mst_output_handlers - callbacks for muster_client_call that feed `out`. */
struct muster_handlers mst_output_handlers(struct mst_output *out);

/*
 * mst_output_reply_json - one reply as -j and --jsonl give it: {"sender",
 * "signer", "statuscode", "statusmsg", "data", "rtt_ms"}.  Returns a new
 * object, or NULL when out of memory.
 */
json_t *mst_output_reply_json(const struct muster_reply *rep);

/*
 * mst_output_stats_json - the "stats" object of -j and --jsonl for `st`,
 * with "stale" when `stale` is not NULL.  Returns a new object (the
 * caller's), or NULL when out of memory.
 */
json_t *mst_output_stats_json(const struct muster_stats *st,
                              const struct muster_list *stale);

/*
 * mst_output_finish - print the summary (or the JSON document) and return
 * the exit status the statistics call for (enum mst_exit).
 */
int mst_output_finish(struct mst_output *out, const struct muster_stats *st);

#endif
