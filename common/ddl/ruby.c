/*
 * ruby.c - MCollective Ruby DDLs to Choria JSON DDLs, without Ruby.
 *
 * A tokenizer turns the file into tokens (strings keep their raw text, so
 * that interpolation is resolved where the string is used), then a
 * recursive-descent parser evaluates the statements of the DDL subset
 * directly into the JSON document.  Besides the DDL calls it understands
 * the three idioms the published DDLs use to repeat themselves: a loop
 * over a literal list of strings (`["start", "stop"].each do |act|`), the
 * loop variable interpolated into strings (`"#{act.capitalize}"`, with
 * capitalize, upcase, downcase and sub(/literal/, 'text')), and `if`
 * comparing the loop variable with a literal or asking
 * `respond_to?(:summarize)`.  Each is evaluated exactly as Ruby would;
 * anything outside the subset is refused.  Bounds: input size, nesting
 * depth, loop variables, and the number of statements evaluated (a loop
 * re-reads its body once per element).
 */
#include "ddl/ruby.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/status.h"

#define MAX_DEPTH 32    /* nested arrays, hashes, blocks, interpolations */
#define MAX_VARS 4      /* nested loops */
#define MAX_WORK 100000 /* statements and values evaluated */
#define SCHEMA_URL "https://choria.io/schemas/mcorpc/ddl/v1/agent.json"

/* ---- tokens ---- */

enum tok_kind {
    T_EOF,
    T_IDENT,   /* name, respond_to?, true, end ... */
    T_LABEL,   /* `name:` of the `name: value` hash syntax; text = name */
    T_SYMBOL,  /* :name; text = name */
    T_SSTRING, /* '...'; text = raw inside */
    T_DSTRING, /* "..."; text = raw inside */
    T_INT,
    T_FLOAT,
    T_REGEX, /* /.../; text = raw inside */
    T_WORDS, /* %w[...]; text = raw inside */
    T_PUNCT, /* => == != , ( ) [ ] { } | . + ; */
};

struct tok {
    enum tok_kind kind;
    const char *text;
    size_t len;
    int line;
    bool nl_before; /* a line break between the previous token and this */
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

/* ---- the conversion and its parsers ---- */

struct var {
    char *name;  /* owned */
    char *value; /* owned */
};

struct conv {
    const char *label;
    struct mst_err *err;
    json_t *metadata;  /* owned until placed in the document */
    json_t *actions;   /* owned */
    json_t *action;    /* the action being read (borrowed), or NULL */
    json_t *aggregate; /* its summarize list (borrowed), or NULL */
    struct var vars[MAX_VARS];
    int n_vars;
    long work;
};

struct parser {
    struct conv *c;
    const struct tok *t;
    size_t n, pos;
    int depth;
    bool live; /* false in an if branch not taken: read, do not record */
};

enum scope { S_TOP, S_ACTION, S_SUMMARIZE };

static int fail_at(struct conv *c, int line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct conv *c, int line, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mst_err_vset(c->err, code, fmt, ap);
    va_end(ap);
    mst_err_prefix(c->err, "%s:%d", c->label, line);
    return code;
}

#define FAIL(p, tk, ...) fail_at((p)->c, (tk)->line, MST_ECONFIG, __VA_ARGS__)

/* ---- tokenizer ---- */

static int push_tok(struct toks *ts, struct tok t) {
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 256;
        struct tok *v = realloc(ts->v, cap * sizeof *v);
        if (v == NULL)
            return MST_ENOMEM;
        ts->v = v;
        ts->cap = cap;
    }
    ts->v[ts->n++] = t;
    return MST_OK;
}

static bool ident_start(char ch) {
    return isalpha((unsigned char)ch) || ch == '_';
}

static bool ident_char(char ch) {
    return isalnum((unsigned char)ch) || ch == '_';
}

/* The length of the quoted text starting after the opening `q` at s[i],
 * up to (not including) the closing one; -1 when it never closes.  Lines
 * inside are counted into *line. */
static long quoted_len(const char *s, size_t len, size_t i, char q, int *line) {
    for (size_t j = i; j < len; j++) {
        if (s[j] == '\\' && j + 1 < len) {
            if (s[j + 1] == '\n')
                (*line)++;
            j++;
        } else if (s[j] == q) {
            return (long)(j - i);
        } else if (s[j] == '\n') {
            (*line)++;
        }
    }
    return -1;
}

static size_t number_len(const char *s, size_t len, size_t i, bool *is_float) {
    size_t j = i + (s[i] == '-');
    while (j < len && (isdigit((unsigned char)s[j]) || s[j] == '_'))
        j++;
    *is_float = false;
    if (j + 1 < len && s[j] == '.' && isdigit((unsigned char)s[j + 1])) {
        *is_float = true;
        for (j++; j < len && isdigit((unsigned char)s[j]);)
            j++;
    }
    if (j < len && (s[j] == 'e' || s[j] == 'E')) {
        size_t k =
            j + 1 + (j + 1 < len && (s[j + 1] == '-' || s[j + 1] == '+'));
        if (k < len && isdigit((unsigned char)s[k])) {
            *is_float = true;
            for (j = k; j < len && isdigit((unsigned char)s[j]);)
                j++;
        }
    }
    return j - i;
}

static const char *const puncts[] = {"=>", "==", "!=", ",", "(", ")", "[",
                                     "]",  "{",  "}",  "|", ".", "+", ";"};

static size_t punct_len(const char *s, size_t len, size_t i) {
    for (size_t k = 0; k < sizeof puncts / sizeof puncts[0]; k++) {
        size_t n = strlen(puncts[k]);
        if (i + n <= len && memcmp(s + i, puncts[k], n) == 0)
            return n;
    }
    return 0;
}

/* One token at s[*i] (not whitespace or a comment) into *t, which is
 * filled on every path, a refusal's too. */
static int lex_one(struct conv *c, const char *s, size_t len, size_t *i,
                   int *line, struct tok *t) {
    size_t at = *i;
    char ch = s[at];
    *t = (struct tok){.kind = T_EOF, .text = s + at, .line = *line};
    if (ch == '\'' || ch == '"' || ch == '/') {
        long n = quoted_len(s, len, at + 1, ch, line);
        if (n < 0)
            return fail_at(c, t->line, MST_ECONFIG, "%s never closed",
                           ch == '/' ? "regular expression" : "string");
        t->kind = ch == '\'' ? T_SSTRING : ch == '"' ? T_DSTRING : T_REGEX;
        t->text = s + at + 1;
        t->len = (size_t)n;
        *i = at + 2 + (size_t)n;
        if (ch == '/' && *i < len && isalpha((unsigned char)s[*i]))
            return fail_at(c, t->line, MST_ECONFIG,
                           "regular expression flag '%c' not understood",
                           s[*i]);
        return MST_OK;
    }
    if (ch == '%' && at + 2 < len && s[at + 1] == 'w' &&
        strchr("[({", s[at + 2]) != NULL) {
        char close = s[at + 2] == '[' ? ']' : s[at + 2] == '(' ? ')' : '}';
        long n = quoted_len(s, len, at + 3, close, line);
        if (n < 0)
            return fail_at(c, t->line, MST_ECONFIG, "%%w list never closed");
        *t = (struct tok){T_WORDS, s + at + 3, (size_t)n, t->line, false};
        *i = at + 4 + (size_t)n;
        return MST_OK;
    }
    if (ch == ':' && at + 1 < len && ident_start(s[at + 1])) {
        size_t j = at + 1;
        while (j < len && ident_char(s[j]))
            j++;
        if (j < len && (s[j] == '?' || s[j] == '!'))
            j++;
        *t = (struct tok){T_SYMBOL, s + at + 1, j - at - 1, t->line, false};
        *i = j;
        return MST_OK;
    }
    if (ident_start(ch)) {
        size_t j = at;
        while (j < len && ident_char(s[j]))
            j++;
        if (j < len && (s[j] == '?' || s[j] == '!'))
            j++;
        bool label =
            j < len && s[j] == ':' && (j + 1 >= len || s[j + 1] != ':');
        *t = (struct tok){label ? T_LABEL : T_IDENT, s + at, j - at, t->line,
                          false};
        *i = j + label;
        return MST_OK;
    }
    if (isdigit((unsigned char)ch) ||
        (ch == '-' && at + 1 < len && isdigit((unsigned char)s[at + 1]))) {
        bool is_float;
        size_t n = number_len(s, len, at, &is_float);
        *t =
            (struct tok){is_float ? T_FLOAT : T_INT, s + at, n, t->line, false};
        *i = at + n;
        return MST_OK;
    }
    size_t n = punct_len(s, len, at);
    if (n == 0 && isprint((unsigned char)ch))
        return fail_at(c, t->line, MST_ECONFIG, "'%c' not understood", ch);
    if (n == 0)
        return fail_at(c, t->line, MST_ECONFIG, "byte \\x%02x not understood",
                       (unsigned char)ch);
    *t = (struct tok){T_PUNCT, s + at, n, t->line, false};
    *i = at + n;
    return MST_OK;
}

/* Tokenize s[0..len) (line numbers from `line`) into ts, ending in T_EOF. */
static int lex(struct conv *c, const char *s, size_t len, int line,
               struct toks *ts) {
    bool nl = true;
    size_t i = 0;
    while (i < len) {
        char ch = s[i];
        if (ch == '\n') {
            line++;
            nl = true;
            i++;
        } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f') {
            i++;
        } else if (ch == '\\' && i + 1 < len && s[i + 1] == '\n') {
            line++; /* a continued line */
            i += 2;
        } else if (ch == '#') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (ch == '\0') {
            return fail_at(c, line, MST_ECONFIG, "NUL byte not understood");
        } else {
            struct tok t;
            int rc = lex_one(c, s, len, &i, &line, &t);
            if (rc == MST_OK) {
                t.nl_before = nl;
                rc = push_tok(ts, t);
            }
            if (rc != MST_OK)
                return rc;
            nl = false;
        }
    }
    return push_tok(ts, (struct tok){T_EOF, s + len, 0, line, true});
}

/* ---- token helpers ---- */

static const struct tok *peek(const struct parser *p) {
    return &p->t[p->pos];
}

static const struct tok *peek2(const struct parser *p) {
    return &p->t[p->pos + (p->pos + 1 < p->n)];
}

static const struct tok *next(struct parser *p) {
    const struct tok *t = &p->t[p->pos];
    if (t->kind != T_EOF)
        p->pos++;
    return t;
}

static bool is(const struct tok *t, enum tok_kind kind, const char *text) {
    return t->kind == kind &&
           (text == NULL ||
            (t->len == strlen(text) && memcmp(t->text, text, t->len) == 0));
}

static bool is_punct(const struct tok *t, const char *text) {
    return is(t, T_PUNCT, text);
}

/* How a token is named in an error: its text, cut short. */
static int shown_len(const struct tok *t) {
    return t->len > 40 ? 40 : (int)t->len;
}

static int unexpected(struct parser *p, const struct tok *t,
                      const char *wanted) {
    if (t->kind == T_EOF)
        return FAIL(p, t, "end of file where %s was expected", wanted);
    if (t->kind == T_SSTRING || t->kind == T_DSTRING)
        return FAIL(p, t, "string where %s was expected", wanted);
    return FAIL(p, t, "'%.*s%s' not understood (%s expected)", shown_len(t),
                t->text, t->kind == T_LABEL ? ":" : "", wanted);
}

static int expect(struct parser *p, const char *punct) {
    if (!is_punct(peek(p), punct))
        return unexpected(p, peek(p), punct);
    next(p);
    return MST_OK;
}

static int expect_word(struct parser *p, const char *word) {
    if (!is(peek(p), T_IDENT, word))
        return unexpected(p, peek(p), word);
    next(p);
    return MST_OK;
}

static int enter(struct parser *p, const struct tok *t) {
    if (++p->depth > MAX_DEPTH)
        return fail_at(p->c, t->line, MST_ETOODEEP, "nested too deeply");
    if (++p->c->work > MAX_WORK)
        return fail_at(p->c, t->line, MST_ETOOBIG,
                       "too much to evaluate (loops too long)");
    return MST_OK;
}

/* ---- strings ---- */

/* A new buffer for building a string (capped like the input). */
static struct mst_buf new_buf(void) {
    struct mst_buf b;
    mst_buf_init(&b, MST_DDL_RUBY_MAX_FILE);
    return b;
}

/* The buffer's bytes as a JSON string; the buffer is emptied. */
static json_t *take_string(struct mst_buf *b) {
    json_t *v = json_stringn(b->data ? (const char *)b->data : "", b->len);
    mst_buf_free(b);
    return v;
}

/* The `n` pieces joined into a new JSON string in *v_r. */
static int join(const struct mst_bytes *piece, size_t n, json_t **v_r) {
    struct mst_buf b = new_buf();
    int rc = MST_OK;
    for (size_t i = 0; rc == MST_OK && i < n; i++)
        rc = mst_buf_append(&b, piece[i].ptr, piece[i].len);
    *v_r = rc == MST_OK ? take_string(&b) : NULL;
    mst_buf_free(&b);
    return rc != MST_OK ? rc : *v_r != NULL ? MST_OK : MST_ENOMEM;
}

/* Ruby's single-quoted string: only \\ and \' are escapes. */
static json_t *single_quoted(const struct tok *t) {
    struct mst_buf b = new_buf();
    for (size_t i = 0; i < t->len; i++) {
        size_t skip = t->text[i] == '\\' && i + 1 < t->len &&
                      (t->text[i + 1] == '\\' || t->text[i + 1] == '\'');
        if (mst_buf_append(&b, t->text + i + skip, 1) != MST_OK) {
            mst_buf_free(&b);
            return NULL;
        }
        i += skip;
    }
    return take_string(&b);
}

static int parse_value(struct parser *p, json_t **v_r);

/* The interpolation `#{...}` whose text is src[0..len): tokenized and read
 * as one value of the subset, which must be a string. */
static int interpolate(struct parser *p, const struct tok *t, const char *src,
                       size_t len, struct mst_buf *b) {
    struct toks ts = {0};
    json_t *v = NULL;
    int rc = enter(p, t);
    if (rc == MST_OK)
        rc = lex(p->c, src, len, t->line, &ts);
    if (rc == MST_OK) {
        struct parser sub = {p->c, ts.v, ts.n, 0, p->depth, p->live};
        rc = parse_value(&sub, &v);
        if (rc == MST_OK && peek(&sub)->kind != T_EOF)
            rc = unexpected(&sub, peek(&sub), "'}'");
        if (rc == MST_OK && !json_is_string(v))
            rc = FAIL(p, t, "interpolation #{%.*s} is not a string", (int)len,
                      src);
    }
    if (rc == MST_OK)
        rc = mst_buf_append(b, json_string_value(v), json_string_length(v));
    json_decref(v);
    free(ts.v);
    p->depth--;
    return rc;
}

/* The escape at s[0] (after the backslash) of a double-quoted string. */
static int escape(struct parser *p, const struct tok *t, char ch,
                  struct mst_buf *b) {
    static const char from[] = "ntrseabfv";
    static const char to[] = "\n\t\r \033\a\b\f\v";
    const char *k = strchr(from, ch);
    if (strchr("uxcCM", ch) != NULL || isdigit((unsigned char)ch))
        return FAIL(p, t, "escape \\%c not understood", ch);
    if (ch == '\n')
        return MST_OK; /* a continued line */
    char out = k != NULL ? to[k - from] : ch;
    return mst_buf_append(b, &out, 1);
}

/* The end of the interpolation that starts at s[i] (after "#{"): the
 * index of its closing brace, or len. */
static size_t interpolation_end(const char *s, size_t len, size_t i) {
    int open = 1;
    for (; i < len; i++) {
        if (s[i] == '{')
            open++;
        else if (s[i] == '}' && --open == 0)
            break;
    }
    return i;
}

static int double_quoted(struct parser *p, const struct tok *t, json_t **v_r) {
    struct mst_buf b = new_buf();
    int rc = MST_OK;
    const char *s = t->text;
    for (size_t i = 0; rc == MST_OK && i < t->len; i++) {
        if (s[i] == '\\' && i + 1 < t->len) {
            rc = escape(p, t, s[++i], &b);
        } else if (s[i] == '#' && i + 1 < t->len && s[i + 1] == '{') {
            size_t end = interpolation_end(s, t->len, i + 2);
            if (end == t->len)
                rc = FAIL(p, t, "#{ never closed");
            else
                rc = interpolate(p, t, s + i + 2, end - i - 2, &b);
            i = end;
        } else if (s[i] == '#' && i + 1 < t->len &&
                   (s[i + 1] == '@' || s[i + 1] == '$')) {
            rc = FAIL(p, t, "interpolation #%c not understood", s[i + 1]);
        } else {
            rc = mst_buf_append(&b, s + i, 1);
        }
    }
    if (rc != MST_OK) {
        mst_buf_free(&b);
        return rc;
    }
    *v_r = take_string(&b);
    return *v_r != NULL ? MST_OK : MST_ENOMEM;
}

/* ---- string methods on the loop variable ---- */

/* The pattern of `sub`: a literal with an optional ^ or $ anchor, the one
 * form evaluated exactly; metacharacters are refused. */
static int literal_pattern(struct parser *p, const struct tok *t,
                           const char **lit, size_t *n, int *anchor) {
    *lit = t->text;
    *n = t->len;
    *anchor = 0;
    if (*n > 0 && (*lit)[0] == '^') {
        *anchor = -1;
        (*lit)++;
        (*n)--;
    } else if (*n > 0 && (*lit)[*n - 1] == '$') {
        *anchor = 1;
        (*n)--;
    }
    for (size_t i = 0; i < *n; i++)
        if (strchr("\\^$.|?*+()[]{}", (*lit)[i]) != NULL)
            return FAIL(p, t,
                        "sub(/%.*s/) with regular expression "
                        "characters not understood",
                        shown_len(t), t->text);
    return MST_OK;
}

/* `s.sub(/re/, 'with')`: the first match of the literal replaced. */
static int method_sub(struct parser *p, json_t **v) {
    const struct tok *re = next(p);
    json_t *with = NULL;
    const char *lit;
    size_t n;
    int anchor;
    if (re->kind != T_REGEX)
        return unexpected(p, re, "a /regular expression/");
    int rc = literal_pattern(p, re, &lit, &n, &anchor);
    if (rc == MST_OK)
        rc = expect(p, ",");
    if (rc == MST_OK)
        rc = parse_value(p, &with);
    if (rc == MST_OK && !json_is_string(with))
        rc = FAIL(p, re, "sub() replacement is not a string");
    if (rc == MST_OK && strchr(json_string_value(with), '\\') != NULL)
        rc = FAIL(p, re, "sub() replacement with \\ not understood");
    if (rc == MST_OK)
        rc = expect(p, ")");
    const char *s = json_string_value(*v);
    size_t len = json_string_length(*v);
    const char *at = NULL;
    if (rc == MST_OK && n <= len) {
        if (anchor < 0)
            at = memcmp(s, lit, n) == 0 ? s : NULL;
        else if (anchor > 0)
            at = memcmp(s + len - n, lit, n) == 0 ? s + len - n : NULL;
        else
            at = n == 0 ? s : memmem(s, len, lit, n);
    }
    if (rc == MST_OK && at != NULL) {
        const struct mst_bytes piece[] = {
            MST_BYTES(s, at - s),
            MST_BYTES(json_string_value(with), json_string_length(with)),
            MST_BYTES(at + n, len - (size_t)(at - s) - n),
        };
        json_t *out = NULL;
        rc = join(piece, 3, &out);
        if (rc == MST_OK) {
            json_decref(*v);
            *v = out;
        }
    }
    json_decref(with);
    return rc;
}

/* capitalize / upcase / downcase / to_s, on ASCII as Ruby does. */
static int method_case(json_t **v, const char *m) {
    char *s = strdup(json_string_value(*v));
    if (s == NULL)
        return MST_ENOMEM;
    for (size_t i = 0; s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (strcmp(m, "upcase") == 0 ||
            (strcmp(m, "capitalize") == 0 && i == 0))
            s[i] = (char)toupper(ch);
        else if (strcmp(m, "downcase") == 0 || strcmp(m, "capitalize") == 0)
            s[i] = (char)tolower(ch);
    }
    json_decref(*v);
    *v = json_string(s);
    free(s);
    return *v != NULL ? MST_OK : MST_ENOMEM;
}

/* `.method` calls after a string value. */
static int string_methods(struct parser *p, json_t **v) {
    int rc = MST_OK;
    while (rc == MST_OK && json_is_string(*v) && is_punct(peek(p), ".")) {
        next(p);
        const struct tok *m = next(p);
        if (is(m, T_IDENT, "sub") && is_punct(peek(p), "(") &&
            !peek(p)->nl_before) {
            next(p);
            rc = method_sub(p, v);
        } else if (is(m, T_IDENT, "capitalize") || is(m, T_IDENT, "upcase") ||
                   is(m, T_IDENT, "downcase") || is(m, T_IDENT, "to_s")) {
            char name[16];
            snprintf(name, sizeof name, "%.*s", (int)m->len, m->text);
            rc = method_case(v, name);
        } else {
            rc = FAIL(p, m, "method .%.*s not understood", shown_len(m),
                      m->text);
        }
    }
    return rc;
}

/* ---- values ---- */

static const char *var_value(const struct conv *c, const struct tok *t) {
    for (int i = c->n_vars - 1; i >= 0; i--)
        if (strlen(c->vars[i].name) == t->len &&
            memcmp(c->vars[i].name, t->text, t->len) == 0)
            return c->vars[i].value;
    return NULL;
}

static int parse_hash_pairs(struct parser *p, json_t *obj, json_t *lines,
                            const char *close);

static int parse_array(struct parser *p, json_t **v_r) {
    json_t *arr = json_array();
    int rc = arr != NULL ? MST_OK : MST_ENOMEM;
    while (rc == MST_OK && !is_punct(peek(p), "]")) {
        json_t *item = NULL;
        rc = parse_value(p, &item);
        if (rc == MST_OK && json_array_append_new(arr, item) != 0)
            rc = MST_ENOMEM;
        if (rc == MST_OK && !is_punct(peek(p), "]"))
            rc = expect(p, ",");
    }
    if (rc == MST_OK)
        next(p);
    if (rc != MST_OK)
        json_decref(arr);
    else
        *v_r = arr;
    return rc;
}

static int parse_words(const struct tok *t, json_t **v_r) {
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < t->len;) {
        while (i < t->len && isspace((unsigned char)t->text[i]))
            i++;
        size_t j = i;
        while (j < t->len && !isspace((unsigned char)t->text[j]))
            j++;
        if (j > i &&
            json_array_append_new(arr, json_stringn(t->text + i, j - i)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
        i = j;
    }
    *v_r = arr;
    return arr != NULL ? MST_OK : MST_ENOMEM;
}

static int parse_number(struct parser *p, const struct tok *t, json_t **v_r) {
    char buf[64];
    size_t n = 0;
    for (size_t i = 0; i < t->len && n + 1 < sizeof buf; i++)
        if (t->text[i] != '_')
            buf[n++] = t->text[i];
    buf[n] = '\0';
    char *end;
    errno = 0;
    if (t->kind == T_INT) {
        long long x = strtoll(buf, &end, 10);
        if (errno != 0 || *end != '\0')
            return FAIL(p, t, "number %s out of range", buf);
        *v_r = json_integer(x);
    } else {
        *v_r = json_real(strtod(buf, &end));
    }
    return *v_r != NULL ? MST_OK : MST_ENOMEM;
}

static int parse_word_value(struct parser *p, const struct tok *t,
                            json_t **v_r) {
    const char *value = var_value(p->c, t);
    if (is(t, T_IDENT, "true"))
        *v_r = json_true();
    else if (is(t, T_IDENT, "false"))
        *v_r = json_false();
    else if (is(t, T_IDENT, "nil"))
        *v_r = json_null();
    else if (value != NULL)
        *v_r = json_string(value);
    else
        return FAIL(p, t, "'%.*s' not understood", shown_len(t), t->text);
    return *v_r != NULL ? MST_OK : MST_ENOMEM;
}

static int parse_primary(struct parser *p, json_t **v_r) {
    const struct tok *t = next(p);
    switch (t->kind) {
    case T_SSTRING:
        *v_r = single_quoted(t);
        return *v_r != NULL ? MST_OK : MST_ENOMEM;
    case T_DSTRING:
        return double_quoted(p, t, v_r);
    case T_SYMBOL:
    case T_REGEX: /* Choria's validation is the expression's source */
        *v_r = json_stringn(t->text, t->len);
        return *v_r != NULL ? MST_OK : MST_ENOMEM;
    case T_INT:
    case T_FLOAT:
        return parse_number(p, t, v_r);
    case T_WORDS:
        return parse_words(t, v_r);
    case T_IDENT:
        return parse_word_value(p, t, v_r);
    default:
        break;
    }
    if (is_punct(t, "["))
        return parse_array(p, v_r);
    if (is_punct(t, "{")) {
        *v_r = json_object();
        int rc =
            *v_r != NULL ? parse_hash_pairs(p, *v_r, NULL, "}") : MST_ENOMEM;
        if (rc == MST_OK)
            rc = expect(p, "}");
        if (rc != MST_OK) {
            json_decref(*v_r);
            *v_r = NULL;
        }
        return rc;
    }
    return unexpected(p, t, "a value");
}

/* A value: a literal, a list, a hash, the loop variable, string methods,
 * and `+` between strings. */
static int parse_value(struct parser *p, json_t **v_r) {
    const struct tok *start = peek(p);
    json_t *v = NULL;
    int rc = enter(p, start);
    if (rc == MST_OK)
        rc = parse_primary(p, &v);
    if (rc == MST_OK)
        rc = string_methods(p, &v);
    while (rc == MST_OK && is_punct(peek(p), "+")) {
        const struct tok *plus = next(p);
        json_t *rhs = NULL;
        rc = parse_primary(p, &rhs);
        if (rc == MST_OK)
            rc = string_methods(p, &rhs);
        if (rc == MST_OK && (!json_is_string(v) || !json_is_string(rhs)))
            rc =
                FAIL(p, plus, "'+' of anything but two strings not understood");
        json_t *sum = NULL;
        if (rc == MST_OK) {
            const struct mst_bytes piece[] = {
                MST_BYTES(json_string_value(v), json_string_length(v)),
                MST_BYTES(json_string_value(rhs), json_string_length(rhs)),
            };
            rc = join(piece, 2, &sum);
        }
        if (rc == MST_OK) {
            json_decref(v);
            v = sum;
        }
        json_decref(rhs);
    }
    p->depth--;
    if (rc != MST_OK) {
        json_decref(v);
        return rc;
    }
    *v_r = v;
    return MST_OK;
}

/* `key => value` or `key: value` pairs into obj, up to `close` (not
 * consumed; NULL: up to the first token that is not a `,`); the line of
 * each key into `lines` (NULL: not kept). */
static int parse_hash_pairs(struct parser *p, json_t *obj, json_t *lines,
                            const char *close) {
    int rc = MST_OK;
    while (rc == MST_OK && !(close != NULL && is_punct(peek(p), close))) {
        const struct tok *kt = peek(p);
        json_t *key = NULL, *val = NULL;
        if (kt->kind == T_LABEL) {
            next(p);
            key = json_stringn(kt->text, kt->len);
        } else {
            rc = parse_value(p, &key);
            if (rc == MST_OK && !json_is_string(key))
                rc = FAIL(p, kt, "hash key that is not a symbol or string");
            if (rc == MST_OK)
                rc = expect(p, "=>");
        }
        if (rc == MST_OK)
            rc = parse_value(p, &val);
        if (rc == MST_OK && json_object_get(obj, json_string_value(key)))
            rc = FAIL(p, kt, "key :%s given twice", json_string_value(key));
        if (rc == MST_OK)
            rc = json_object_set_new(obj, json_string_value(key), val) == 0
                     ? MST_OK
                     : MST_ENOMEM;
        else
            json_decref(val);
        if (rc == MST_OK && lines != NULL &&
            json_object_set_new(lines, json_string_value(key),
                                json_integer(kt->line)) != 0)
            rc = MST_ENOMEM;
        json_decref(key);
        if (rc != MST_OK || !is_punct(peek(p), ","))
            break;
        next(p);
    }
    return rc;
}

/* ---- calls ---- */

struct call {
    const struct tok *name;
    json_t *args;  /* array of the positional arguments */
    json_t *hash;  /* the trailing `key => value` pairs, or NULL */
    json_t *lines; /* {key: line} of hash */
};

static void call_clear(struct call *k) {
    json_decref(k->args);
    json_decref(k->hash);
    json_decref(k->lines);
    *k = (struct call){0};
}

static bool starts_value(const struct tok *t) {
    switch (t->kind) {
    case T_IDENT:
        return !is(t, T_IDENT, "do") && !is(t, T_IDENT, "end");
    case T_LABEL:
    case T_SYMBOL:
    case T_SSTRING:
    case T_DSTRING:
    case T_INT:
    case T_FLOAT:
    case T_REGEX:
    case T_WORDS:
        return true;
    default:
        return is_punct(t, "[");
    }
}

/* The arguments of a call: positional values, then `key => value` pairs,
 * without parentheses (`close` NULL) or up to `close`. */
static int parse_args(struct parser *p, struct call *k, const char *close) {
    int rc = MST_OK;
    while (rc == MST_OK && !(close != NULL && is_punct(peek(p), close))) {
        size_t mark = p->pos;
        json_t *v = NULL;
        if (peek(p)->kind != T_LABEL)
            rc = parse_value(p, &v);
        if (rc == MST_OK && (peek(p)->kind == T_LABEL || v == NULL ||
                             is_punct(peek(p), "=>"))) {
            json_decref(v);
            p->pos = mark;
            k->hash = json_object();
            k->lines = json_object();
            if (k->hash == NULL || k->lines == NULL)
                return MST_ENOMEM;
            return parse_hash_pairs(p, k->hash, k->lines, close);
        }
        if (rc == MST_OK && json_array_append_new(k->args, v) != 0)
            rc = MST_ENOMEM;
        if (rc != MST_OK || !is_punct(peek(p), ","))
            break;
        next(p);
    }
    return rc;
}

/* NAME [args] or NAME(args): the call starting at the current token. */
static int parse_call(struct parser *p, struct call *k) {
    *k = (struct call){next(p), json_array(), NULL, NULL};
    if (k->args == NULL)
        return MST_ENOMEM;
    const struct tok *t = peek(p);
    if (is_punct(t, "(") && !t->nl_before) {
        next(p);
        int rc = parse_args(p, k, ")");
        return rc == MST_OK ? expect(p, ")") : rc;
    }
    if (!t->nl_before && starts_value(t))
        return parse_args(p, k, NULL);
    return MST_OK;
}

/* ---- the DDL statements ---- */

static int parse_block(struct parser *p, enum scope scope);

struct field {
    const char *key;
    json_type type; /* JSON_NULL: any */
    bool required;
};

/* The line of `key` in the call's properties (the call's if not there). */
static int key_line(const struct call *k, const char *key) {
    json_t *line = json_object_get(k->lines, key);
    return line != NULL ? (int)json_integer_value(line) : k->name->line;
}

#define FAIL_KEY(p, k, key, ...)                                               \
    fail_at((p)->c, key_line((k), (key)), MST_ECONFIG, __VA_ARGS__)

/* Check the hash of a call against its fields: no unknown key, every
 * required one, each of its JSON type (JSON_TRUE: a boolean). */
static int check_hash(struct parser *p, const struct call *k,
                      const struct field *f, size_t n) {
    const char *key;
    json_t *v;
    json_object_foreach(k->hash, key, v) {
        size_t i = 0;
        while (i < n && strcmp(f[i].key, key) != 0)
            i++;
        if (i == n)
            return FAIL_KEY(p, k, key, "%.*s: property :%s not understood",
                            shown_len(k->name), k->name->text, key);
        bool ok = f[i].type == JSON_NULL ||
                  (f[i].type == JSON_TRUE ? json_is_boolean(v)
                                          : json_typeof(v) == f[i].type);
        if (!ok)
            return FAIL_KEY(p, k, key, "%.*s: :%s has the wrong type",
                            shown_len(k->name), k->name->text, key);
    }
    for (size_t i = 0; i < n; i++)
        if (f[i].required && json_object_get(k->hash, f[i].key) == NULL)
            return FAIL(p, k->name, "%.*s needs a :%s property",
                        shown_len(k->name), k->name->text, f[i].key);
    return MST_OK;
}

/* Copy the fields of k->hash into a new object in the order of f; a
 * missing field of `nulled` becomes null (as Choria writes them). */
static json_t *ordered(const struct call *k, const struct field *f, size_t n,
                       const char *const *nulled) {
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < n; i++) {
        json_t *v = json_object_get(k->hash, f[i].key);
        bool null_it = false;
        for (const char *const *z = nulled; *z != NULL; z++)
            null_it |= strcmp(*z, f[i].key) == 0;
        if (v == NULL && null_it)
            v = json_null();
        else if (v != NULL)
            json_incref(v);
        if (v != NULL && json_object_set_new(o, f[i].key, v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

/* The call has exactly `n_args` positional arguments, a hash if `hash`. */
static int check_shape(struct parser *p, const struct call *k, size_t n_args,
                       bool hash) {
    if (json_array_size(k->args) != n_args || (k->hash != NULL) != hash)
        return FAIL(p, k->name, "%.*s takes %zu argument%s%s",
                    shown_len(k->name), k->name->text, n_args,
                    n_args == 1 ? "" : "s",
                    hash ? " and :key => value properties" : "");
    for (size_t i = 0; i < n_args; i++)
        if (!json_is_string(json_array_get(k->args, i)))
            return FAIL(p, k->name, "%.*s: argument %zu is not a name",
                        shown_len(k->name), k->name->text, i + 1);
    return MST_OK;
}

static const struct field metadata_fields[] = {
    {"name", JSON_STRING, true},     {"description", JSON_STRING, true},
    {"author", JSON_STRING, true},   {"license", JSON_STRING, true},
    {"version", JSON_STRING, true},  {"url", JSON_STRING, true},
    {"timeout", JSON_INTEGER, true},
};

static int stmt_metadata(struct parser *p, const struct call *k) {
    static const char *const none[] = {NULL};
    int rc = check_shape(p, k, 0, true);
    if (rc == MST_OK)
        rc = check_hash(p, k, metadata_fields, 7);
    if (rc == MST_OK && p->c->metadata != NULL)
        rc = FAIL(p, k->name, "metadata given twice");
    if (rc == MST_OK && p->live) {
        p->c->metadata = ordered(k, metadata_fields, 7, none);
        rc = p->c->metadata != NULL ? MST_OK : MST_ENOMEM;
    }
    return rc;
}

/* `requires :mcollective => "2.2.1"`: read and checked; Choria's schema
 * has no place for it. */
static int stmt_requires(struct parser *p, const struct call *k) {
    static const struct field f[] = {{"mcollective", JSON_STRING, true}};
    int rc = check_shape(p, k, 0, true);
    return rc == MST_OK ? check_hash(p, k, f, 1) : rc;
}

static const struct field input_fields[] = {
    {"prompt", JSON_STRING, true},      {"description", JSON_STRING, true},
    {"type", JSON_STRING, true},        {"default", JSON_NULL, false},
    {"optional", JSON_TRUE, false},     {"validation", JSON_STRING, false},
    {"maxlength", JSON_INTEGER, false}, {"list", JSON_ARRAY, false},
};

static bool known_input_type(const char *type) {
    static const char *const types[] = {"string",  "integer", "float", "number",
                                        "boolean", "list",    "hash",  "array"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i], type) == 0)
            return true;
    return false;
}

/* Add `entry` as action.<section>.<name>, refusing a second one. */
static int add_entry(struct parser *p, const struct call *k,
                     const char *section, json_t *entry) {
    const char *name = json_string_value(json_array_get(k->args, 0));
    json_t *sec = json_object_get(p->c->action, section);
    int rc = entry != NULL ? MST_OK : MST_ENOMEM;
    if (rc == MST_OK && json_object_get(sec, name) != NULL)
        rc = FAIL(p, k->name, "%s :%s given twice", section, name);
    if (rc == MST_OK && json_object_set_new(sec, name, entry) != 0)
        return MST_ENOMEM;
    if (rc != MST_OK)
        json_decref(entry);
    return rc;
}

static int stmt_input(struct parser *p, const struct call *k) {
    static const char *const nulled[] = {"default", NULL};
    int rc = check_shape(p, k, 1, true);
    if (rc == MST_OK)
        rc = check_hash(p, k, input_fields, 8);
    const char *type = json_string_value(json_object_get(k->hash, "type"));
    if (rc == MST_OK && !known_input_type(type))
        rc = FAIL_KEY(p, k, "type", "input type :%s not understood", type);
    if (rc == MST_OK && (strcmp(type, "list") == 0) !=
                            (json_object_get(k->hash, "list") != NULL))
        rc = FAIL(p, k->name,
                  "an input has a :list exactly when its :type "
                  "is :list");
    if (rc != MST_OK || !p->live)
        return rc;
    json_t *in = ordered(k, input_fields, 8, nulled);
    /* As MCollective's DDL does: a missing :optional is nil, that is false,
     * and :validation and :maxlength are kept for strings only */
    if (in != NULL && strcmp(type, "string") != 0) {
        json_object_del(in, "validation");
        json_object_del(in, "maxlength");
    }
    if (in != NULL && json_object_get(in, "optional") == NULL &&
        json_object_set_new(in, "optional", json_false()) != 0) {
        json_decref(in);
        in = NULL;
    }
    return add_entry(p, k, "input", in);
}

static int stmt_output(struct parser *p, const struct call *k) {
    static const struct field f[] = {
        {"description", JSON_STRING, true},
        {"display_as", JSON_STRING, true},
        {"default", JSON_NULL, false},
        {"type", JSON_STRING, false},
    };
    static const char *const nulled[] = {"default", NULL};
    int rc = check_shape(p, k, 1, true);
    if (rc == MST_OK)
        rc = check_hash(p, k, f, 4);
    if (rc != MST_OK || !p->live)
        return rc;
    return add_entry(p, k, "output", ordered(k, f, 4, nulled));
}

static int stmt_display(struct parser *p, const struct call *k) {
    int rc = check_shape(p, k, 1, false);
    const char *d = json_string_value(json_array_get(k->args, 0));
    if (rc == MST_OK && strcmp(d, "always") != 0 && strcmp(d, "ok") != 0 &&
        strcmp(d, "failed") != 0)
        rc = FAIL(p, k->name,
                  "display :%s not understood (:always, :ok or "
                  ":failed)",
                  d);
    if (rc == MST_OK && p->live &&
        json_object_set_new(p->c->action, "display", json_string(d)) != 0)
        rc = MST_ENOMEM;
    return rc;
}

/* `aggregate FUNCTION(:output, ...)`: {"function", "args"} in order, the
 * trailing properties as the last argument. */
static int stmt_aggregate(struct parser *p, const struct tok *name) {
    const struct tok *fn = peek(p);
    if (fn->kind != T_IDENT || !is_punct(peek2(p), "("))
        return unexpected(p, fn, "FUNCTION(:output)");
    struct call k;
    int rc = parse_call(p, &k);
    if (rc == MST_OK && (json_array_size(k.args) == 0 ||
                         !json_is_string(json_array_get(k.args, 0))))
        rc = FAIL(p, name, "aggregate %.*s needs an output name first",
                  shown_len(fn), fn->text);
    if (rc == MST_OK && k.hash != NULL &&
        json_array_append(k.args, k.hash) != 0)
        rc = MST_ENOMEM;
    if (rc == MST_OK && p->live) {
        json_t *ag = json_pack("{s:s%,s:O}", "function", fn->text, fn->len,
                               "args", k.args);
        if (ag == NULL || json_array_append_new(p->c->aggregate, ag) != 0)
            rc = MST_ENOMEM;
    }
    call_clear(&k);
    return rc;
}

static int stmt_summarize(struct parser *p, const struct call *k) {
    int rc = check_shape(p, k, 0, false);
    if (rc == MST_OK)
        rc = expect_word(p, "do");
    if (rc == MST_OK && p->live &&
        json_object_get(p->c->action, "aggregate") == NULL &&
        json_object_set_new(p->c->action, "aggregate", json_array()) != 0)
        rc = MST_ENOMEM;
    if (rc != MST_OK)
        return rc;
    p->c->aggregate = json_object_get(p->c->action, "aggregate");
    rc = parse_block(p, S_SUMMARIZE);
    p->c->aggregate = NULL;
    return rc;
}

static json_t *new_action(const char *name, const char *description) {
    return json_pack("{s:s,s:{},s:{},s:s,s:s}", "action", name, "input",
                     "output", "display", "failed", "description", description);
}

static int stmt_action(struct parser *p, const struct call *k) {
    static const struct field f[] = {{"description", JSON_STRING, true}};
    int rc = check_shape(p, k, 1, true);
    if (rc == MST_OK)
        rc = check_hash(p, k, f, 1);
    if (rc == MST_OK)
        rc = expect_word(p, "do");
    if (rc != MST_OK)
        return rc;
    const char *name = json_string_value(json_array_get(k->args, 0));
    size_t i;
    json_t *a;
    json_array_foreach(p->c->actions, i, a) {
        if (p->live &&
            strcmp(json_string_value(json_object_get(a, "action")), name) == 0)
            return FAIL(p, k->name, "action %s given twice", name);
    }
    json_t *act = new_action(
        name, json_string_value(json_object_get(k->hash, "description")));
    if (act == NULL || json_array_append_new(p->c->actions, act) != 0)
        return MST_ENOMEM;
    p->c->action = act;
    rc = parse_block(p, S_ACTION);
    p->c->action = NULL;
    if (!p->live) /* read for its syntax only */
        json_array_remove(p->c->actions, json_array_size(p->c->actions) - 1);
    return rc;
}

/* ---- control: loops over literal lists, if on literal comparisons ---- */

/* The DDL methods: what `respond_to?` answers true for. */
static bool ddl_method(const char *name) {
    static const char *const m[] = {"metadata",  "requires", "action",
                                    "input",     "output",   "display",
                                    "summarize", "aggregate"};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(m[i], name) == 0)
            return true;
    return false;
}

/* `respond_to?(:method)` or `VALUE == VALUE` / `VALUE != VALUE`. */
static int parse_condition(struct parser *p, bool *yes) {
    const struct tok *t = peek(p);
    if (is(t, T_IDENT, "respond_to?")) {
        next(p);
        const struct tok *sym;
        int rc = expect(p, "(");
        if (rc == MST_OK && (sym = next(p))->kind != T_SYMBOL)
            rc = unexpected(p, sym, "a :symbol");
        if (rc == MST_OK)
            rc = expect(p, ")");
        if (rc == MST_OK) {
            char name[32];
            snprintf(name, sizeof name, "%.*s", shown_len(sym), sym->text);
            *yes = ddl_method(name);
        }
        return rc;
    }
    json_t *a = NULL, *b = NULL;
    int rc = parse_value(p, &a);
    const struct tok *op = peek(p);
    if (rc == MST_OK && !is_punct(op, "==") && !is_punct(op, "!="))
        rc = unexpected(p, op, "== or !=");
    if (rc == MST_OK) {
        next(p);
        rc = parse_value(p, &b);
    }
    if (rc == MST_OK)
        *yes = json_equal(a, b) == is_punct(op, "==");
    json_decref(a);
    json_decref(b);
    return rc;
}

/* `if COND ... [else ...] end`; the branch not taken is read, not kept. */
static int stmt_if(struct parser *p, enum scope scope) {
    bool yes = false, live = p->live;
    int rc = parse_condition(p, &yes);
    if (rc == MST_OK && !peek(p)->nl_before && !is_punct(peek(p), ";"))
        rc = expect_word(p, "then");
    p->live = live && yes;
    if (rc == MST_OK)
        rc = parse_block(p, scope);
    if (rc == MST_OK && is(&p->t[p->pos - 1], T_IDENT, "else")) {
        p->live = live && !yes;
        rc = parse_block(p, scope);
    }
    p->live = live;
    return rc;
}

static int bind_var(struct parser *p, const struct tok *name,
                    const char *value) {
    struct var *v = &p->c->vars[p->c->n_vars - 1];
    free(v->value);
    v->value = strdup(value);
    return v->value != NULL
               ? MST_OK
               : fail_at(p->c, name->line, MST_ENOMEM, "out of memory");
}

/* Read the loop body once per element (once, not kept, for no element). */
static int run_loop(struct parser *p, const struct tok *var, json_t *list,
                    enum scope scope) {
    size_t body = p->pos, n = json_array_size(list);
    bool live = p->live;
    int rc = MST_OK;
    for (size_t i = 0; rc == MST_OK && i < (n ? n : 1); i++) {
        json_t *item = json_array_get(list, i);
        if (n > 0 && !json_is_string(item))
            return FAIL(p, var,
                        "each over a list of anything but strings "
                        "not understood");
        p->pos = body;
        p->live = live && n > 0;
        rc = bind_var(p, var, n > 0 ? json_string_value(item) : "");
        if (rc == MST_OK)
            rc = parse_block(p, scope);
    }
    p->live = live;
    return rc;
}

/* Push the loop variable named by token `name`. */
static int push_var(struct parser *p, const struct tok *name) {
    if (p->c->n_vars == MAX_VARS)
        return fail_at(p->c, name->line, MST_ETOODEEP,
                       "loops nested too deeply");
    struct var *v = &p->c->vars[p->c->n_vars];
    *v = (struct var){strndup(name->text, name->len), NULL};
    if (v->name == NULL)
        return MST_ENOMEM;
    p->c->n_vars++;
    return MST_OK;
}

static void pop_var(struct conv *c) {
    struct var *v = &c->vars[--c->n_vars];
    free(v->name);
    free(v->value);
    *v = (struct var){0};
}

/* `[LIST].each do |VAR| ... end` */
static int stmt_each(struct parser *p, enum scope scope) {
    json_t *list = NULL;
    const struct tok *var = NULL;
    int rc = parse_value(p, &list);
    if (rc == MST_OK && !json_is_array(list))
        rc = unexpected(p, peek(p), "a list before .each");
    if (rc == MST_OK)
        rc = expect(p, ".");
    if (rc == MST_OK)
        rc = expect_word(p, "each");
    if (rc == MST_OK)
        rc = expect_word(p, "do");
    if (rc == MST_OK)
        rc = expect(p, "|");
    if (rc == MST_OK && (var = next(p))->kind != T_IDENT)
        rc = unexpected(p, var, "a variable name");
    if (rc == MST_OK)
        rc = expect(p, "|");
    if (rc == MST_OK)
        rc = push_var(p, var);
    if (rc == MST_OK) {
        rc = run_loop(p, var, list, scope);
        pop_var(p->c);
    }
    json_decref(list);
    return rc;
}

/* ---- statements ---- */

typedef int (*stmt_fn)(struct parser *, const struct call *);

static const struct {
    enum scope scope;
    const char *name;
    stmt_fn run;
} statements[] = {
    {S_TOP, "metadata", stmt_metadata},
    {S_TOP, "requires", stmt_requires},
    {S_TOP, "action", stmt_action},
    {S_ACTION, "input", stmt_input},
    {S_ACTION, "output", stmt_output},
    {S_ACTION, "display", stmt_display},
    {S_ACTION, "summarize", stmt_summarize},
};

static int parse_call_stmt(struct parser *p, enum scope scope) {
    const struct tok *name = peek(p);
    if (scope == S_SUMMARIZE && is(name, T_IDENT, "aggregate")) {
        next(p);
        return stmt_aggregate(p, name);
    }
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
        if (statements[i].scope == scope &&
            is(name, T_IDENT, statements[i].name)) {
            struct call k;
            int rc = parse_call(p, &k);
            if (rc == MST_OK)
                rc = statements[i].run(p, &k);
            call_clear(&k);
            return rc;
        }
    }
    return FAIL(p, name, "'%.*s' not understood here", shown_len(name),
                name->text);
}

static int parse_stmt(struct parser *p, enum scope scope) {
    const struct tok *t = peek(p);
    int rc = enter(p, t);
    if (rc != MST_OK)
        return rc;
    if (is(t, T_IDENT, "if")) {
        next(p);
        rc = stmt_if(p, scope);
    } else if (is_punct(t, "[") || t->kind == T_WORDS) {
        rc = stmt_each(p, scope);
    } else if (t->kind == T_IDENT) {
        rc = parse_call_stmt(p, scope);
    } else {
        rc = unexpected(p, t, "a DDL statement");
    }
    p->depth--;
    const struct tok *after = peek(p);
    if (rc == MST_OK && is_punct(after, ";"))
        next(p);
    else if (rc == MST_OK && !after->nl_before && !is(after, T_IDENT, "end"))
        rc = unexpected(p, after, "the end of the line");
    return rc;
}

/* Statements up to `end` or `else` (consumed) or, at the top, the end of
 * the file. */
static int parse_block(struct parser *p, enum scope scope) {
    int rc = enter(p, peek(p));
    for (;;) {
        const struct tok *t = peek(p);
        if (rc != MST_OK)
            break;
        if (is(t, T_IDENT, "end") || is(t, T_IDENT, "else")) {
            if (p->depth == 1)
                rc =
                    FAIL(p, t, "'%.*s' without a block", shown_len(t), t->text);
            next(p);
            break;
        }
        if (t->kind == T_EOF) {
            if (p->depth > 1)
                rc = FAIL(p, t, "end of file: 'end' missing");
            break;
        }
        rc = parse_stmt(p, scope);
    }
    p->depth--;
    return rc;
}

/* ---- the document ---- */

static void conv_clear(struct conv *c) {
    json_decref(c->metadata);
    json_decref(c->actions);
    for (int i = 0; i < MAX_VARS; i++) {
        free(c->vars[i].name);
        free(c->vars[i].value);
    }
}

/* The first line of text that is not UTF-8 (JSON strings must be), or 0. */
static int bad_utf8_line(const char *text, size_t len) {
    int line = 1;
    for (size_t i = 0; i < len; line++) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - text) - i : len - i;
        json_t *probe = json_stringn(text + i, n);
        if (probe == NULL)
            return line;
        json_decref(probe);
        i += n + 1;
    }
    return 0;
}

static int convert(struct conv *c, const char *text, size_t len,
                   json_t **doc_r) {
    struct toks ts = {0};
    int bad = bad_utf8_line(text, len);
    int rc = bad ? fail_at(c, bad, MST_ECONFIG, "not UTF-8")
                 : lex(c, text, len, 1, &ts);
    if (rc == MST_OK) {
        struct parser p = {c, ts.v, ts.n, 0, 0, true};
        rc = parse_block(&p, S_TOP);
    }
    free(ts.v);
    if (rc == MST_OK && c->metadata == NULL)
        rc = mst_err_set(c->err, MST_ECONFIG, "%s: no metadata", c->label);
    if (rc == MST_OK) {
        *doc_r = json_pack("{s:s,s:O,s:O}", "$schema", SCHEMA_URL, "metadata",
                           c->metadata, "actions", c->actions);
        rc = *doc_r != NULL ? MST_OK : MST_ENOMEM;
    }
    return rc;
}

int mst_ddl_ruby_convert(const char *text, size_t len, const char *label,
                         json_t **ddl_r, struct mst_err *err) {
    if (len > MST_DDL_RUBY_MAX_FILE)
        return mst_err_set(err, MST_ETOOBIG, "%s: more than %d bytes", label,
                           MST_DDL_RUBY_MAX_FILE);
    struct mst_err e = {0};
    struct conv c = {.label = label, .err = &e, .actions = json_array()};
    json_t *doc = NULL;
    int rc = c.actions != NULL ? convert(&c, text, len, &doc) : MST_ENOMEM;
    conv_clear(&c);
    if (rc == MST_OK) {
        *ddl_r = doc;
        return MST_OK;
    }
    /* out of memory, or a string grown past the cap, somewhere deep */
    if (e.msg[0] == '\0')
        mst_err_set(&e, rc, "%s: %s", label,
                    rc == MST_ETOOBIG ? "a string longer than 1 MiB"
                                      : mst_strerror(rc));
    if (err != NULL)
        *err = e;
    return rc;
}
