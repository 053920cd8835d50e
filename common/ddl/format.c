/*
 * format.c - checking the printf formats of a DDL's aggregates.
 */
#include "ddl/format.h"

#include <string.h>

const char *mst_ddl_format_skip(const char *p) {
    p += strspn(p, "-+ 0#");
    p += strspn(p, "0123456789");
    if (*p == '.')
        p += 1 + strspn(p + 1, "0123456789");
    return p;
}

/* The conversion letters of `f` into `convs` (at most `max`); -1 if one is
 * not d i f g e E s or there are more than `max`. */
static int conversions(const char *f, char *convs, int max) {
    int n = 0;
    for (const char *p = f; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (*++p == '%')
            continue;
        p = mst_ddl_format_skip(p);
        if (*p == '\0' || strchr("difgeEs", *p) == NULL || n == max)
            return -1;
        convs[n++] = *p;
    }
    return n;
}

int mst_ddl_format_ok(enum mst_ddl_function function, const char *f) {
    char c[4];
    int n = strlen(f) < 64 ? conversions(f, c, 3) : -1;
    switch (function) {
    case MST_DDL_SUMMARY:
    case MST_DDL_BOOLEAN_SUMMARY:
    case MST_DDL_NAGIOS_STATES: /* the value, then its count */
        return (n == 1 && c[0] == 's') ||
               (n == 2 && c[0] == 's' && strchr("dis", c[1]) != NULL);
    case MST_DDL_NETTEST_MMA: /* min, max, average */
        return n == 3;
    case MST_DDL_CHART: /* the chart */
        return n == 1 && c[0] == 's';
    case MST_DDL_PROCESS_SUMMARY: /* its own format, as in Ruby */
        return 1;
    default:
        return n == 1;
    }
}
