/*
 * aggregate.h - an action's aggregates (summary, average, sum) over the
 * data of the replies, as `muster rpc` prints below the replies.
 */
#ifndef MST_DDL_AGGREGATE_H
#define MST_DDL_AGGREGATE_H

#include <jansson.h>

#include "ddl/ddl.h"

/*
 * mst_ddl_aggregate_compute - compute `act`'s aggregates over `datas`, an
 * array of the data objects of successful replies (borrowed).  Returns a
 * new array (the caller's; empty when the action has none) of
 *   {"function": "summary", "output": NAME, "display_as": LABEL,
 *    "value": {VALUE: COUNT, ...}}       (keys: strings as they are, other
 *                                          values as compact JSON)
 *   {"function": "average"|"sum", "output", "display_as", "value": NUMBER,
 *    "count": N, "text": FORMATTED}
 * Replies without the output, or with a non-number for average/sum, are
 * left out of that aggregate.  NULL only when out of memory.
 */
json_t *mst_ddl_aggregate_compute(const struct mst_ddl_action *act,
                                  const json_t *datas);

/*
 * mst_ddl_aggregate_format_ok - true if `format` is safe to give a number
 * to: shorter than 64 bytes, text around exactly one
 * %[flags][width][.precision]CONV with CONV in d i f g e E s ("%%" is a
 * literal percent).  The loader refuses any other format.
 */
int mst_ddl_aggregate_format_ok(const char *format);

#endif
