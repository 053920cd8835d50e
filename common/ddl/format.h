/*
 * format.h - the printf formats a DDL gives its aggregates: checked when
 * the DDL loads (on both sides), applied by ddl/aggregate.c (the client).
 * Apart from the aggregates so that musterd, which loads DDLs but never
 * computes an aggregate, links neither their code nor libm.
 */
#ifndef MST_DDL_FORMAT_H
#define MST_DDL_FORMAT_H

#include "ddl/ddl.h"

/*
 * mst_ddl_format_ok - true if `format` is safe for `function`:
 * shorter than 64 bytes, text around %[flags][width][.precision]CONV with
 * CONV in d i f g e E s ("%%" is a literal percent): one conversion for
 * average and sum; for the counting ones %s (the value) and optionally a
 * second d i or s (its count); three for nettest_mma; one %s for chart.
 * process_summary has its own fixed format and ignores the DDL's.  The
 * loader refuses any other format.
 */
int mst_ddl_format_ok(enum mst_ddl_function function, const char *format);

/*
 * mst_ddl_format_skip - `p` (just after a conversion's '%') past the
 * conversion's flags, width and precision: at its letter.
 */
const char *mst_ddl_format_skip(const char *p);

#endif
