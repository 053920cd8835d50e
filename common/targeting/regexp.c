#include "targeting/regexp.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"

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

/* ---- "/re/" ---- */

int mst_regexp_is_slashed(const char *s) {
    size_t n = strlen(s);
    return n >= 2 && s[0] == '/' && s[n - 1] == '/';
}

/* The pattern between the slashes, as a new string (NULL: no memory). */
static char *unslash(const char *slashed) {
    return strndup(slashed + 1, strlen(slashed) - 2);
}

int mst_regexp_check_slashed(const char *slashed, struct mst_err *err) {
    char *body = unslash(slashed);
    if (body == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    regex_t re;
    int rc = mst_regexp_compile(&re, body, REG_NOSUB, err);
    if (rc == MST_OK)
        regfree(&re);
    free(body);
    return rc;
}

int mst_regexp_match_slashed(const char *slashed, const char *text,
                             struct mst_err *err) {
    char *body = unslash(slashed);
    if (body == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = mst_regexp_match(body, text, err);
    free(body);
    return rc;
}

/* ---- RE2/PCRE escapes to POSIX ---- */

/* A bounded string builder; `over` records that something did not fit. */
struct sbuf {
    char *p;
    size_t n, size;
    int over;
};

static void sb_put(struct sbuf *b, const char *s) {
    for (; *s != '\0'; s++) {
        if (b->n + 1 >= b->size) {
            b->over = 1;
            return;
        }
        b->p[b->n++] = *s;
    }
    b->p[b->n] = '\0';
}

static void sb_putc(struct sbuf *b, char c) {
    char s[2] = {c, '\0'};
    sb_put(b, s);
}

static int is_ere_special(char c) {
    return c != '\0' && strchr(".[]()*+?{}|^$\\", c) != NULL;
}

/* A control-character escape (\n \t \r \f \v), or 0. */
static char control_escape(char c) {
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case 'f':
        return '\f';
    case 'v':
        return '\v';
    default:
        return 0;
    }
}

/* Members a class escape adds inside brackets; NULL if `c` is not one. */
static const char *class_members(char c) {
    switch (c) {
    case 'd':
        return "0-9";
    case 'w':
        return "[:alnum:]_";
    case 's':
        return "[:space:]";
    default:
        return NULL;
    }
}

struct bracket {
    struct sbuf body;
    int hyphen, rbracket, caret;
};

/* One backslash escape inside [...], at s[j] == '\\'. */
static int bracket_escape(struct bracket *br, char d, struct mst_err *err) {
    const char *members = class_members(d);
    if (members != NULL)
        sb_put(&br->body, members);
    else if (d == '-')
        br->hyphen = 1;
    else if (d == ']')
        br->rbracket = 1;
    else if (d == '^')
        br->caret = 1;
    else if (control_escape(d))
        sb_putc(&br->body, control_escape(d));
    else if (d != '\0' && strchr("\\[.$*+?(){}|/&~#", d) != NULL)
        sb_putc(&br->body, d);
    else
        return mst_err_set(err, MST_EINVAL,
                           "regular expression: \\%c inside [...] is not "
                           "supported",
                           d ? d : '0');
    return MST_OK;
}

/* Translate the bracket expression starting at s[*i] == '['. */
static int translate_bracket(const char *s, size_t *i, struct sbuf *o,
                             struct mst_err *err) {
    char body[2 * MST_REGEXP_MAX_LEN + 1];
    struct bracket br = {.body = {body, 0, sizeof body, 0}};
    body[0] = '\0';
    size_t j = *i + 1;
    int neg = s[j] == '^';
    j += (size_t)neg;
    for (int first = 1;; j++, first = 0) {
        char c = s[j];
        if (c == '\0')
            return mst_err_set(err, MST_EINVAL,
                               "regular expression: '[' without ']'");
        if (c == ']' && !first)
            break;
        if (c == ']' || (c == '-' && (first || s[j + 1] == ']'))) {
            *(c == ']' ? &br.rbracket : &br.hyphen) = 1;
        } else if (c == '[' && s[j + 1] == ':') {
            const char *end = strstr(s + j, ":]");
            if (end == NULL)
                return mst_err_set(err, MST_EINVAL,
                                   "regular expression: '[:' without ':]'");
            for (; s + j < end + 1; j++)
                sb_putc(&br.body, s[j]);
            sb_putc(&br.body, ']');
        } else if (c == '\\') {
            int rc = bracket_escape(&br, s[++j], err);
            if (rc != MST_OK)
                return rc;
        } else if (c == '^' && br.body.n == 0) {
            br.caret = 1;
        } else {
            sb_putc(&br.body, c);
        }
    }
    *i = j;
    if (!neg && !br.rbracket && br.body.n == 0 && br.caret && !br.hyphen) {
        sb_put(o, "\\^"); /* "[\^]": a lone caret */
        return MST_OK;
    }
    sb_put(o, neg ? "[^" : "[");
    sb_put(o, br.rbracket ? "]" : "");
    sb_put(o, body);
    sb_put(o, br.caret ? "^" : "");
    sb_put(o, br.hyphen ? "-]" : "]");
    o->over |= br.body.over;
    return MST_OK;
}

/* What an escape outside brackets becomes; NULL if unsupported. */
static const char *outside_escape(char d, char lit[3]) {
    switch (d) {
    case 'd':
        return "[0-9]";
    case 'D':
        return "[^0-9]";
    case 'w':
        return "[[:alnum:]_]";
    case 'W':
        return "[^[:alnum:]_]";
    case 's':
        return "[[:space:]]";
    case 'S':
        return "[^[:space:]]";
    case 'A':
        return "^";
    case 'z':
    case 'Z':
        return "$";
    default:
        break;
    }
    lit[0] = lit[1] = lit[2] = '\0';
    if (control_escape(d)) {
        lit[0] = control_escape(d);
    } else if (is_ere_special(d)) {
        lit[0] = '\\';
        lit[1] = d;
    } else if (d != '\0' && strchr("-/#&~'\"!@%=:;,<>`_ ", d) != NULL) {
        lit[0] = d;
    } else {
        return NULL;
    }
    return lit;
}

int mst_regexp_translate(const char *src, char *dst, size_t size,
                         struct mst_err *err) {
    if (strlen(src) > MST_REGEXP_MAX_LEN)
        return mst_err_set(err, MST_EINVAL,
                           "regular expression longer than %d bytes",
                           MST_REGEXP_MAX_LEN);
    struct sbuf o = {dst, 0, size, size == 0};
    if (size > 0)
        dst[0] = '\0';
    for (size_t i = 0; src[i] != '\0' && !o.over; i++) {
        char c = src[i], lit[3];
        if (c == '[') {
            int rc = translate_bracket(src, &i, &o, err);
            if (rc != MST_OK)
                return rc;
        } else if (c == '(' && src[i + 1] == '?') {
            return mst_err_set(err, MST_EINVAL,
                               "regular expression: (?...) groups are not "
                               "supported");
        } else if (c == '\\') {
            const char *t = outside_escape(src[++i], lit);
            if (t == NULL)
                return mst_err_set(err, MST_EINVAL,
                                   "regular expression: \\%c is not "
                                   "supported",
                                   src[i] ? src[i] : '0');
            sb_put(&o, t);
        } else {
            sb_putc(&o, c);
        }
    }
    if (o.over)
        return mst_err_set(err, MST_EINVAL,
                           "regular expression too long once translated");
    return MST_OK;
}
