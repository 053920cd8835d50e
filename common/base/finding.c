/*
 * finding.c - count findings and hand them on (finding.h).
 */
#include "base/finding.h"

#include <stdarg.h>
#include <stdio.h>

void mst_findings_add(struct mst_findings *fs, enum mst_finding_level level,
                      const char *check, const char *fix, const char *fmt,
                      ...) {
    char text[MST_FINDING_TEXT_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (level == MST_FINDING_ERROR)
        fs->errors++;
    else if (level == MST_FINDING_WARNING)
        fs->warnings++;
    else
        fs->oks++;
    struct mst_finding f = {level, check, text, fix ? fix : ""};
    if (fs->fn != NULL)
        fs->fn(fs->ud, &f);
}

const char *mst_finding_level_name(enum mst_finding_level level) {
    switch (level) {
    case MST_FINDING_ERROR:
        return "error";
    case MST_FINDING_WARNING:
        return "warning";
    default:
        return "ok";
    }
}

int mst_finding_format(const struct mst_finding *f, char *buf, size_t size) {
    const char *fix = f->fix != NULL ? f->fix : "";
    return snprintf(buf, size, "%s: %s: %s%s%s",
                    mst_finding_level_name(f->level), f->check, f->text,
                    fix[0] ? "; fix: " : "", fix);
}
