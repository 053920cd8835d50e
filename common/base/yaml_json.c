/*
 * yaml_json.c - YAML read with libyaml's event parser and built straight
 * into jansson values.  Only the plain data subset of YAML is accepted:
 * anchors, aliases and application tags are refused, so a document cannot
 * expand into something larger than itself.
 */
#include "base/yaml_json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "base/status.h"

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_SEQ "tag:yaml.org,2002:seq"
#define TAG_MAP "tag:yaml.org,2002:map"

struct yaml_ctx {
    yaml_parser_t parser;
    const char *name; /* for messages */
    struct mst_err *err;
};

static int line_of(const yaml_event_t *ev) {
    return (int)ev->start_mark.line + 1;
}

static int parser_error(struct yaml_ctx *y) {
    const yaml_parser_t *p = &y->parser;
    const char *problem = p->problem ? p->problem : "cannot parse";
    if (p->error == YAML_READER_ERROR)
        return mst_err_set(y->err, MST_EDECODE, "%s: byte %zu: %s", y->name,
                           p->problem_offset, problem);
    if (p->error == YAML_MEMORY_ERROR)
        return mst_err_set(y->err, MST_ENOMEM, "%s: out of memory", y->name);
    if (p->context != NULL)
        return mst_err_set(y->err, MST_EDECODE, "%s:%zu: %s %s", y->name,
                           p->problem_mark.line + 1, problem, p->context);
    return mst_err_set(y->err, MST_EDECODE, "%s:%zu: %s", y->name,
                       p->problem_mark.line + 1, problem);
}

static int next_event(struct yaml_ctx *y, yaml_event_t *ev) {
    if (!yaml_parser_parse(&y->parser, ev))
        return parser_error(y);
    return MST_OK;
}

static int no_memory(struct yaml_ctx *y) {
    return mst_err_set(y->err, MST_ENOMEM, "%s: out of memory", y->name);
}

/* All of s[0..n) is [-+]?(0|[1-9][0-9]*). */
static int looks_int(const char *s, size_t n) {
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == n || (s[i] == '0' && n - i > 1))
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* All of s[0..n) is [-+]?(d+.d*|.d+|d+)([eE][-+]?d+)? with a '.' or 'e'. */
static int looks_float(const char *s, size_t n) {
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    size_t digits = 0, dot = 0;
    for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++) {
        if (s[i] == '.' && dot++)
            return 0;
        digits += s[i] != '.';
    }
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t exp = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        return i == n && i > exp;
    }
    return i == n && dot == 1;
}

static int one_of(const char *s, const char *const *words) {
    for (; *words != NULL; words++)
        if (strcmp(s, *words) == 0)
            return 1;
    return 0;
}

/*
 * The type of a plain scalar, as YAML 1.1 would resolve it for plain data
 * (facts, settings).  Numbers with leading zeros ("0755", zip codes) stay
 * strings, as do version-like "1.2.3", ".inf" and ".nan" (JSON has no
 * infinities).  Returns a new value, or NULL only when out of memory.
 */
static json_t *plain_scalar(const char *s, size_t n) {
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", "yes",
                                        "Yes",  "YES",  NULL};
    static const char *const falses[] = {"false", "False", "FALSE", "no",
                                         "No",    "NO",    NULL};
    if (strlen(s) == n) {
        if (one_of(s, nulls))
            return json_null();
        if (one_of(s, trues))
            return json_true();
        if (one_of(s, falses))
            return json_false();
        if (looks_int(s, n)) {
            errno = 0;
            long long v = strtoll(s, NULL, 10);
            if (errno == 0)
                return json_integer(v);
        }
        if (looks_float(s, n)) {
            double d = strtod(s, NULL);
            if (isfinite(d))
                return json_real(d);
        }
    }
    return json_stringn(s, n);
}

/*
 * Aliases could make a small file expand into a huge tree (the "billion
 * laughs"), and plain data never needs them: refuse them and their anchors.
 */
static int check_anchor(struct yaml_ctx *y, const yaml_event_t *ev,
                        const yaml_char_t *anchor) {
    if (anchor == NULL)
        return MST_OK;
    return mst_err_set(
        y->err, MST_EDECODE,
        "%s:%d: YAML %s %c%s: anchors and aliases are not "
        "supported; write the value out",
        y->name, line_of(ev), ev->type == YAML_ALIAS_EVENT ? "alias" : "anchor",
        ev->type == YAML_ALIAS_EVENT ? '*' : '&', (const char *)anchor);
}

static int check_tag(struct yaml_ctx *y, const yaml_event_t *ev,
                     const yaml_char_t *tag, const char *allowed) {
    if (tag == NULL || strcmp((const char *)tag, allowed) == 0 ||
        strcmp((const char *)tag, "!") == 0)
        return MST_OK;
    return mst_err_set(y->err, MST_EDECODE, "%s:%d: tag %s is not supported",
                       y->name, line_of(ev), (const char *)tag);
}

static int scalar_node(struct yaml_ctx *y, const yaml_event_t *ev,
                       json_t **out_r) {
    int rc = check_anchor(y, ev, ev->data.scalar.anchor);
    if (rc == MST_OK)
        rc = check_tag(y, ev, ev->data.scalar.tag, TAG_STR);
    if (rc != MST_OK)
        return rc;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    /* Quoted, block and tagged scalars are text as written. */
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                ev->data.scalar.tag == NULL;
    *out_r = plain ? plain_scalar(s, n) : json_stringn(s, n);
    return *out_r != NULL ? MST_OK : no_memory(y);
}

static int node(struct yaml_ctx *y, yaml_event_t *ev, int depth,
                json_t **out_r);

/* Appends the node that starts with `ev` (consumed) to `arr`. */
static int sequence_entry(struct yaml_ctx *y, json_t *arr, yaml_event_t *ev,
                          int depth) {
    json_t *item = NULL;
    int rc = node(y, ev, depth + 1, &item);
    if (rc == MST_OK && json_array_append_new(arr, item) != 0)
        rc = no_memory(y);
    return rc;
}

/* Read one key: a scalar, taken as text whatever it looks like. */
static int mapping_key(struct yaml_ctx *y, const json_t *obj,
                       const yaml_event_t *ev) {
    if (ev->type != YAML_SCALAR_EVENT)
        return mst_err_set(y->err, MST_EDECODE,
                           "%s:%d: a mapping key must be a plain value",
                           y->name, line_of(ev));
    int rc = check_anchor(y, ev, ev->data.scalar.anchor);
    if (rc != MST_OK)
        return rc;
    const char *k = (const char *)ev->data.scalar.value;
    if (strlen(k) != ev->data.scalar.length)
        return mst_err_set(y->err, MST_EDECODE,
                           "%s:%d: a key contains a NUL byte", y->name,
                           line_of(ev));
    if (json_object_get(obj, k) != NULL)
        return mst_err_set(y->err, MST_EDECODE, "%s:%d: %s: duplicate key",
                           y->name, line_of(ev), k);
    return MST_OK;
}

static int mapping_entry(struct yaml_ctx *y, json_t *obj, yaml_event_t *kev,
                         int depth) {
    int rc = mapping_key(y, obj, kev);
    yaml_event_t vev;
    if (rc == MST_OK)
        rc = next_event(y, &vev);
    json_t *value = NULL;
    if (rc == MST_OK)
        rc = node(y, &vev, depth + 1, &value);
    if (rc == MST_OK &&
        json_object_set_new(obj, (const char *)kev->data.scalar.value, value) !=
            0)
        rc = no_memory(y);
    yaml_event_delete(kev);
    return rc;
}

/* Adds the entry that starts with `ev` (consumed) to container `c`. */
typedef int (*entry_fn)(struct yaml_ctx *y, json_t *c, yaml_event_t *ev,
                        int depth);

/*
 * The entries of a sequence or a mapping up to its `end` event, each added
 * to `c` by `entry`.  `c` is a new container (NULL: out of memory), given
 * to *out_r or freed on error.
 */
static int container_node(struct yaml_ctx *y, int depth, json_t *c,
                          yaml_event_type_t end, entry_fn entry,
                          json_t **out_r) {
    if (c == NULL)
        return no_memory(y);
    for (;;) {
        yaml_event_t ev;
        int rc = next_event(y, &ev);
        if (rc == MST_OK && ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        if (rc == MST_OK)
            rc = entry(y, c, &ev, depth);
        if (rc != MST_OK) {
            json_decref(c);
            return rc;
        }
    }
    *out_r = c;
    return MST_OK;
}

/*
 * Build the node that starts with `ev` (consumed: deleted before return)
 * and everything up to its end event.
 */
static int node(struct yaml_ctx *y, yaml_event_t *ev, int depth,
                json_t **out_r) {
    int rc;
    if (depth > MST_YAML_JSON_MAX_DEPTH) {
        rc = mst_err_set(y->err, MST_EDECODE, "%s:%d: nested deeper than %d",
                         y->name, line_of(ev), MST_YAML_JSON_MAX_DEPTH);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        rc = scalar_node(y, ev, out_r);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        rc = check_anchor(y, ev, ev->data.sequence_start.anchor);
        if (rc == MST_OK)
            rc = check_tag(y, ev, ev->data.sequence_start.tag, TAG_SEQ);
        if (rc == MST_OK)
            rc = container_node(y, depth, json_array(), YAML_SEQUENCE_END_EVENT,
                                sequence_entry, out_r);
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        rc = check_anchor(y, ev, ev->data.mapping_start.anchor);
        if (rc == MST_OK)
            rc = check_tag(y, ev, ev->data.mapping_start.tag, TAG_MAP);
        if (rc == MST_OK)
            rc = container_node(y, depth, json_object(), YAML_MAPPING_END_EVENT,
                                mapping_entry, out_r);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        rc = check_anchor(y, ev, ev->data.alias.anchor);
    } else {
        rc = mst_err_set(y->err, MST_EDECODE, "%s:%d: unexpected YAML event",
                         y->name, line_of(ev));
    }
    yaml_event_delete(ev);
    return rc;
}

/* Expect an event of `type` (and drop it). */
static int expect(struct yaml_ctx *y, yaml_event_type_t type,
                  const char *what) {
    yaml_event_t ev;
    int rc = next_event(y, &ev);
    if (rc != MST_OK)
        return rc;
    if (ev.type != type)
        rc = mst_err_set(y->err, MST_EDECODE, "%s:%d: %s", y->name,
                         line_of(&ev), what);
    yaml_event_delete(&ev);
    return rc;
}

/* The stream: nothing (null), or exactly one document. */
static int document(struct yaml_ctx *y, json_t **out_r) {
    yaml_event_t ev;
    int rc = expect(y, YAML_STREAM_START_EVENT, "no YAML stream");
    if (rc == MST_OK)
        rc = next_event(y, &ev);
    if (rc != MST_OK)
        return rc;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        *out_r = json_null();
        return MST_OK;
    }
    yaml_event_delete(&ev); /* the document start */
    json_t *value = NULL;
    rc = next_event(y, &ev);
    if (rc == MST_OK)
        rc = node(y, &ev, 1, &value);
    if (rc == MST_OK)
        rc = expect(y, YAML_DOCUMENT_END_EVENT, "expected end of document");
    if (rc == MST_OK)
        rc = expect(y, YAML_STREAM_END_EVENT, "more than one document (---)");
    if (rc != MST_OK) {
        json_decref(value);
        return rc;
    }
    *out_r = value;
    return MST_OK;
}

int mst_yaml_json_parse(const char *text, size_t len, const char *name,
                        json_t **out_r, struct mst_err *err) {
    struct yaml_ctx y = {.name = name, .err = err};
    if (!yaml_parser_initialize(&y.parser))
        return mst_err_set(err, MST_ENOMEM, "%s: out of memory", name);
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
    int rc = document(&y, out_r);
    yaml_parser_delete(&y.parser);
    return rc;
}
