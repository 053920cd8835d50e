/*
 * regexp.h - regular expressions from untrusted text, in RE2 syntax (what
 * Choria and Go use), matched in bounded time.
 *
 * Every pattern that comes from a request, a filter, a policy or a DDL is
 * written in RE2 syntax and translated here into the POSIX extended
 * regular expression glibc's regcomp() compiles: \d \w \s \b and their
 * capitals, (?:...), named groups, a leading (?i) or (?s), lazy
 * quantifiers (same matches), \Q...\E, \x41, a '{' that starts no
 * repetition read literally ("^{.+}$").  What POSIX cannot do in bounded
 * time or RE2 does not have (back-references, \p{..}, inline flags
 * elsewhere) is refused with its position.  Bounds: the pattern's length,
 * the number of quantifiers, each repetition count and the product of
 * nested ones, so the automaton stays small.  Matching is by byte: "."
 * and [^...] take one byte of a multi-byte character (docs/filters.md).
 */
#ifndef MST_REGEXP_H
#define MST_REGEXP_H

#include <regex.h>

#include "base/err.h"

#define MST_REGEXP_MAX_LEN 512   /* bytes of pattern */
#define MST_REGEXP_MAX_BOUND 100 /* largest m or n in {m,n} */
#define MST_REGEXP_MAX_QUANT 32  /* quantifiers in one pattern */
/* Room for any translated pattern ("." becomes 5 bytes). */
#define MST_REGEXP_POSIX_MAX (6 * MST_REGEXP_MAX_LEN + 1)

/*
 * mst_regexp_compile - translate the RE2 `pattern` (checking the bounds
 * above) and compile it with REG_EXTENDED | `cflags` (REG_ICASE, REG_NOSUB;
 * a leading "(?i)" adds REG_ICASE).  Returns MST_OK with `re` ready (free
 * it with regfree), or MST_EINVAL with the reason and position in `err`
 * (and `re` untouched).
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

/* mst_regexp_match_slashed_flags - the same, compiled with `cflags` added
 * (REG_ICASE for Choria's case-insensitive fact matches). */
int mst_regexp_match_slashed_flags(const char *slashed, const char *text,
                                   int cflags, struct mst_err *err);

/*
 * mst_regexp_translate - rewrite the RE2 pattern `src` as the POSIX ERE it
 * means, into `dst` of `size` bytes (MST_REGEXP_POSIX_MAX is always
 * enough), and add to *cflags (may be NULL) the flags a leading "(?i)"
 * asks for.  Returns MST_OK or MST_EINVAL with "regular expression at
 * position N: reason" in `err`.
 */
int mst_regexp_translate(const char *src, char *dst, size_t size, int *cflags,
                         struct mst_err *err);

#endif
