/*
 * aggregate.h - an action's aggregates over the data of the replies, as
 * `muster rpc` prints below the replies: MCollective's summary, average and
 * sum, and the choria-plugins agents' boolean_summary, nagios_states,
 * process_summary, nettest_mma, and go-choria's chart.
 */
#ifndef MST_DDL_AGGREGATE_H
#define MST_DDL_AGGREGATE_H

#include <jansson.h>

#include "ddl/ddl.h"

/*
 * mst_ddl_aggregate_compute - compute `act`'s aggregates over `datas`, an
 * array of the data objects of successful replies (borrowed).  Returns a
 * new array (the caller's; empty when the action has none) of objects with
 * "function", "output", "display_as" and
 *   summary, boolean_summary, nagios_states: "value": {VALUE: COUNT, ...}
 *       (keys: strings as they are, other values as compact JSON; true and
 *       false by boolean_summary's labels; nagios_states: OK, WARNING,
 *       CRITICAL, UNKNOWN), and with a DDL format "lines": [TEXT, ...],
 *       one per value, most frequent first;
 *   average, sum: "value": NUMBER, "count": N, "text": FORMATTED;
 *   nettest_mma: "value": [MIN, MAX, AVERAGE], "count", "text";
 *   process_summary: "value": [HOSTS, PROCESSES, RSS, VSIZE] (bytes),
 *       "count", "text" (four lines);
 *   chart: "count", "text" (an ASCII chart, several lines).
 * Replies without the output, or with a value the function cannot use,
 * are left out of that aggregate (nagios_states counts them UNKNOWN, as
 * its Ruby code does).  NULL only when out of memory.
 */
json_t *mst_ddl_aggregate_compute(const struct mst_ddl_action *act,
                                  const json_t *datas);

#endif
