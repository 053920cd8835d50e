/*
 * finding.h - what `muster doctor` and `musterd --check` report: one
 * finding per problem (or, for -v, per check that passed), each naming the
 * file or URL, saying what is wrong and the command that fixes it.
 *
 * The checks (security/certcheck.h, the broker probe in the client and the
 * daemon) report into a struct mst_findings, which counts by level and
 * hands each finding to the caller's function: the CLI prints a line, a
 * site tool may collect them.
 */
#ifndef MST_FINDING_H
#define MST_FINDING_H

#include <stddef.h>

#define MST_FINDING_TEXT_LEN 512

enum mst_finding_level {
    MST_FINDING_OK,      /* a check that passed (printed with -v) */
    MST_FINDING_WARNING, /* works now, needs attention (expires soon) */
    MST_FINDING_ERROR,   /* something will fail: fix it */
};

/* One finding; the strings live only for the call of the sink. */
struct mst_finding {
    enum mst_finding_level level;
    const char *check; /* "config", "certificate", "key", "broker", ... */
    const char *text;  /* what was found, naming the file or URL */
    const char *fix;   /* a command that fixes it; "" when none is known */
};

typedef void (*mst_finding_fn)(void *ud, const struct mst_finding *f);

/* Where findings go, and how many of each level went.  Plain data: fill
 * `fn` and `ud`, zero the counts. */
struct mst_findings {
    mst_finding_fn fn; /* may be NULL: only count */
    void *ud;
    unsigned errors, warnings, oks;
};

/*
 * mst_findings_add - hand one finding to fs->fn and count it: `fix` is the
 * command that fixes it, already written out (NULL or "" for none), and
 * the text is formatted from `fmt` (cut at MST_FINDING_TEXT_LEN).
 */
void mst_findings_add(struct mst_findings *fs, enum mst_finding_level level,
                      const char *check, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* mst_finding_level_name - "ok", "warning" or "error".  Static. */
const char *mst_finding_level_name(enum mst_finding_level level);

/*
 * mst_finding_format - the one line `muster doctor` and `musterd --check`
 * print: "LEVEL: CHECK: TEXT" and, when there is a fix, "; fix: FIX"; no
 * newline.  Into `buf` of `size` bytes (cut to fit); returns the length of
 * the whole line, as snprintf.
 */
int mst_finding_format(const struct mst_finding *f, char *buf, size_t size);

#endif
