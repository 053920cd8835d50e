#include "regexp.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"

static int is_quant(char c) {
    return c == '*' || c == '+' || c == '?' || c == '{';
}

/* Read "{m}", "{m,}" or "{m,n}" at p; returns the length or 0 if bad. */
static size_t brace_len(const char *p, int *too_big) {
    size_t i = 1;
    long bound = 0;
    *too_big = 0;
    for (; p[i] != '\0' && p[i] != '}'; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            /* stop growing once over the bound: no overflow */
            if (bound <= MST_REGEXP_MAX_BOUND)
                bound = bound * 10 + (p[i] - '0');
            if (bound > MST_REGEXP_MAX_BOUND)
                *too_big = 1;
        } else if (p[i] == ',') {
            bound = 0;
        } else {
            return 0;
        }
    }
    return p[i] == '}' ? i + 1 : 0;
}

static int check_bounds(const char *pattern, struct mst_err *err) {
    size_t n = strlen(pattern);
    if (n > MST_REGEXP_MAX_LEN)
        return mst_err_set(err, MST_EINVAL,
                           "regular expression longer than %d bytes",
                           MST_REGEXP_MAX_LEN);
    /* Counted anywhere, even where they are literal (inside [...]): a
     * cheap over-estimate that no real filter comes near. */
    int quants = 0;
    for (size_t i = 0; i < n; i++)
        quants += is_quant(pattern[i]);
    if (quants > MST_REGEXP_MAX_QUANT)
        return mst_err_set(err, MST_EINVAL,
                           "regular expression: more than %d quantifiers",
                           MST_REGEXP_MAX_QUANT);
    int after_quant = 0, in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = pattern[i];
        if (in_class) { /* a backslash is literal inside [...] */
            in_class = c != ']';
            continue;
        }
        if (c == '\\' && i + 1 < n) {
            i++;
            after_quant = 0;
            continue;
        }
        if (c == '[') {
            in_class = 1;
            /* "[]...]" and "[^]...]": that first ']' is a member */
            if (pattern[i + 1] == '^')
                i++;
            if (pattern[i + 1] == ']')
                i++;
            after_quant = 0;
            continue;
        }
        if (!is_quant(c)) {
            after_quant = 0;
            continue;
        }
        if (after_quant)
            return mst_err_set(err, MST_EINVAL,
                               "regular expression: quantifier at position "
                               "%zu follows another quantifier",
                               i + 1);
        if (c == '{') {
            int too_big;
            size_t len = brace_len(pattern + i, &too_big);
            if (too_big)
                return mst_err_set(err, MST_EINVAL,
                                   "regular expression: repetition bound at "
                                   "position %zu above %d",
                                   i + 1, MST_REGEXP_MAX_BOUND);
            if (len > 0)
                i += len - 1;
        }
        after_quant = 1;
    }
    return MST_OK;
}

int mst_regexp_compile(regex_t *re, const char *pattern, int cflags,
                      struct mst_err *err) {
    int rc = check_bounds(pattern, err);
    if (rc != MST_OK)
        return rc;
    rc = regcomp(re, pattern, REG_EXTENDED | cflags);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        regfree(re);
        return mst_err_set(err, MST_EINVAL, "bad regular expression /%s/: %s",
                           pattern, why);
    }
    return MST_OK;
}

int mst_regexp_match(const char *pattern, const char *text,
                    struct mst_err *err) {
    regex_t re;
    int rc = mst_regexp_compile(&re, pattern, REG_NOSUB, err);
    if (rc != MST_OK)
        return rc;
    rc = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return rc;
}
