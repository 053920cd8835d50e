/*
 * expr.c - parse and evaluate compound filter expressions.
 *
 * Parsing is recursive descent over a flat node array.  "and" and "or"
 * are n-ary nodes (a list of children), so a long chain "a and b and c
 * ..." is one level deep, not one level per operand: the only things that
 * nest are "(" and "not", and both count against MST_EXPR_DEPTH_MAX before
 * the parser descends.  Evaluation follows the same tree, so it is bounded
 * by the same depth.
 */
#include "targeting/expr.h"

#include <ctype.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/status.h"
#include "base/util.h"
#include "targeting/facts.h"
#include "targeting/regexp.h"

#define NODES_MAX (2 * MST_EXPR_TERMS_MAX)

enum ntype { N_AND, N_OR, N_NOT, N_CMP, N_TEST, N_CLASS };
enum src { SRC_FACT, SRC_FSTAT, SRC_AGENT };
enum field { F_NONE, F_PRESENT, F_SIZE, F_MODE, F_TYPE, F_MTIME, F_SHA256 };

static const char *const field_names[] = {
    [F_PRESENT] = "present", [F_SIZE] = "size",   [F_MODE] = "mode",
    [F_TYPE] = "type",       [F_MTIME] = "mtime", [F_SHA256] = "sha256",
};

struct node {
    enum ntype type;
    int first; /* first child (N_AND, N_OR, N_NOT), or -1 */
    int next;  /* next sibling, or -1 */
    enum src src;
    enum field field;
    char *arg;   /* fact name, fstat path or agent pattern (owned) */
    char op[3];  /* N_CMP: "==" "!=" "<" ">" "<=" ">=" "=~" */
    char *value; /* N_CMP: right side; N_CLASS: the class pattern (owned) */
};

struct mst_expr {
    struct node *nodes;
    int n;
    int root;
};

/* ---- tokens ---- */

enum tok_type {
    T_END,
    T_LP,
    T_RP,
    T_AND,
    T_OR,
    T_NOT,
    T_OP,
    T_WORD,
    T_STR,
    T_REGEX,
    T_BAD
};

struct tok {
    enum tok_type type;
    size_t pos;      /* offset of its first byte */
    size_t end;      /* offset just past it */
    const char *why; /* T_BAD */
};

struct parser {
    const char *s;
    size_t p;
    int depth;
    struct mst_expr *e;
    struct mst_err *err;
};

/* Longest first, so that "<=" is not read as "<". */
static const char *const ops[] = {"==", "!=", "<=", ">=", "=~", "=", "<", ">"};

static int is_word_char(char c) {
    return c != '\0' && !isspace((unsigned char)c) &&
           strchr("()\"'=!<>", c) == NULL;
}

static size_t op_len(const char *s) {
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(s, ops[i], strlen(ops[i])) == 0)
            return strlen(ops[i]);
    return 0;
}

/* Up to the closing `close`, skipping backslash escapes; 0 if none. */
static size_t quoted_len(const char *s, char close) {
    for (size_t i = 1; s[i] != '\0'; i++) {
        if (s[i] == '\\' && s[i + 1] != '\0')
            i++;
        else if (s[i] == close)
            return i + 1;
    }
    return 0;
}

static enum tok_type keyword(const char *s, size_t n) {
    if (n == 3 && strncmp(s, "and", 3) == 0)
        return T_AND;
    if (n == 2 && strncmp(s, "or", 2) == 0)
        return T_OR;
    if (n == 3 && strncmp(s, "not", 3) == 0)
        return T_NOT;
    return T_WORD;
}

static struct tok lex(const struct parser *P) {
    const char *s = P->s;
    size_t i = P->p;
    while (isspace((unsigned char)s[i]))
        i++;
    struct tok t = {.type = T_BAD, .pos = i, .end = i + 1};
    char c = s[i];
    if (c == '\0') {
        t.type = T_END;
        t.end = i;
    } else if (c == '(' || c == ')') {
        t.type = c == '(' ? T_LP : T_RP;
    } else if (c == '"' || c == '\'' || c == '/') {
        size_t n = quoted_len(s + i, c);
        t.type = n == 0 ? T_BAD : c == '/' ? T_REGEX : T_STR;
        t.end = i + n;
        t.why = c == '/' ? "unterminated regular expression"
                         : "unterminated string";
    } else if (c == '!' && s[i + 1] != '=') {
        t.type = T_NOT;
    } else if (op_len(s + i) > 0) {
        t.type = T_OP;
        t.end = i + op_len(s + i);
    } else {
        size_t n = 0;
        while (is_word_char(s[i + n]))
            n++;
        t.type = keyword(s + i, n);
        t.end = i + n;
    }
    return t;
}

static int fail_at(struct parser *P, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *P, size_t pos, const char *fmt, ...) {
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    mst_err_set(P->err, MST_EINVAL, "position %zu: %s", pos + 1, why);
    return -1;
}

static const char *tok_name(enum tok_type t) {
    static const char *const names[] = {
        [T_END] = "the end",    [T_LP] = "'('",
        [T_RP] = "')'",         [T_AND] = "'and'",
        [T_OR] = "'or'",        [T_NOT] = "'not'",
        [T_OP] = "an operator", [T_WORD] = "a word",
        [T_STR] = "a string",   [T_REGEX] = "a regular expression",
        [T_BAD] = "?"};
    return names[t];
}

static int unexpected(struct parser *P, struct tok t, const char *wanted) {
    if (t.type == T_BAD)
        return fail_at(P, t.pos, "%s", t.why ? t.why : "unexpected character");
    return fail_at(P, t.pos, "expected %s, found %s", wanted, tok_name(t.type));
}

/* The token's text: strings unquoted and unescaped, regexes kept /.../. */
static char *tok_text(const struct parser *P, struct tok t) {
    const char *s = P->s + t.pos;
    size_t n = t.end - t.pos;
    if (t.type != T_STR)
        return strndup(s, n);
    char *out = malloc(n);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == '\\' && (s[i + 1] == s[0] || s[i + 1] == '\\'))
            i++;
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

/* ---- nodes ---- */

static int new_node(struct parser *P, enum ntype type, size_t pos) {
    struct mst_expr *e = P->e;
    if (e->n >= NODES_MAX)
        return fail_at(P, pos, "more than %d terms", MST_EXPR_TERMS_MAX);
    struct node *nd = &e->nodes[e->n];
    memset(nd, 0, sizeof *nd);
    nd->type = type;
    nd->first = nd->next = -1;
    return e->n++;
}

static int set_text(struct parser *P, char **dst, struct tok t) {
    *dst = tok_text(P, t);
    if (*dst == NULL) {
        mst_err_set(P->err, MST_ENOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static int check_regex(struct parser *P, struct tok t, const char *text) {
    struct mst_err rerr = {0};
    if (mst_regexp_check_slashed(text, &rerr) == MST_OK)
        return 0;
    return fail_at(P, t.pos, "%s", rerr.msg[0] ? rerr.msg : "out of memory");
}

/* ---- grammar ---- */

static int parse_or(struct parser *P);

static int enter(struct parser *P, size_t pos) {
    if (++P->depth > MST_EXPR_DEPTH_MAX)
        return fail_at(P, pos, "nested deeper than %d levels",
                       MST_EXPR_DEPTH_MAX);
    return 0;
}

/* value := WORD | STRING | /REGEX/, checked against the operator. */
static int parse_value(struct parser *P, int nd) {
    struct tok t = lex(P);
    struct node *n = &P->e->nodes[nd];
    if (t.type != T_WORD && t.type != T_STR && t.type != T_REGEX)
        return unexpected(P, t, "a value after the operator");
    int is_re = t.type == T_REGEX;
    if (strcmp(n->op, "=~") == 0 && !is_re)
        return fail_at(P, t.pos, "=~ needs a /regular expression/");
    if (n->op[0] == '<' || n->op[0] == '>')
        if (is_re)
            return fail_at(P, t.pos, "%s cannot take a regular expression",
                           n->op);
    if (set_text(P, &n->value, t) < 0)
        return -1;
    /* A quoted "/.../" compares as a regex too (mst_expr_compare): check
     * it now, so that a node never meets a regex the client did not. */
    if (mst_regexp_is_slashed(n->value) && check_regex(P, t, n->value) < 0)
        return -1;
    P->p = t.end;
    return nd;
}

/* After an operand: "OP value" makes a comparison, else a truth test. */
static int finish_operand(struct parser *P, int nd) {
    struct tok t = lex(P);
    if (t.type != T_OP) {
        P->e->nodes[nd].type = N_TEST;
        return nd;
    }
    struct node *n = &P->e->nodes[nd];
    n->type = N_CMP;
    snprintf(n->op, sizeof n->op, "%.*s", (int)(t.end - t.pos), P->s + t.pos);
    if (strcmp(n->op, "=") == 0)
        strcpy(n->op, "==");
    P->p = t.end;
    return parse_value(P, nd);
}

static enum field field_of(const char *s, size_t n) {
    for (size_t f = F_PRESENT; f <= F_SHA256; f++)
        if (strlen(field_names[f]) == n && strncmp(s, field_names[f], n) == 0)
            return (enum field)f;
    return F_NONE;
}

/* ".field" straight after fstat(...). */
static int parse_field(struct parser *P, int nd) {
    size_t at = P->p;
    if (P->s[at] != '.')
        return fail_at(P, at,
                       "fstat() needs a field: .present, .size, "
                       ".mode, .type, .mtime or .sha256");
    size_t n = 0;
    while (isalnum((unsigned char)P->s[at + 1 + n]))
        n++;
    enum field f = field_of(P->s + at + 1, n);
    if (f == F_NONE)
        return fail_at(P, at + 1, "unknown fstat field '%.*s'", (int)n,
                       P->s + at + 1);
    P->e->nodes[nd].field = f;
    P->p = at + 1 + n;
    return nd;
}

/* NAME("argument")[.field]; NAME is fact, agent or fstat. */
static int parse_call(struct parser *P, struct tok name) {
    const char *s = P->s + name.pos;
    int nd = new_node(P, N_TEST, name.pos);
    if (nd < 0)
        return -1;
    struct node *node = &P->e->nodes[nd];
    node->src = strncmp(s, "fstat", 5) == 0  ? SRC_FSTAT
                : strncmp(s, "fact", 4) == 0 ? SRC_FACT
                                             : SRC_AGENT;
    P->p = name.end + 1; /* past "(" */
    struct tok arg = lex(P);
    if (arg.type != T_STR)
        return unexpected(P, arg, "a \"quoted\" argument");
    if (set_text(P, &P->e->nodes[nd].arg, arg) < 0)
        return -1;
    const char *text = P->e->nodes[nd].arg;
    if (node->src == SRC_FSTAT && text[0] != '/')
        return fail_at(P, arg.pos + 1, "fstat() needs an absolute path");
    if (text[0] == '\0')
        return fail_at(P, arg.pos + 1, "empty argument");
    P->p = arg.end;
    struct tok rp = lex(P);
    if (rp.type != T_RP)
        return unexpected(P, rp, "')' after the argument");
    P->p = rp.end;
    if (node->src == SRC_FSTAT && parse_field(P, nd) < 0)
        return -1;
    return finish_operand(P, nd);
}

static int is_call(const struct parser *P, struct tok t) {
    size_t n = t.end - t.pos;
    const char *s = P->s + t.pos;
    if (P->s[t.end] != '(')
        return 0;
    return (n == 5 && strncmp(s, "fstat", 5) == 0) ||
           (n == 4 && strncmp(s, "fact", 4) == 0) ||
           (n == 5 && strncmp(s, "agent", 5) == 0);
}

/* term := call | NAME OP value | NAME (a class) | /REGEX/ (a class) */
static int parse_term(struct parser *P) {
    struct tok t = lex(P);
    if (t.type == T_WORD && is_call(P, t))
        return parse_call(P, t);
    if (t.type == T_WORD && P->s[t.end] == '(')
        return fail_at(P, t.pos,
                       "unknown function '%.*s()' (there are fact(), "
                       "agent() and fstat())",
                       (int)(t.end - t.pos), P->s + t.pos);
    if (t.type != T_WORD && t.type != T_STR && t.type != T_REGEX)
        return unexpected(P, t,
                          "a fact comparison, class, function, '(' "
                          "or 'not'");
    int nd = new_node(P, N_CLASS, t.pos);
    if (nd < 0)
        return -1;
    P->p = t.end;
    struct tok next = lex(P);
    if (next.type == T_OP && t.type != T_REGEX) {
        if (set_text(P, &P->e->nodes[nd].arg, t) < 0)
            return -1;
        P->e->nodes[nd].src = SRC_FACT;
        return finish_operand(P, nd);
    }
    if (set_text(P, &P->e->nodes[nd].value, t) < 0)
        return -1;
    if (t.type == T_REGEX && check_regex(P, t, P->e->nodes[nd].value) < 0)
        return -1;
    return nd;
}

/* unary := "not" unary | "!" unary | "(" or ")" | term */
static int parse_unary(struct parser *P) {
    struct tok t = lex(P);
    if (t.type == T_NOT || t.type == T_LP) {
        if (enter(P, t.pos) < 0)
            return -1;
        P->p = t.end;
        int child = t.type == T_NOT ? parse_unary(P) : parse_or(P);
        if (child < 0)
            return -1;
        P->depth--;
        if (t.type == T_LP) {
            struct tok rp = lex(P);
            if (rp.type != T_RP)
                return fail_at(P, rp.pos,
                               "expected ')' to close the '(' at position "
                               "%zu, found %s",
                               t.pos + 1, tok_name(rp.type));
            P->p = rp.end;
            return child;
        }
        int nd = new_node(P, N_NOT, t.pos);
        if (nd >= 0)
            P->e->nodes[nd].first = child;
        return nd;
    }
    return parse_term(P);
}

/* A list `first (KW first)*` as one n-ary node (or the single child). */
static int parse_list(struct parser *P, enum tok_type kw, enum ntype type,
                      int (*sub)(struct parser *)) {
    int first = sub(P);
    if (first < 0)
        return -1;
    struct tok t = lex(P);
    if (t.type != kw)
        return first;
    int nd = new_node(P, type, t.pos);
    if (nd < 0)
        return -1;
    P->e->nodes[nd].first = first;
    int last = first;
    while ((t = lex(P)).type == kw) {
        P->p = t.end;
        int next = sub(P);
        if (next < 0)
            return -1;
        P->e->nodes[last].next = next;
        last = next;
    }
    return nd;
}

static int parse_and(struct parser *P) {
    return parse_list(P, T_AND, N_AND, parse_unary);
}

static int parse_or(struct parser *P) {
    return parse_list(P, T_OR, N_OR, parse_and);
}

int mst_expr_fact_names(const struct mst_expr *expr,
                        int (*fn)(void *ud, const char *name), void *ud) {
    for (int i = 0; i < expr->n; i++) {
        const struct node *n = &expr->nodes[i];
        int rc = (n->type == N_CMP || n->type == N_TEST) &&
                         n->src == SRC_FACT && n->arg != NULL
                     ? fn(ud, n->arg)
                     : 0;
        if (rc != 0)
            return rc;
    }
    return 0;
}

int mst_expr_reads_files(const struct mst_expr *expr) {
    for (int i = 0; i < expr->n; i++)
        if (expr->nodes[i].src == SRC_FSTAT &&
            (expr->nodes[i].type == N_CMP || expr->nodes[i].type == N_TEST))
            return 1;
    return 0;
}

void mst_expr_free(struct mst_expr **expr) {
    if (expr == NULL || *expr == NULL)
        return;
    struct mst_expr *e = *expr;
    for (int i = 0; i < e->n; i++) {
        free(e->nodes[i].arg);
        free(e->nodes[i].value);
    }
    free(e->nodes);
    free(e);
    *expr = NULL;
}

static int check_text(const char *text, struct mst_err *err) {
    size_t n = strnlen(text, MST_EXPR_LEN_MAX + 1);
    if (n > MST_EXPR_LEN_MAX)
        return mst_err_set(err, MST_EINVAL,
                           "position %d: expression longer than %d bytes",
                           MST_EXPR_LEN_MAX + 1, MST_EXPR_LEN_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 && !isspace((unsigned char)text[i]))
            return mst_err_set(err, MST_EINVAL,
                               "position %zu: control character", i + 1);
    return MST_OK;
}

int mst_expr_parse(const char *text, struct mst_expr **expr_r,
                   struct mst_err *err) {
    int rc = check_text(text, err);
    if (rc != MST_OK)
        return rc;
    struct mst_expr *e = calloc(1, sizeof *e);
    if (e != NULL)
        e->nodes = calloc(NODES_MAX, sizeof *e->nodes);
    if (e == NULL || e->nodes == NULL) {
        mst_expr_free(&e);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    struct parser P = {.s = text, .e = e, .err = err};
    e->root = parse_or(&P);
    if (e->root >= 0) {
        struct tok t = lex(&P);
        if (t.type != T_END)
            e->root = unexpected(&P, t, "'and', 'or' or the end");
    }
    if (e->root < 0) {
        mst_expr_free(&e);
        return err ? err->code : MST_EINVAL;
    }
    *expr_r = e;
    return MST_OK;
}

/* ---- comparison ---- */

/* [-+]?digits(.digits)? */
static int looks_number(const char *s) {
    size_t i = (*s == '-' || *s == '+') ? 1 : 0;
    size_t digits = 0, dots = 0;
    for (; s[i] != '\0'; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if (s[i] == '.' && dots == 0 && digits > 0)
            dots++;
        else
            return 0;
    }
    return digits > 0 && s[i - 1] != '.';
}

/* Starts with a digit; digits, letters and . - + ~ _ only; and either two
 * dots or more, or letters among the digits (2.4rc1). */
static int looks_version(const char *s) {
    if (!isdigit((unsigned char)s[0]))
        return 0;
    int dots = 0, letters = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (isalpha((unsigned char)*p))
            letters = 1;
        else if (*p == '.')
            dots++;
        else if (!isdigit((unsigned char)*p) && strchr("-+~_", *p) == NULL)
            return 0;
    }
    return dots >= 2 || letters;
}

/* The next digit or letter run (or a lone "~"); separators skipped. */
static const char *segment(const char *s, size_t *len_r) {
    while (*s != '\0' && *s != '~' && !isalnum((unsigned char)*s))
        s++;
    size_t n = 0;
    if (*s == '~')
        n = 1;
    else if (isdigit((unsigned char)*s))
        while (isdigit((unsigned char)s[n]))
            n++;
    else
        while (isalpha((unsigned char)s[n]))
            n++;
    *len_r = n;
    return s;
}

static int digits_cmp(const char *a, size_t na, const char *b, size_t nb) {
    while (na > 1 && *a == '0')
        a++, na--;
    while (nb > 1 && *b == '0')
        b++, nb--;
    if (na != nb)
        return na < nb ? -1 : 1;
    return memcmp(a, b, na);
}

static int segment_cmp(const char *a, size_t na, const char *b, size_t nb) {
    if (*a == '~' || *b == '~') /* "~" sorts before anything */
        return (*a == '~' && *b == '~') ? 0 : *a == '~' ? -1 : 1;
    int da = isdigit((unsigned char)*a), db = isdigit((unsigned char)*b);
    if (da && db)
        return digits_cmp(a, na, b, nb);
    if (da != db) /* a number is newer than letters: 1.0.1 > 1.0.rc */
        return da ? 1 : -1;
    size_t n = na < nb ? na : nb;
    int c = memcmp(a, b, n);
    return c != 0 ? c : (na > nb) - (na < nb);
}

int mst_expr_version_cmp(const char *a, const char *b) {
    for (;;) {
        size_t na, nb;
        a = segment(a, &na);
        b = segment(b, &nb);
        if (na == 0 || nb == 0) {
            /* The longer one is newer, unless it goes on with "~". */
            if (na == nb)
                return 0;
            if (na == 0)
                return *b == '~' ? 1 : -1;
            return *a == '~' ? -1 : 1;
        }
        int c = segment_cmp(a, na, b, nb);
        if (c != 0)
            return c;
        a += na;
        b += nb;
    }
}

static int compare_values(const char *have, const char *want,
                          enum mst_match_semantics sem) {
    if (looks_number(have) && looks_number(want)) {
        double a = strtod(have, NULL), b = strtod(want, NULL);
        return (a > b) - (a < b);
    }
    if (looks_version(have) && looks_version(want))
        return mst_expr_version_cmp(have, want);
    return sem == MST_MATCH_CHORIA ? strcasecmp(have, want)
                                   : strcmp(have, want);
}

int mst_expr_compare(const char *have, const char *op, const char *want,
                     enum mst_match_semantics sem, struct mst_err *err) {
    if (strcmp(op, "=") == 0)
        op = "==";
    int eq = strcmp(op, "==") == 0, ne = strcmp(op, "!=") == 0;
    if (mst_regexp_is_slashed(want) && (eq || ne || strcmp(op, "=~") == 0)) {
        int rc = mst_regexp_match_slashed_flags(
            want, have, sem == MST_MATCH_CHORIA ? REG_ICASE : 0, err);
        return rc < 0 ? rc : ne ? !rc : rc;
    }
    if (strcmp(op, "=~") == 0)
        return mst_err_set(err, MST_EINVAL, "=~ needs a /regular expression/");
    int c = compare_values(have, want, sem);
    if (eq || ne)
        return eq ? c == 0 : c != 0;
    if (strcmp(op, "<") == 0)
        return c < 0;
    if (strcmp(op, ">") == 0)
        return c > 0;
    if (strcmp(op, "<=") == 0)
        return c <= 0;
    if (strcmp(op, ">=") == 0)
        return c >= 0;
    return mst_err_set(err, MST_EINVAL, "unknown operator '%s'", op);
}

enum mst_match_semantics mst_expr_semantics(const char *name) {
    return name != NULL && strcmp(name, "mcollective") == 0
               ? MST_MATCH_MCOLLECTIVE
               : MST_MATCH_CHORIA;
}

/* Go's strconv.ParseBool, which Choria uses: 1, 0, or -1 for neither. */
static int bool_word(const char *s) {
    static const char *const words[2][6] = {
        {"0", "f", "F", "false", "FALSE", "False"},
        {"1", "t", "T", "true", "TRUE", "True"}};
    for (int b = 0; b < 2; b++)
        for (size_t i = 0; i < 6; i++)
            if (strcmp(s, words[b][i]) == 0)
                return b;
    return -1;
}

static int compare_scalar(const json_t *have, const char *op, const char *want,
                          enum mst_match_semantics sem, struct mst_err *err) {
    if (json_is_boolean(have) && !mst_regexp_is_slashed(want) &&
        (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0)) {
        int same = bool_word(want) == (json_is_true(have) ? 1 : 0);
        return op[0] == '=' ? same : !same;
    }
    char *text = mst_facts_value_text(have);
    if (text == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = mst_expr_compare(text, op, want, sem, err);
    free(text);
    return rc;
}

int mst_expr_compare_fact(const json_t *have, const char *op, const char *want,
                          enum mst_match_semantics sem, struct mst_err *err) {
    if (strcmp(op, "=") == 0)
        op = "==";
    if (have == NULL)
        return strcmp(op, "!=") == 0;
    if (json_is_object(have))
        return 0;
    if (!json_is_array(have))
        return compare_scalar(have, op, want, sem, err);
    /* any element holds; "!=" holds when no element is equal */
    int ne = strcmp(op, "!=") == 0;
    size_t i;
    const json_t *el;
    json_array_foreach(have, i, el) {
        if (json_is_array(el) || json_is_object(el))
            continue;
        int rc = compare_scalar(el, ne ? "==" : op, want, sem, err);
        if (rc != 0)
            return rc < 0 ? rc : !ne;
    }
    return ne;
}

/* ---- fstat ---- */

static const char *file_type(mode_t m) {
    if (S_ISREG(m))
        return "file";
    if (S_ISDIR(m))
        return "directory";
    if (S_ISLNK(m))
        return "symlink";
    if (S_ISSOCK(m))
        return "socket";
    if (S_ISFIFO(m))
        return "fifo";
    if (S_ISCHR(m))
        return "char";
    return "block";
}

/*
 * Digests already computed, by file identity and change times: a node
 * asked about the same file in request after request (a filter or a
 * policy) hashes it once per change, not once per request.  Per thread, so
 * no locking; a changed file has a new mtime or ctime and misses.
 */
#define SHA256_MEMO 8
struct sha256_memo {
    struct stat st; /* the file as it was when hashed */
    char hex[2 * 32 + 1];
};
static _Thread_local struct sha256_memo memo[SHA256_MEMO];
static _Thread_local unsigned memo_next;

/*
 * File times tick coarsely (a few ms), so a file changed again within the
 * same tick keeps its times: only files untouched for MEMO_SETTLED_MS are
 * remembered, the rest are hashed every time (git's "racy" rule).
 */
#define MEMO_SETTLED_MS 2000
static int settled(const struct timespec *t) {
    int64_t ms = (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
    return ms + MEMO_SETTLED_MS < mst_wall_ms();
}

static void remember(const struct stat *st, const char *hex) {
    if (!settled(&st->st_mtim) || !settled(&st->st_ctim))
        return;
    struct sha256_memo *m = &memo[memo_next++ % SHA256_MEMO];
    m->st = *st;
    mst_strlcpy(m->hex, hex, sizeof m->hex);
}

/* Hex SHA-256 of a regular file of at most MST_EXPR_SHA256_MAX bytes. */
static char *sha256_hex(const char *path, const struct stat *st) {
    if (!S_ISREG(st->st_mode) || st->st_size > MST_EXPR_SHA256_MAX)
        return NULL;
    for (size_t i = 0; i < SHA256_MEMO; i++)
        if (memo[i].hex[0] != '\0' && mst_file_same(&memo[i].st, st))
            return strdup(memo[i].hex);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    long total = 0;
    ssize_t r;
    while (ok && (r = read(fd, buf, sizeof buf)) > 0) {
        total += r;
        ok = total <= MST_EXPR_SHA256_MAX && EVP_DigestUpdate(ctx, buf, r);
    }
    ok = ok && r == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    close(fd);
    char *hex = ok ? malloc(2 * mdlen + 1) : NULL;
    for (unsigned i = 0; hex != NULL && i < mdlen; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    if (hex != NULL && mdlen == 32)
        remember(st, hex);
    return hex;
}

static char *fstat_text(const char *path, enum field f) {
    struct stat st;
    if (stat(path, &st) != 0)
        return f == F_PRESENT ? strdup("false") : NULL;
    char buf[32];
    switch (f) {
    case F_PRESENT:
        return strdup("true");
    case F_SIZE:
        snprintf(buf, sizeof buf, "%lld", (long long)st.st_size);
        return strdup(buf);
    case F_MODE:
        snprintf(buf, sizeof buf, "%04o", (unsigned)(st.st_mode & 07777));
        return strdup(buf);
    case F_TYPE:
        return strdup(file_type(st.st_mode));
    case F_MTIME:
        snprintf(buf, sizeof buf, "%lld", (long long)st.st_mtime);
        return strdup(buf);
    case F_SHA256:
        return sha256_hex(path, &st);
    default:
        return NULL;
    }
}

/* ---- evaluation ---- */

static int truthy_json(const json_t *v) {
    if (v == NULL || json_is_null(v) || json_is_false(v))
        return 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    return 1;
}

static int truthy_text(const char *s) {
    return s != NULL && *s != '\0' && strcmp(s, "false") != 0 &&
           strcmp(s, "0") != 0;
}

/* The left side as text (NULL when absent; caller frees), or an error. */
static int operand_text(const struct node *n, const struct mst_expr_env *env,
                        char **text_r, struct mst_err *err) {
    *text_r = NULL;
    if (n->src == SRC_FSTAT) {
        *text_r = fstat_text(n->arg, n->field);
        return MST_OK;
    }
    if (n->src == SRC_AGENT) {
        int rc = env->has_agent ? env->has_agent(env->ud, n->arg, err) : 0;
        if (rc < 0)
            return rc;
        *text_r = strdup(rc ? "true" : "false");
        return MST_OK;
    }
    const json_t *v = env->fact ? env->fact(env->ud, n->arg) : NULL;
    if (v != NULL && (json_is_object(v) || json_is_array(v)))
        *text_r = strdup(truthy_json(v) &&
                                 json_object_size(v) + json_array_size(v) > 0
                             ? "true"
                             : "false");
    else if (v != NULL)
        *text_r = mst_facts_value_text(v);
    return MST_OK;
}

static int eval_leaf(const struct node *n, const struct mst_expr_env *env,
                     struct mst_err *err) {
    if (n->type == N_CLASS)
        return env->has_class ? env->has_class(env->ud, n->value, err) : 0;
    if (n->type == N_TEST && n->src == SRC_FACT && env->fact != NULL)
        return truthy_json(env->fact(env->ud, n->arg));
    if (n->type == N_CMP && n->src == SRC_FACT)
        return mst_expr_compare_fact(env->fact ? env->fact(env->ud, n->arg)
                                               : NULL,
                                     n->op, n->value, env->semantics, err);
    char *have = NULL;
    int rc = operand_text(n, env, &have, err);
    if (rc < 0)
        return rc;
    if (n->type == N_TEST)
        rc = truthy_text(have);
    else if (have == NULL) /* missing: only "!=" holds */
        rc = strcmp(n->op, "!=") == 0;
    else
        rc = mst_expr_compare(have, n->op, n->value, env->semantics, err);
    free(have);
    return rc;
}

static int eval_node(const struct mst_expr *e, int i,
                     const struct mst_expr_env *env, struct mst_err *err) {
    const struct node *n = &e->nodes[i];
    if (n->type == N_NOT) {
        int rc = eval_node(e, n->first, env, err);
        return rc < 0 ? rc : !rc;
    }
    if (n->type == N_AND || n->type == N_OR) {
        int stop = n->type == N_OR; /* the value that decides the list */
        for (int c = n->first; c >= 0; c = e->nodes[c].next) {
            int rc = eval_node(e, c, env, err);
            if (rc < 0 || rc == stop)
                return rc;
        }
        return !stop;
    }
    return eval_leaf(n, env, err);
}

int mst_expr_eval(const struct mst_expr *expr, const struct mst_expr_env *env,
                  struct mst_err *err) {
    static const struct mst_expr_env none = {0};
    return eval_node(expr, expr->root, env ? env : &none, err);
}
