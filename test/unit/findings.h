/*
 * findings.h - collect the findings of a doctor check for assertions
 * (header-only): every finding's line (mst_finding_format) in a list.
 */
#ifndef MST_TEST_FINDINGS_H
#define MST_TEST_FINDINGS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "base/finding.h"
#include "base/strv.h"

static inline void findings_record(void *ud, const struct mst_finding *f) {
    char line[2048];
    mst_finding_format(f, line, sizeof line);
    ck_assert_int_eq(mst_strv_push(ud, line), 0);
}

/* The first line holding every one of the NULL-terminated `parts`. */
static inline const char *findings_line(const struct mst_strv *lines, ...) {
    for (size_t i = 0; i < lines->n; i++) {
        va_list ap;
        va_start(ap, lines);
        int all = 1;
        for (const char *p; (p = va_arg(ap, const char *)) != NULL;)
            all = all && strstr(lines->v[i], p) != NULL;
        va_end(ap);
        if (all)
            return lines->v[i];
    }
    return NULL;
}

/* Fail with every line when none holds all of `...`. */
#define ck_assert_finding(lines, ...)                                          \
    do {                                                                       \
        if (findings_line((lines), __VA_ARGS__, (const char *)NULL) == NULL) { \
            for (size_t i_ = 0; i_ < (lines)->n; i_++)                         \
                fprintf(stderr, "  %s\n", (lines)->v[i_]);                     \
            ck_abort_msg("no finding with %s", #__VA_ARGS__);                  \
        }                                                                      \
    } while (0)

#endif
