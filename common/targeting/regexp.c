/*
 * regexp.c - RE2 syntax translated into the POSIX ERE glibc compiles.
 *
 * Why a translation and not a new engine: glibc's regexec has no
 * back-references to follow once \1 is refused, and its automaton grows
 * with the pattern's size times its repetition counts, both bounded here,
 * so matching stays bounded in time without a new dependency.  Debian 12
 * ships RE2 only as a C++ library (no C wrapper), which would bring a C++
 * toolchain into every part that matches text.
 */
#include "targeting/regexp.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Largest product of nested repetition counts ("(a{10}){10}" is 100),
 * RE2's own limit: the automaton grows with it. */
#define MAX_REPEAT_PRODUCT 1000
#define MAX_GROUP_DEPTH 32

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
    if (b->size > 0)
        b->p[b->n] = '\0';
}

static void sb_putc(struct sbuf *b, char c) {
    char s[2] = {c, '\0'};
    sb_put(b, s);
}

/* The translation of one pattern. */
struct xlate {
    const char *s;  /* the RE2 pattern */
    struct sbuf o;  /* the POSIX ERE */
    int dotall;     /* (?s): "." matches a newline too */
    int cflags;     /* REG_ICASE for (?i) */
    int can_repeat; /* the output ends with an atom a quantifier may take */
    int quantified; /* 1: it ends with a quantifier; 2: with a lazy one */
    int quants;
    int depth;                           /* open groups */
    size_t open_at[MAX_GROUP_DEPTH + 1]; /* where each one opened */
    long weight[MAX_GROUP_DEPTH + 1];    /* largest repetition product inside */
    long last_weight;                    /* that of the last atom */
    struct mst_err *err;
};

static int fail(struct xlate *x, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct xlate *x, size_t pos, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mst_err_vset(x->err, MST_EINVAL, fmt, ap);
    va_end(ap);
    return mst_err_prefix(x->err, "bad regular expression at position %zu",
                          pos + 1);
}

static int is_ere_special(char c) {
    return c != '\0' && strchr(".[]()*+?{}|^$\\", c) != NULL;
}

static int is_ascii_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

/* Length of the valid UTF-8 sequence at p (non-ASCII), or 0. */
static size_t utf8_len(const unsigned char *p) {
    size_t n = p[0] >= 0xf0 && p[0] <= 0xf4   ? 4
               : p[0] >= 0xe0                 ? 3
               : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
                                              : 0;
    if (n == 0 || p[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
        (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0; /* overlong, surrogate or beyond U+10FFFF */
    return n;
}

/* A control-character escape (\n \t \r \f \v \a), or 0. */
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
    case 'a':
        return '\a';
    default:
        return 0;
    }
}

/* "\xHH" or "\x{H...}" at s[*i] == 'x': an ASCII character, or 0 (bad or
 * not ASCII); *i is left on its last byte. */
static char hex_escape(const char *s, size_t *i) {
    size_t j = *i + 1, end;
    int braced = s[j] == '{';
    j += (size_t)braced;
    long v = 0;
    for (end = j; end < j + (braced ? 8 : 2); end++) {
        char c = s[end];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            break;
        v = v * 16 + d;
    }
    if (end == j || (!braced && end != j + 2) || (braced && s[end] != '}'))
        return 0;
    *i = braced ? end : end - 1;
    return v > 0 && v < 0x80 ? (char)v : 0;
}

/* ---- bracket expressions ---- */

/* POSIX wants "]" first, "^" anywhere but first and "-" last, and reads
 * "[" followed by ". : =" as the start of a class: those four are
 * collected as flags and placed where POSIX reads them literally. */
struct bracket {
    struct sbuf body;
    int hyphen, rbracket, caret, lbracket;
};

static void bracket_literal(struct bracket *br, char c) {
    if (c == '-')
        br->hyphen = 1;
    else if (c == ']')
        br->rbracket = 1;
    else if (c == '^')
        br->caret = 1;
    else if (c == '[')
        br->lbracket = 1;
    else
        sb_putc(&br->body, c);
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

/* One backslash escape inside [...], at s[*j] == '\\'. */
static int bracket_escape(struct xlate *x, struct bracket *br, size_t *j) {
    size_t at = (*j)++;
    char d = x->s[*j];
    const char *members = class_members(d);
    if (members != NULL) {
        sb_put(&br->body, members);
    } else if (control_escape(d)) {
        sb_putc(&br->body, control_escape(d));
    } else if (d == 'x') {
        char c = hex_escape(x->s, j);
        if (c == 0)
            return fail(x, at, "\\x needs an ASCII character code");
        bracket_literal(br, c);
    } else if (d != '\0' && (unsigned char)d < 0x80 && !is_ascii_alnum(d)) {
        bracket_literal(br, d);
    } else {
        return fail(x, at, "\\%c inside [...] is not supported", d ? d : '0');
    }
    return MST_OK;
}

/* "[:name:]" at s[*j]; RE2's "word" is POSIX "alnum" and "_". */
static int bracket_class(struct xlate *x, struct bracket *br, size_t *j) {
    const char *start = x->s + *j, *end = strstr(start, ":]");
    if (end == NULL)
        return fail(x, *j, "'[:' without ':]'");
    if (start[2] == '^')
        return fail(x, *j, "negated [:^class:] is not supported");
    if (end - start == 6 && strncmp(start, "[:word", 6) == 0)
        sb_put(&br->body, "[:alnum:]_");
    else
        for (const char *p = start; p < end + 2; p++)
            sb_putc(&br->body, *p);
    *j += (size_t)(end + 1 - start);
    return MST_OK;
}

/* Translate the bracket expression starting at s[*i] == '['. */
static int translate_bracket(struct xlate *x, size_t *i) {
    char body[4 * MST_REGEXP_MAX_LEN + 1];
    struct bracket br = {.body = {body, 0, sizeof body, 0}};
    body[0] = '\0';
    const char *s = x->s;
    size_t j = *i + 1;
    int neg = s[j] == '^';
    j += (size_t)neg;
    for (int first = 1;; j++, first = 0) {
        char c = s[j];
        int rc = MST_OK;
        if (c == '\0')
            return fail(x, *i, "'[' without ']'");
        if (c == ']' && !first)
            break;
        if ((unsigned char)c >= 0x80)
            return fail(x, j,
                        "characters beyond ASCII inside [...] are "
                        "not supported");
        if (c == ']' || (c == '-' && (first || s[j + 1] == ']')))
            bracket_literal(&br, c);
        else if (c == '[' && s[j + 1] == ':')
            rc = bracket_class(x, &br, &j);
        else if (c == '[')
            bracket_literal(&br, c);
        else if (c == '\\')
            rc = bracket_escape(x, &br, &j);
        else if (c == '^' && br.body.n == 0)
            bracket_literal(&br, c);
        else
            sb_putc(&br.body, c);
        if (rc != MST_OK)
            return rc;
    }
    *i = j;
    if (!neg && !br.rbracket && br.body.n == 0 && !br.lbracket && !br.hyphen &&
        br.caret) {
        sb_put(&x->o, "\\^"); /* "[\^]": a lone caret */
        return MST_OK;
    }
    sb_put(&x->o, neg ? "[^" : "[");
    sb_put(&x->o, br.rbracket ? "]" : "");
    sb_put(&x->o, body);
    sb_put(&x->o, br.lbracket ? "[" : "");
    sb_put(&x->o, br.caret ? "^" : "");
    sb_put(&x->o, br.hyphen ? "-]" : "]");
    x->o.over |= br.body.over;
    return MST_OK;
}

/* ---- atoms, groups and quantifiers ---- */

static void atom(struct xlate *x) {
    x->can_repeat = 1;
    x->quantified = 0;
    x->last_weight = 1;
}

static void assertion(struct xlate *x) {
    x->can_repeat = 0;
    x->quantified = 0;
}

/* One literal character (or a UTF-8 sequence, kept together in a group so
 * that a quantifier repeats all of it) at s[*i]. */
static void ascii_literal(struct xlate *x, char c) {
    if (is_ere_special(c))
        sb_putc(&x->o, '\\');
    sb_putc(&x->o, c);
    atom(x);
}

static int literal(struct xlate *x, size_t *i) {
    const unsigned char *p = (const unsigned char *)x->s + *i;
    if (*p < 0x80) {
        ascii_literal(x, (char)*p);
    } else {
        size_t n = utf8_len(p);
        if (n == 0)
            return fail(x, *i, "not UTF-8");
        sb_putc(&x->o, '(');
        for (size_t k = 0; k < n; k++)
            sb_putc(&x->o, (char)p[k]);
        sb_putc(&x->o, ')');
        *i += n - 1;
        atom(x);
    }
    return MST_OK;
}

/* "{m}", "{m,}" or "{m,n}" at p: its length (0 if it is not one, and so
 * literal) and its largest count (m, or n). */
static size_t repeat_len(const char *p, long *count_r, long *low_r) {
    size_t i = 1;
    long v[2] = {-1, -1};
    for (int k = 0; k < 2; k++) {
        if (p[i] >= '0' && p[i] <= '9')
            v[k] = 0;
        for (; p[i] >= '0' && p[i] <= '9'; i++)
            if (v[k] <= MST_REGEXP_MAX_BOUND)
                v[k] = v[k] * 10 + (p[i] - '0');
        if (k == 0 && (v[0] < 0 || p[i] != ','))
            break;
        if (k == 0)
            i++;
    }
    if (v[0] < 0 || p[i] != '}')
        return 0;
    *low_r = v[0];
    *count_r = v[1] >= 0 ? v[1] : v[0];
    return i + 1;
}

static int quantifier(struct xlate *x, size_t *i) {
    const char *p = x->s + *i;
    size_t len = 1;
    long count = 1, low = 0;
    if (*p == '?' && x->quantified == 1) {
        x->quantified = 2; /* lazy: the same set of matches */
        return MST_OK;
    }
    if (*p == '{')
        len = repeat_len(p, &count, &low);
    if (x->quantified)
        return fail(x, *i, "quantifier follows another quantifier");
    if (!x->can_repeat)
        return fail(x, *i, "'%c' has nothing to repeat", *p);
    if (++x->quants > MST_REGEXP_MAX_QUANT)
        return fail(x, *i, "more than %d quantifiers", MST_REGEXP_MAX_QUANT);
    if (count > MST_REGEXP_MAX_BOUND)
        return fail(x, *i, "repetition bound above %d", MST_REGEXP_MAX_BOUND);
    if (low > count)
        return fail(x, *i, "repetition {%ld,%ld} counts down", low, count);
    long product = (count > 1 ? count : 1) * x->last_weight;
    if (product > MAX_REPEAT_PRODUCT)
        return fail(x, *i, "nested repetitions over %d", MAX_REPEAT_PRODUCT);
    if (product > x->weight[x->depth])
        x->weight[x->depth] = product;
    for (size_t k = 0; k < len; k++)
        sb_putc(&x->o, p[k]);
    *i += len - 1;
    x->can_repeat = 0;
    x->quantified = 1;
    return MST_OK;
}

/* "(?flags)" at the start; "(?:", "(?P<name>" and "(?<name>" anywhere. */
static int group_open(struct xlate *x, size_t *i) {
    const char *s = x->s;
    size_t j = *i + 1;
    if (s[j] == '?') {
        j++;
        size_t f = j;
        while (s[f] == 'i' || s[f] == 's')
            f++;
        if (s[f] == ')' && f > j && *i == 0) {
            x->cflags |= memchr(s + j, 'i', f - j) ? REG_ICASE : 0;
            x->dotall = memchr(s + j, 's', f - j) != NULL;
            *i = f;
            assertion(x);
            return MST_OK;
        }
        if (s[j] == 'P' && s[j + 1] == '<')
            j++;
        if (s[j] == '<') {
            size_t n = strspn(s + j + 1, "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_");
            if (n == 0 || s[j + 1 + n] != '>')
                return fail(x, *i, "bad group name");
            j += n + 1;
        } else if (s[j] != ':') {
            return fail(x, *i,
                        "(?%c is not supported (flags only as (?i) or (?s) "
                        "at the start)",
                        s[j] ? s[j] : ')');
        }
        j++;
    }
    if (++x->depth > MAX_GROUP_DEPTH)
        return fail(x, *i, "groups nested deeper than %d", MAX_GROUP_DEPTH);
    x->weight[x->depth] = 1;
    x->open_at[x->depth] = *i;
    sb_putc(&x->o, '(');
    *i = j - 1;
    assertion(x);
    return MST_OK;
}

static int group_close(struct xlate *x, size_t i) {
    if (x->depth == 0)
        return fail(x, i, "')' without '('");
    long inner = x->weight[x->depth--];
    if (inner > x->weight[x->depth])
        x->weight[x->depth] = inner;
    sb_putc(&x->o, ')');
    atom(x);
    x->last_weight = inner;
    return MST_OK;
}

/* "\Q...\E": every character literal. */
static int quoted(struct xlate *x, size_t *i) {
    size_t j = *i + 1;
    for (; x->s[j] != '\0' && !(x->s[j] == '\\' && x->s[j + 1] == 'E'); j++) {
        int rc = literal(x, &j);
        if (rc != MST_OK)
            return rc;
    }
    *i = x->s[j] == '\0' ? j - 1 : j + 1;
    return MST_OK;
}

/* What a class escape outside brackets becomes; NULL if `d` is not one. */
static const char *class_escape(char d) {
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
    default:
        return NULL;
    }
}

/* A backslash escape outside brackets, at s[*i] == '\\'. */
static int escape(struct xlate *x, size_t *i) {
    size_t at = (*i)++;
    char d = x->s[*i];
    const char *cls = class_escape(d);
    if (cls != NULL) {
        sb_put(&x->o, cls);
        atom(x);
    } else if (d == 'b' || d == 'B') {
        sb_put(&x->o, d == 'b' ? "\\b" : "\\B");
        assertion(x);
    } else if (d == 'A' || d == 'z' || d == 'Z') {
        sb_put(&x->o, d == 'A' ? "^" : "$");
        assertion(x);
    } else if (d == 'Q') {
        return quoted(x, i);
    } else if (control_escape(d) || d == 'x') {
        char c = d == 'x' ? hex_escape(x->s, i) : control_escape(d);
        if (c == 0)
            return fail(x, at, "\\x needs an ASCII character code");
        ascii_literal(x, c);
    } else if (d >= '1' && d <= '9') {
        return fail(x, at, "back-references (\\%c) are not supported", d);
    } else if (d == 'p' || d == 'P') {
        return fail(x, at, "Unicode classes (\\%c) are not supported", d);
    } else if (d != '\0' && (unsigned char)d < 0x80 && !is_ascii_alnum(d)) {
        return literal(x, i);
    } else if (d == '\0') {
        return fail(x, at, "trailing backslash");
    } else {
        return fail(x, at, "\\%c is not supported", d);
    }
    return MST_OK;
}

static int translate_one(struct xlate *x, size_t *i) {
    char c = x->s[*i];
    switch (c) {
    case '\\':
        return escape(x, i);
    case '[': {
        int rc = translate_bracket(x, i);
        atom(x);
        return rc;
    }
    case '(':
        return group_open(x, i);
    case ')':
        return group_close(x, *i);
    case '|':
    case '^':
    case '$':
        sb_putc(&x->o, c);
        assertion(x);
        return MST_OK;
    case '*':
    case '+':
    case '?':
        return quantifier(x, i);
    case '{': {
        long count, low;
        if (repeat_len(x->s + *i, &count, &low) > 0)
            return quantifier(x, i);
        return literal(x, i);
    }
    case '.':
        sb_put(&x->o, x->dotall ? "." : "[^\n]");
        atom(x);
        return MST_OK;
    default:
        return literal(x, i);
    }
}

int mst_regexp_translate(const char *src, char *dst, size_t size, int *cflags,
                         struct mst_err *err) {
    if (strlen(src) > MST_REGEXP_MAX_LEN)
        return mst_err_set(err, MST_EINVAL,
                           "regular expression longer than %d bytes",
                           MST_REGEXP_MAX_LEN);
    struct xlate x = {.s = src, .o = {dst, 0, size, size == 0}, .err = err};
    x.weight[0] = 1;
    if (size > 0)
        dst[0] = '\0';
    for (size_t i = 0; src[i] != '\0' && !x.o.over; i++) {
        int rc = translate_one(&x, &i);
        if (rc != MST_OK)
            return rc;
    }
    if (x.depth > 0)
        return fail(&x, x.open_at[x.depth], "'(' without ')'");
    if (x.o.over)
        return mst_err_set(err, MST_EINVAL,
                           "regular expression too long once translated");
    if (cflags != NULL)
        *cflags |= x.cflags;
    return MST_OK;
}

int mst_regexp_compile(regex_t *re, const char *pattern, int cflags,
                       struct mst_err *err) {
    char posix[MST_REGEXP_POSIX_MAX];
    int rc = mst_regexp_translate(pattern, posix, sizeof posix, &cflags, err);
    if (rc != MST_OK)
        return rc;
    rc = regcomp(re, posix, REG_EXTENDED | cflags);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        regfree(re);
        return mst_err_set(err, MST_EINVAL, "bad regular expression /%s/: %s",
                           pattern, why);
    }
    return MST_OK;
}

static int match_flags(const char *pattern, const char *text, int cflags,
                       struct mst_err *err) {
    regex_t re;
    int rc = mst_regexp_compile(&re, pattern, REG_NOSUB | cflags, err);
    if (rc != MST_OK)
        return rc;
    rc = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return rc;
}

int mst_regexp_match(const char *pattern, const char *text,
                     struct mst_err *err) {
    return match_flags(pattern, text, 0, err);
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

int mst_regexp_match_slashed_flags(const char *slashed, const char *text,
                                   int cflags, struct mst_err *err) {
    char *body = unslash(slashed);
    if (body == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = match_flags(body, text, cflags, err);
    free(body);
    return rc;
}

int mst_regexp_match_slashed(const char *slashed, const char *text,
                             struct mst_err *err) {
    return mst_regexp_match_slashed_flags(slashed, text, 0, err);
}
