/*
 * regexp.h - POSIX extended regular expressions from untrusted text, with
 * bounds.
 *
 * glibc's regcomp() builds automata whose size can explode on short
 * patterns ("a++++++..." or "(a{100}){100}"), so every pattern that comes
 * from a request, a filter or a DDL is checked here first: a length cap,
 * no quantifier stacked on a quantifier (undefined in POSIX ERE anyway),
 * and small {m,n} bounds.
 */
#ifndef MST_REGEXP_H
#define MST_REGEXP_H

#include <regex.h>

#include "base/err.h"

#define MST_REGEXP_MAX_LEN 512   /* bytes of pattern */
#define MST_REGEXP_MAX_BOUND 100 /* largest m or n in {m,n} */
#define MST_REGEXP_MAX_QUANT 32  /* quantifiers in one pattern */

/*
 * mst_regexp_compile - check `pattern` against the bounds above and compile
 * it with REG_EXTENDED | `cflags`.  Returns MST_OK with `re` ready (free it
 * with regfree), or MST_EINVAL with the reason and position in `err` (and
 * `re` untouched).
 */
int mst_regexp_compile(regex_t *re, const char *pattern, int cflags,
                       struct mst_err *err);

/*
 * mst_regexp_match - compile `pattern`, match `text`, free.  Returns 1, 0,
 * or MST_EINVAL for a bad pattern.
 */
int mst_regexp_match(const char *pattern, const char *text,
                     struct mst_err *err);

/*
 * Filters write a regular expression between slashes: "/^web\d+$/".
 * mst_regexp_is_slashed - true if `s` is such a "/re/" (two slashes at
 * least; "//" is the empty pattern).
 */
int mst_regexp_is_slashed(const char *s);

/*
 * mst_regexp_check_slashed - compile the pattern between the slashes of
 * `slashed` (which must satisfy mst_regexp_is_slashed) and free it, to
 * refuse a bad filter before it is sent or run.  Returns MST_OK, MST_EINVAL
 * with the reason, or MST_ENOMEM.
 */
int mst_regexp_check_slashed(const char *slashed, struct mst_err *err);

/*
 * mst_regexp_match_slashed - mst_regexp_match with the pattern between the
 * slashes of `slashed`.  Returns 1, 0, MST_EINVAL or MST_ENOMEM.
 */
int mst_regexp_match_slashed(const char *slashed, const char *text,
                             struct mst_err *err);

/*
 * mst_regexp_translate - rewrite a pattern written for RE2/Ruby/PCRE (as in
 * Choria DDLs: "^[\w\-\.]+$") as the POSIX ERE it means, into `dst` of
 * `size` bytes.  Outside brackets \d \w \s and their capitals become
 * classes, \A and \z anchors, an escaped punctuation character stays
 * literal; inside brackets the same escapes become members ("[\w\-]" ->
 * "[[:alnum:]_-]"), since POSIX reads a backslash there literally.  Other
 * escapes (back-references, \b, \p{..}) and "(?" groups are refused.
 * Returns MST_OK or MST_EINVAL with the reason in `err`.
 */
int mst_regexp_translate(const char *src, char *dst, size_t size,
                         struct mst_err *err);

#endif
