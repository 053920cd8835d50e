/*
 * expr.h - compound filter expressions (-S), parsed from untrusted text.
 *
 *   (role=web and os.family=Debian) or not /^legacy::/
 *   fstat("/etc/motd").size > 100 and agent("rpcutil")
 *   fact("kernel.version") >= 5.10.0
 *
 * The full grammar is in docs/filters.md.  An expression is data, never
 * code: its length, its nesting depth and its number of terms are bounded,
 * parsing is a recursive descent whose depth is checked before each level
 * (10,000 "(" give an error, not a stack overflow), regular expressions
 * go through common/regexp.c, and fstat() only takes absolute paths.
 *
 * The parser knows nothing about nodes: the evaluator asks its caller for
 * facts, classes and agents through struct mst_expr_env, so the same
 * expressions serve request filters and authorisation policies.
 */
#ifndef MST_EXPR_H
#define MST_EXPR_H

#include <jansson.h>

#include "base/err.h"

#define MST_EXPR_LEN_MAX 4096  /* bytes of expression text */
#define MST_EXPR_DEPTH_MAX 32  /* nested "(" and "not" */
#define MST_EXPR_TERMS_MAX 256 /* comparisons and tests */
/* fstat("...").sha256 reads at most this much of a file. */
#define MST_EXPR_SHA256_MAX (64L * 1024 * 1024)

struct mst_expr;

/*
 * How text compares (config key filter_semantics, docs/filters.md):
 * Choria's way ignores case in ==, !=, =~ and the text orderings, Ruby
 * MCollective's is exact.  Booleans and arrays compare the same either way.
 */
enum mst_match_semantics {
    MST_MATCH_CHORIA = 0, /* the default */
    MST_MATCH_MCOLLECTIVE,
};

/* mst_expr_semantics - the semantics named by filter_semantics ("choria",
 * "mcollective"); NULL or anything else is MST_MATCH_CHORIA. */
enum mst_match_semantics mst_expr_semantics(const char *name);

/*
 * What an expression asks of the thing it is evaluated on.  Every callback
 * may be NULL (then: no facts, no classes, no agents).  `pattern` is an
 * exact name or "/regex/".  has_class/has_agent return 1, 0 or a negative
 * MST_E* code with `err` filled.
 */
struct mst_expr_env {
    const json_t *(*fact)(void *ud, const char *name); /* borrowed or NULL */
    int (*has_class)(void *ud, const char *pattern, struct mst_err *err);
    int (*has_agent)(void *ud, const char *pattern, struct mst_err *err);
    void *ud;
    enum mst_match_semantics semantics;
};

/*
 * mst_expr_parse - parse `text` (NUL-terminated).  Returns MST_OK and a new
 * expression in *expr_r (free with mst_expr_free), or MST_EINVAL with
 * "position N: reason" in `err` (N counts bytes from 1).  Thread-safe.
 */
int mst_expr_parse(const char *text, struct mst_expr **expr_r,
                   struct mst_err *err);

/*
 * mst_expr_fact_names - call `fn` with the name of every fact `expr` may
 * look up (comparisons, tests and fact("...")), so that a caller can load
 * only those: the evaluation asks env->fact for no other name.  Stops at
 * and returns the first non-zero `fn` result; else 0.
 */
int mst_expr_fact_names(const struct mst_expr *expr,
                        int (*fn)(void *ud, const char *name), void *ud);

/* mst_expr_reads_files - 1 if `expr` uses fstat(), which reads the file
 * system of whoever evaluates it, else 0. */
int mst_expr_reads_files(const struct mst_expr *expr);

/* mst_expr_free - release `*expr` and set it to NULL.  NULL is fine. */
void mst_expr_free(struct mst_expr **expr);

/*
 * mst_expr_eval - evaluate `expr` against `env`.  Returns 1 (true),
 * 0 (false) or a negative MST_E* code with `err` filled.  A parsed
 * expression may be evaluated from several threads at once.
 */
int mst_expr_eval(const struct mst_expr *expr, const struct mst_expr_env *env,
                  struct mst_err *err);

/*
 * mst_expr_compare - the comparison shared by -F and -S: does `have` OP
 * `want` hold?  OP is one of == = != < > <= >= =~.  A `want` written
 * /like this/ is a regular expression (with ==, =~ and !=).  Otherwise the
 * sides compare as numbers when both are numbers, as versions when both
 * look like versions (two dots or more, or digits mixed with letters:
 * 1.10.2 > 1.9.12, 2.4.1-rc2), else as text (ignoring case under
 * MST_MATCH_CHORIA).  Returns 1, 0, or MST_EINVAL for an unknown operator
 * or a bad regex.
 */
int mst_expr_compare(const char *have, const char *op, const char *want,
                     enum mst_match_semantics sem, struct mst_err *err);

/*
 * mst_expr_compare_fact - a fact value (borrowed; NULL = missing) against
 * `want`.  Missing: only != holds.  A boolean equals true/t/T/1/TRUE/True
 * or false/f/F/0/FALSE/False; an array holds when any element does (!=:
 * when no element equals); an object never compares.  Scalars compare by
 * mst_expr_compare on their text.
 */
int mst_expr_compare_fact(const json_t *have, const char *op, const char *want,
                          enum mst_match_semantics sem, struct mst_err *err);

/*
 * mst_expr_version_cmp - compare two version strings segment by segment
 * (digit runs as numbers, letter runs as text, "~" before anything).
 * Returns <0, 0 or >0.
 */
int mst_expr_version_cmp(const char *a, const char *b);

#endif
