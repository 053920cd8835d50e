/*
 * ddl.c - Choria JSON DDLs: the loader first (every field checked once, so
 * that the rest can trust a loaded DDL), then conversion and validation of
 * values, then aggregates.
 */
#include "ddl/ddl.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/config.h"
#include "targeting/regexp.h"
#include "base/status.h"
#include "base/util.h"

#define PATH_LEN 200

/* Where the loader is: the file's label and the dotted path to a field. */
struct ctx {
    const char *label;
    struct mst_err *err;
};

/* `path` + "." + `key` into `p` (cut at PATH_LEN: paths only label). */
static const char *sub(char p[PATH_LEN], const char *path, const char *key) {
    int n = snprintf(p, PATH_LEN, "%s%s%s", path, path[0] ? "." : "", key);
    if (n < 0 || n >= PATH_LEN)
        p[PATH_LEN - 1] = '\0';
    return p;
}

static int bad(const struct ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(const struct ctx *c, const char *path, const char *fmt, ...) {
    char why[MST_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return mst_err_set(c->err, MST_ECONFIG, "%s: %s%s%s", c->label, path,
                       path[0] ? ": " : "", why);
}

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a float";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Every key of `obj` must be in `allowed` (NULL-terminated). */
static int known_keys(const struct ctx *c, const char *path, const json_t *obj,
                      const char *const *allowed) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL) {
            char p[PATH_LEN];
            sub(p, path, key);
            return bad(c, p, "unknown key");
        }
    }
    return MST_OK;
}

/* A copy of string `key` of `obj`, "" (or NULL when !empty) if absent. */
static int get_str(const struct ctx *c, const char *path, const json_t *obj,
                   const char *key, int required, char **out) {
    const json_t *v = json_object_get(obj, key);
    char p[PATH_LEN];
    sub(p, path, key);
    if (v == NULL && required)
        return bad(c, p, "required");
    if (v != NULL && !json_is_string(v))
        return bad(c, p, "expected a string, got %s", json_kind(v));
    *out = strdup(v ? json_string_value(v) : "");
    return *out ? MST_OK : mst_err_set(c->err, MST_ENOMEM, "out of memory");
}

static int get_bool(const struct ctx *c, const char *path, const json_t *obj,
                    const char *key, int *out) {
    const json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return MST_OK;
    if (!json_is_boolean(v)) {
        char p[PATH_LEN];
        sub(p, path, key);
        return bad(c, p, "expected true or false, got %s", json_kind(v));
    }
    *out = json_is_true(v);
    return MST_OK;
}

static int get_name(const struct ctx *c, const char *path, const json_t *obj,
                    const char *key, char **out) {
    int rc = get_str(c, path, obj, key, 1, out);
    if (rc == MST_OK && !mst_is_name(*out, MST_DDL_MAX_NAME)) {
        char p[PATH_LEN];
        sub(p, path, key);
        return bad(c, p, "\"%s\" is not a name (1 to %d of A-Z a-z 0-9 _ . -)",
                   *out, MST_DDL_MAX_NAME);
    }
    return rc;
}

/* ---- names of things ---- */

static const char *const type_names[] = {
    [MST_DDL_STRING] = "string",   [MST_DDL_INTEGER] = "integer",
    [MST_DDL_FLOAT] = "float",     [MST_DDL_NUMBER] = "number",
    [MST_DDL_BOOLEAN] = "boolean", [MST_DDL_LIST] = "list",
    [MST_DDL_ARRAY] = "array",     [MST_DDL_HASH] = "hash",
    [MST_DDL_ANY] = "any",
};

const char *mst_ddl_type_name(enum mst_ddl_type type) {
    return (size_t)type < sizeof type_names / sizeof type_names[0]
               ? type_names[type]
               : "?";
}

const char *mst_ddl_display_name(enum mst_ddl_display display) {
    return display == MST_DDL_DISPLAY_ALWAYS ? "always"
           : display == MST_DDL_DISPLAY_OK   ? "ok"
                                             : "failed";
}

static const struct {
    const char *name;
    enum mst_ddl_validator v;
} validators[] = {
    {"shellsafe", MST_DDL_V_SHELLSAFE}, {"ipv4address", MST_DDL_V_IPV4},
    {"ipv6address", MST_DDL_V_IPV6},    {"ipaddress", MST_DDL_V_IPADDRESS},
    {"boolean", MST_DDL_V_BOOLEAN},     {"hostname", MST_DDL_V_HOSTNAME},
    {"duration", MST_DDL_V_DURATION},
};

static int parse_type(const struct ctx *c, const char *path, const json_t *obj,
                      int output, enum mst_ddl_type *out) {
    const json_t *v = json_object_get(obj, "type");
    char p[PATH_LEN];
    sub(p, path, "type");
    if (v == NULL && output) {
        *out = MST_DDL_ANY;
        return MST_OK;
    }
    if (v == NULL)
        return bad(c, p, "required");
    if (!json_is_string(v))
        return bad(c, p, "expected a string, got %s", json_kind(v));
    const char *t = json_string_value(v);
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(t, type_names[i]) == 0 && (output || i != MST_DDL_ANY)) {
            *out = (enum mst_ddl_type)i;
            return MST_OK;
        }
    return bad(c, p,
               "unknown type \"%s\" (string, integer, float, number, "
               "boolean, list, array, hash%s)",
               t, output ? ", any" : "");
}

/* ---- inputs ---- */

static int parse_validation(const struct ctx *c, const char *path,
                            struct mst_ddl_input *in) {
    char p[PATH_LEN];
    sub(p, path, "validation");
    const char *text = in->validation;
    if (text == NULL || text[0] == '\0')
        return MST_OK;
    if (in->type != MST_DDL_STRING)
        return bad(c, p,
                   "only string inputs take a validation (this one is "
                   "%s)",
                   mst_ddl_type_name(in->type));
    for (size_t i = 0; i < sizeof validators / sizeof validators[0]; i++)
        if (strcmp(text, validators[i].name) == 0) {
            in->validator = validators[i].v;
            return MST_OK;
        }
    if (strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(text))
        return bad(c, p,
                   "unknown validator \"%s\" (shellsafe, ipv4address, "
                   "ipv6address, ipaddress, boolean, hostname, duration, or "
                   "a regular expression)",
                   text);
    char posix[2 * MST_REGEXP_MAX_LEN + 1];
    struct mst_err e = {0};
    int rc = mst_regexp_translate(text, posix, sizeof posix, &e);
    if (rc == MST_OK)
        rc = mst_regexp_compile(&in->re, posix, REG_NOSUB, &e);
    if (rc != MST_OK)
        return bad(c, p, "%s", e.msg);
    in->validator = MST_DDL_V_REGEX;
    return MST_OK;
}

static int parse_maxlength(const struct ctx *c, const char *path,
                           const json_t *obj, struct mst_ddl_input *in) {
    const json_t *v = json_object_get(obj, "maxlength");
    if (v == NULL)
        return MST_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        char p[PATH_LEN];
        sub(p, path, "maxlength");
        return bad(c, p, "expected an integer of 0 or more");
    }
    in->maxlength = (size_t)json_integer_value(v);
    return MST_OK;
}

static int parse_enum(const struct ctx *c, const char *path, const json_t *obj,
                      struct mst_ddl_input *in) {
    const json_t *v = json_object_get(obj, "enum");
    char p[PATH_LEN];
    sub(p, path, "enum");
    if (in->type != MST_DDL_LIST)
        return v ? bad(c, p, "only list inputs take an enum") : MST_OK;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return bad(c, p, "a list input needs a non-empty array of strings");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (!json_is_string(x))
            return bad(c, p, "item %zu: expected a string, got %s", i,
                       json_kind(x));
    }
    in->enum_values = json_deep_copy(v);
    return in->enum_values ? MST_OK
                           : mst_err_set(c->err, MST_ENOMEM, "out of memory");
}

static int parse_default(const struct ctx *c, const char *path,
                         const json_t *obj, struct mst_ddl_input *in) {
    const json_t *v = json_object_get(obj, "default");
    if (v == NULL || json_is_null(v))
        return MST_OK;
    char p[PATH_LEN];
    sub(p, path, "default");
    struct mst_err e = {0};
    if (mst_ddl_check_value(in, v, &e) != MST_OK)
        return bad(c, p, "%s", e.msg);
    in->def = in->type == MST_DDL_FLOAT && json_is_integer(v)
                  ? json_real((double)json_integer_value(v))
                  : json_deep_copy(v);
    return in->def ? MST_OK : mst_err_set(c->err, MST_ENOMEM, "out of memory");
}

static const char *const input_keys[] = {
    "prompt",   "description", "type", "validation", "maxlength",
    "optional", "default",     "enum", "sensitive",  NULL};

static int parse_input(const struct ctx *c, const char *path, const char *name,
                       const json_t *obj, struct mst_ddl_input *in) {
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s", json_kind(obj));
    if (!mst_is_name(name, MST_DDL_MAX_NAME))
        return bad(c, path, "not a valid input name");
    int rc = known_keys(c, path, obj, input_keys);
    if (rc == MST_OK && (in->name = strdup(name)) == NULL)
        rc = mst_err_set(c->err, MST_ENOMEM, "out of memory");
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "prompt", 0, &in->prompt);
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "description", 0, &in->description);
    if (rc == MST_OK)
        rc = parse_type(c, path, obj, 0, &in->type);
    if (rc == MST_OK && json_object_get(obj, "validation") != NULL)
        rc = get_str(c, path, obj, "validation", 0, &in->validation);
    if (rc == MST_OK)
        rc = parse_validation(c, path, in);
    if (rc == MST_OK)
        rc = parse_maxlength(c, path, obj, in);
    if (rc == MST_OK)
        rc = get_bool(c, path, obj, "optional", &in->optional);
    if (rc == MST_OK)
        rc = get_bool(c, path, obj, "sensitive", &in->sensitive);
    if (rc == MST_OK)
        rc = parse_enum(c, path, obj, in);
    if (rc == MST_OK)
        rc = parse_default(c, path, obj, in);
    return rc;
}

/* ---- outputs and aggregates ---- */

static const char *const output_keys[] = {"description", "display_as", "type",
                                          "default", NULL};

static int parse_output(const struct ctx *c, const char *path, const char *name,
                        const json_t *obj, struct mst_ddl_output *out) {
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s", json_kind(obj));
    if (!mst_is_name(name, MST_DDL_MAX_NAME))
        return bad(c, path, "not a valid output name");
    int rc = known_keys(c, path, obj, output_keys);
    if (rc == MST_OK && (out->name = strdup(name)) == NULL)
        rc = mst_err_set(c->err, MST_ENOMEM, "out of memory");
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "description", 0, &out->description);
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "display_as", 0, &out->display_as);
    if (rc == MST_OK && out->display_as[0] == '\0') {
        free(out->display_as);
        out->display_as = strdup(name);
        if (out->display_as == NULL)
            rc = mst_err_set(c->err, MST_ENOMEM, "out of memory");
    }
    if (rc == MST_OK)
        rc = parse_type(c, path, obj, 1, &out->type);
    const json_t *def = json_object_get(obj, "default");
    if (rc == MST_OK && def != NULL && (out->def = json_deep_copy(def)) == NULL)
        rc = mst_err_set(c->err, MST_ENOMEM, "out of memory");
    return rc;
}

/*
 * A format for one number: text, one %[flags][width][.precision]CONV with
 * CONV in d i f g e s, more text; "%%" is a literal percent.
 */
static int format_ok(const char *f) {
    int convs = 0;
    for (const char *p = f; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (*++p == '%')
            continue;
        p += strspn(p, "-+ 0#");
        p += strspn(p, "0123456789");
        if (*p == '.')
            p += 1 + strspn(p + 1, "0123456789");
        if (*p == '\0' || strchr("difgeEs", *p) == NULL)
            return 0;
        convs++;
    }
    return convs == 1 && strlen(f) < 64;
}

static int parse_aggregate_format(const struct ctx *c, const char *path,
                                  const json_t *obj,
                                  struct mst_ddl_aggregate *ag) {
    const json_t *f = json_object_get(obj, "format");
    const json_t *args = json_object_get(obj, "args");
    if (f == NULL && json_array_size(args) > 1)
        f = json_object_get(json_array_get(args, 1), "format");
    if (f == NULL)
        return MST_OK;
    char p[PATH_LEN];
    sub(p, path, "format");
    if (!json_is_string(f) || !format_ok(json_string_value(f)))
        return bad(c, p,
                   "expected one printf conversion (%%d %%i %%f %%g "
                   "%%e %%s) in a string shorter than 64 bytes");
    ag->format = strdup(json_string_value(f));
    return ag->format ? MST_OK
                      : mst_err_set(c->err, MST_ENOMEM, "out of memory");
}

static int parse_aggregate(const struct ctx *c, const char *path,
                           const json_t *obj, const struct mst_ddl_action *act,
                           struct mst_ddl_aggregate *ag) {
    static const char *const keys[] = {"function", "args", "format", NULL};
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s", json_kind(obj));
    char *fn = NULL;
    int rc = known_keys(c, path, obj, keys);
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "function", 1, &fn);
    char p[PATH_LEN];
    sub(p, path, "function");
    if (rc == MST_OK && strcmp(fn, "summary") == 0)
        ag->function = MST_DDL_SUMMARY;
    else if (rc == MST_OK && strcmp(fn, "average") == 0)
        ag->function = MST_DDL_AVERAGE;
    else if (rc == MST_OK && strcmp(fn, "sum") == 0)
        ag->function = MST_DDL_SUM;
    else if (rc == MST_OK)
        rc = bad(c, p, "unknown function \"%s\" (summary, average, sum)", fn);
    free(fn);
    if (rc != MST_OK)
        return rc;
    const json_t *args = json_object_get(obj, "args");
    const json_t *arg0 = json_array_get(args, 0);
    sub(p, path, "args");
    if (!json_is_string(arg0))
        return bad(c, p, "expected [\"OUTPUT\"] naming an output");
    if (mst_ddl_output(act, json_string_value(arg0)) == NULL)
        return bad(c, p, "\"%s\" is not an output of this action",
                   json_string_value(arg0));
    ag->output = strdup(json_string_value(arg0));
    if (ag->output == NULL)
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    return parse_aggregate_format(c, path, obj, ag);
}

/* ---- actions ---- */

static int parse_display(const struct ctx *c, const char *path,
                         const json_t *obj, enum mst_ddl_display *out) {
    const json_t *v = json_object_get(obj, "display");
    if (v == NULL)
        return MST_OK;
    const char *s = json_string_value(v);
    char p[PATH_LEN];
    sub(p, path, "display");
    if (s != NULL && strcmp(s, "always") == 0)
        *out = MST_DDL_DISPLAY_ALWAYS;
    else if (s != NULL && strcmp(s, "ok") == 0)
        *out = MST_DDL_DISPLAY_OK;
    else if (s != NULL && strcmp(s, "failed") == 0)
        *out = MST_DDL_DISPLAY_FAILED;
    else
        return bad(c, p, "expected \"always\", \"ok\" or \"failed\"");
    return MST_OK;
}

/* Check that `v` (may be NULL) is an object of at most the field limit. */
static int field_map(const struct ctx *c, const char *path, const char *key,
                     const json_t *v, size_t *n_r) {
    char p[PATH_LEN];
    sub(p, path, key);
    *n_r = 0;
    if (v == NULL)
        return MST_OK;
    if (!json_is_object(v))
        return bad(c, p, "expected an object, got %s", json_kind(v));
    if (json_object_size(v) > MST_DDL_MAX_FIELDS)
        return bad(c, p, "more than %d entries", MST_DDL_MAX_FIELDS);
    *n_r = json_object_size(v);
    return MST_OK;
}

static int parse_inputs(const struct ctx *c, const char *path,
                        const json_t *obj, struct mst_ddl_action *act) {
    const json_t *map = json_object_get(obj, "input");
    size_t n;
    int rc = field_map(c, path, "input", map, &n);
    if (rc != MST_OK || n == 0)
        return rc;
    act->inputs = calloc(n, sizeof *act->inputs);
    if (act->inputs == NULL)
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v) {
        char p[PATH_LEN], p2[PATH_LEN];
        sub(p, sub(p2, path, "input"), key);
        rc = parse_input(c, p, key, v, &act->inputs[act->n_inputs++]);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static int parse_outputs(const struct ctx *c, const char *path,
                         const json_t *obj, struct mst_ddl_action *act) {
    const json_t *map = json_object_get(obj, "output");
    size_t n;
    int rc = field_map(c, path, "output", map, &n);
    if (rc != MST_OK || n == 0)
        return rc;
    act->outputs = calloc(n, sizeof *act->outputs);
    if (act->outputs == NULL)
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v) {
        char p[PATH_LEN], p2[PATH_LEN];
        sub(p, sub(p2, path, "output"), key);
        rc = parse_output(c, p, key, v, &act->outputs[act->n_outputs++]);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static int parse_aggregates(const struct ctx *c, const char *path,
                            const json_t *obj, struct mst_ddl_action *act) {
    const json_t *list = json_object_get(obj, "aggregate");
    char p[PATH_LEN];
    sub(p, path, "aggregate");
    if (list == NULL)
        return MST_OK;
    if (!json_is_array(list))
        return bad(c, p, "expected an array, got %s", json_kind(list));
    size_t n = json_array_size(list);
    if (n > MST_DDL_MAX_FIELDS)
        return bad(c, p, "more than %d entries", MST_DDL_MAX_FIELDS);
    act->aggregates = calloc(n ? n : 1, sizeof *act->aggregates);
    if (act->aggregates == NULL)
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char pi[PATH_LEN], idx[24];
        snprintf(idx, sizeof idx, "[%zu]", i);
        if (snprintf(pi, sizeof pi, "%s%s", p, idx) >= PATH_LEN)
            pi[PATH_LEN - 1] = '\0';
        int rc = parse_aggregate(c, pi, json_array_get(list, i), act,
                                 &act->aggregates[act->n_aggregates++]);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static const char *const action_keys[] = {
    "action", "description", "display", "input", "output", "aggregate", NULL};

static int parse_action(const struct ctx *c, const char *path,
                        const json_t *obj, struct mst_ddl_action *act) {
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s", json_kind(obj));
    int rc = known_keys(c, path, obj, action_keys);
    if (rc == MST_OK)
        rc = get_name(c, path, obj, "action", &act->name);
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "description", 0, &act->description);
    if (rc == MST_OK)
        rc = parse_display(c, path, obj, &act->display);
    if (rc == MST_OK)
        rc = parse_inputs(c, path, obj, act);
    if (rc == MST_OK)
        rc = parse_outputs(c, path, obj, act);
    if (rc == MST_OK)
        rc = parse_aggregates(c, path, obj, act);
    return rc;
}

static int parse_actions(const struct ctx *c, const json_t *root,
                         struct mst_ddl *ddl) {
    const json_t *list = json_object_get(root, "actions");
    if (!json_is_array(list))
        return bad(c, "actions", list ? "expected an array" : "required");
    size_t n = json_array_size(list);
    if (n > MST_DDL_MAX_ACTIONS)
        return bad(c, "actions", "more than %d actions", MST_DDL_MAX_ACTIONS);
    ddl->actions = calloc(n ? n : 1, sizeof *ddl->actions);
    if (ddl->actions == NULL)
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[PATH_LEN];
        snprintf(p, sizeof p, "actions[%zu]", i);
        struct mst_ddl_action *act = &ddl->actions[ddl->n_actions++];
        int rc = parse_action(c, p, json_array_get(list, i), act);
        if (rc != MST_OK)
            return rc;
        if (mst_ddl_action(ddl, act->name) != act)
            return bad(c, p, "action \"%s\" defined twice", act->name);
    }
    return MST_OK;
}

static const char *const metadata_keys[] = {
    "name", "description", "author",   "license", "version",
    "url",  "timeout",     "provider", "service", NULL};

static int parse_metadata(const struct ctx *c, const json_t *root,
                          struct mst_ddl *ddl) {
    const json_t *md = json_object_get(root, "metadata");
    if (!json_is_object(md))
        return bad(c, "metadata", md ? "expected an object" : "required");
    int rc = known_keys(c, "metadata", md, metadata_keys);
    if (rc == MST_OK)
        rc = get_name(c, "metadata", md, "name", &ddl->name);
    if (rc == MST_OK)
        rc = get_str(c, "metadata", md, "description", 0, &ddl->description);
    if (rc == MST_OK)
        rc = get_str(c, "metadata", md, "author", 0, &ddl->author);
    if (rc == MST_OK)
        rc = get_str(c, "metadata", md, "license", 0, &ddl->license);
    if (rc == MST_OK)
        rc = get_str(c, "metadata", md, "version", 0, &ddl->version);
    if (rc == MST_OK)
        rc = get_str(c, "metadata", md, "url", 0, &ddl->url);
    if (rc != MST_OK)
        return rc;
    const json_t *t = json_object_get(md, "timeout");
    ddl->timeout_s = 10;
    if (t != NULL && (!json_is_integer(t) || json_integer_value(t) < 1 ||
                      json_integer_value(t) > 86400))
        return bad(c, "metadata.timeout",
                   "expected an integer of seconds, "
                   "1 to 86400");
    if (t != NULL)
        ddl->timeout_s = (int)json_integer_value(t);
    return MST_OK;
}

int mst_ddl_load_text(const char *text, size_t len, const char *label,
                      struct mst_ddl **ddl_r, struct mst_err *err) {
    struct ctx c = {label, err};
    if (len > MST_DDL_MAX_FILE)
        return mst_err_set(err, MST_EIO, "%s: larger than %d bytes", label,
                           MST_DDL_MAX_FILE);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return mst_err_set(err, MST_ECONFIG, "%s:%d:%d: %s", label, je.line,
                           je.column, je.text);
    struct mst_ddl *ddl = calloc(1, sizeof *ddl);
    int rc = ddl ? MST_OK : mst_err_set(err, MST_ENOMEM, "out of memory");
    static const char *const top_keys[] = {"$schema", "metadata", "actions",
                                           NULL};
    if (rc == MST_OK && !json_is_object(root))
        rc = bad(&c, "", "expected a JSON object");
    if (rc == MST_OK && (ddl->path = strdup(label)) == NULL)
        rc = mst_err_set(err, MST_ENOMEM, "out of memory");
    if (rc == MST_OK)
        rc = known_keys(&c, "", root, top_keys);
    if (rc == MST_OK)
        rc = parse_metadata(&c, root, ddl);
    if (rc == MST_OK)
        rc = parse_actions(&c, root, ddl);
    json_decref(root);
    if (rc != MST_OK) {
        mst_ddl_free(&ddl);
        return rc;
    }
    *ddl_r = ddl;
    return MST_OK;
}

int mst_ddl_load_file(const char *path, struct mst_ddl **ddl_r,
                      struct mst_err *err) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return mst_err_set(err, errno == ENOENT ? MST_ENOTFOUND : MST_EIO,
                           "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(MST_DDL_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MST_DDL_MAX_FILE + 1, f) : 0;
    int failed = buf == NULL || ferror(f);
    fclose(f);
    int rc = failed ? mst_err_set(err, MST_EIO, "%s: cannot read", path)
                    : mst_ddl_load_text(buf, n, path, ddl_r, err);
    free(buf);
    return rc;
}

static void free_input(struct mst_ddl_input *in) {
    free(in->name);
    free(in->prompt);
    free(in->description);
    free(in->validation);
    json_decref(in->def);
    json_decref(in->enum_values);
    if (in->validator == MST_DDL_V_REGEX)
        regfree(&in->re);
}

static void free_action(struct mst_ddl_action *a) {
    free(a->name);
    free(a->description);
    for (size_t i = 0; i < a->n_inputs; i++)
        free_input(&a->inputs[i]);
    free(a->inputs);
    for (size_t i = 0; i < a->n_outputs; i++) {
        free(a->outputs[i].name);
        free(a->outputs[i].description);
        free(a->outputs[i].display_as);
        json_decref(a->outputs[i].def);
    }
    free(a->outputs);
    for (size_t i = 0; i < a->n_aggregates; i++) {
        free(a->aggregates[i].output);
        free(a->aggregates[i].format);
    }
    free(a->aggregates);
}

void mst_ddl_free(struct mst_ddl **ddl) {
    if (ddl == NULL || *ddl == NULL)
        return;
    struct mst_ddl *d = *ddl;
    for (size_t i = 0; i < d->n_actions; i++)
        free_action(&d->actions[i]);
    free(d->actions);
    free(d->path);
    free(d->name);
    free(d->description);
    free(d->author);
    free(d->license);
    free(d->version);
    free(d->url);
    free(d);
    *ddl = NULL;
}

const struct mst_ddl_action *mst_ddl_action(const struct mst_ddl *ddl,
                                            const char *name) {
    for (size_t i = 0; ddl != NULL && i < ddl->n_actions; i++)
        if (ddl->actions[i].name && strcmp(ddl->actions[i].name, name) == 0)
            return &ddl->actions[i];
    return NULL;
}

const struct mst_ddl_input *mst_ddl_input(const struct mst_ddl_action *act,
                                          const char *name) {
    for (size_t i = 0; act != NULL && i < act->n_inputs; i++)
        if (strcmp(act->inputs[i].name, name) == 0)
            return &act->inputs[i];
    return NULL;
}

const struct mst_ddl_output *mst_ddl_output(const struct mst_ddl_action *act,
                                            const char *name) {
    for (size_t i = 0; act != NULL && i < act->n_outputs; i++)
        if (strcmp(act->outputs[i].name, name) == 0)
            return &act->outputs[i];
    return NULL;
}

/* ---- checking values ---- */

/* Characters, not bytes: maxlength counts what a person sees. */
static size_t utf8_chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Choria's spellings, any case. */
static int parse_bool(const char *s, int *out) {
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* An allowlist, not a list of dangerous characters: see docs/agents.md. */
static int shellsafe(const char *s) {
    static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_.,:/=+@%~- ";
    return strspn(s, ok) == strlen(s);
}

static int is_ip(int family, const char *s) {
    unsigned char buf[16];
    return inet_pton(family, s, buf) == 1;
}

/* RFC 1123 host name: dot-separated labels of letters, digits, '-'. */
static int hostname_ok(const char *s) {
    size_t len = strlen(s), label = 0;
    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
            label++;
        } else {
            return 0;
        }
    }
    return 1;
}

/* "30", "1.5", "500ms", "10s", "2m", "1h", "1d". */
static int duration_ok(const char *s) {
    size_t digits = strspn(s, "0123456789");
    if (digits == 0)
        return 0;
    s += digits;
    if (*s == '.') {
        size_t frac = strspn(s + 1, "0123456789");
        if (frac == 0)
            return 0;
        s += 1 + frac;
    }
    return *s == '\0' || strcmp(s, "ms") == 0 ||
           (s[1] == '\0' && strchr("smhd", s[0]) != NULL);
}

static int check_validator(const struct mst_ddl_input *in, const char *s,
                           struct mst_err *err) {
    int ok;
    int b;
    switch (in->validator) {
    case MST_DDL_V_NONE:
        return MST_OK;
    case MST_DDL_V_REGEX:
        ok = regexec(&in->re, s, 0, NULL, 0) == 0;
        break;
    case MST_DDL_V_SHELLSAFE:
        ok = shellsafe(s);
        break;
    case MST_DDL_V_IPV4:
        ok = is_ip(AF_INET, s);
        break;
    case MST_DDL_V_IPV6:
        ok = is_ip(AF_INET6, s);
        break;
    case MST_DDL_V_IPADDRESS:
        ok = is_ip(AF_INET, s) || is_ip(AF_INET6, s);
        break;
    case MST_DDL_V_BOOLEAN:
        ok = parse_bool(s, &b) == 0;
        break;
    case MST_DDL_V_HOSTNAME:
        ok = hostname_ok(s);
        break;
    case MST_DDL_V_DURATION:
        ok = duration_ok(s);
        break;
    default:
        ok = 0;
        break;
    }
    if (ok)
        return MST_OK;
    if (in->validator == MST_DDL_V_REGEX)
        return mst_err_set(err, MST_EINVAL, "\"%.64s\" does not match /%s/", s,
                           in->validation);
    return mst_err_set(err, MST_EINVAL, "\"%.64s\" is not %s", s,
                       in->validation);
}

static int check_string(const struct mst_ddl_input *in, const json_t *v,
                        struct mst_err *err) {
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len)
        return mst_err_set(err, MST_EINVAL, "contains a NUL byte");
    if (in->maxlength > 0 && utf8_chars(s, len) > in->maxlength)
        return mst_err_set(err, MST_EINVAL,
                           "longer than %zu characters (maxlength)",
                           in->maxlength);
    if (in->type == MST_DDL_LIST) {
        size_t i;
        json_t *x;
        json_array_foreach(in->enum_values, i, x) {
            if (strcmp(json_string_value(x), s) == 0)
                return MST_OK;
        }
        char *choices = json_dumps(in->enum_values, JSON_COMPACT);
        int rc = mst_err_set(err, MST_EINVAL, "\"%.64s\" is not one of %s", s,
                             choices ? choices : "the list");
        free(choices);
        return rc;
    }
    return check_validator(in, s, err);
}

int mst_ddl_check_value(const struct mst_ddl_input *in, const json_t *value,
                        struct mst_err *err) {
    int ok;
    switch (in->type) {
    case MST_DDL_STRING:
    case MST_DDL_LIST:
        ok = json_is_string(value);
        break;
    case MST_DDL_INTEGER:
        ok = json_is_integer(value);
        break;
    case MST_DDL_FLOAT:
    case MST_DDL_NUMBER:
        ok = json_is_number(value);
        break;
    case MST_DDL_BOOLEAN:
        ok = json_is_boolean(value);
        break;
    case MST_DDL_ARRAY:
        ok = json_is_array(value);
        break;
    case MST_DDL_HASH:
        ok = json_is_object(value);
        break;
    default:
        ok = 1;
        break;
    }
    if (!ok)
        return mst_err_set(err, MST_EINVAL, "expected %s %s, got %s",
                           in->type == MST_DDL_INTEGER ? "an" : "a",
                           in->type == MST_DDL_HASH
                               ? "hash (object)"
                               : mst_ddl_type_name(in->type),
                           json_kind(value));
    if (json_is_string(value))
        return check_string(in, value, err);
    return MST_OK;
}

/* ---- converting what a person typed ---- */

static int convert_number(const struct mst_ddl_input *in, const char *text,
                          json_t **out) {
    long long i;
    if (in->type != MST_DDL_FLOAT &&
        mst_parse_int(text, LLONG_MIN, LLONG_MAX, &i) == MST_OK) {
        *out = json_integer(i);
        return MST_OK;
    }
    if (in->type == MST_DDL_INTEGER)
        return MST_EINVAL;
    char *end;
    errno = 0;
    double d = strtod(text, &end);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(d) ||
        strspn(text, "0123456789+-.eE") != strlen(text))
        return MST_EINVAL;
    *out = json_real(d);
    return MST_OK;
}

int mst_ddl_convert(const struct mst_ddl_input *in, const char *text,
                    json_t **value_r, struct mst_err *err) {
    json_t *v = NULL;
    int rc = MST_OK, b;
    switch (in->type) {
    case MST_DDL_INTEGER:
    case MST_DDL_FLOAT:
    case MST_DDL_NUMBER:
        rc = convert_number(in, text, &v);
        break;
    case MST_DDL_BOOLEAN:
        rc = parse_bool(text, &b) == 0 ? MST_OK : MST_EINVAL;
        v = rc == MST_OK ? json_boolean(b) : NULL;
        break;
    case MST_DDL_ARRAY:
    case MST_DDL_HASH:
        v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        break;
    default:
        v = json_string(text);
        if (v == NULL)
            return mst_err_set(err, MST_EINVAL, "not valid UTF-8");
        break;
    }
    if (rc == MST_OK && v == NULL && in->type != MST_DDL_ARRAY &&
        in->type != MST_DDL_HASH)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    if (rc != MST_OK || v == NULL ||
        (in->type == MST_DDL_ARRAY && !json_is_array(v)) ||
        (in->type == MST_DDL_HASH && !json_is_object(v))) {
        json_decref(v);
        return mst_err_set(
            err, MST_EINVAL, "expected %s, got \"%.64s\"",
            in->type == MST_DDL_INTEGER   ? "an integer"
            : in->type == MST_DDL_BOOLEAN ? "a boolean (true/false, yes/no)"
            : in->type == MST_DDL_ARRAY   ? "a JSON array like [\"a\",\"b\"]"
            : in->type == MST_DDL_HASH    ? "a JSON object like {\"a\":1}"
                                          : "a number",
            text);
    }
    *value_r = v;
    return MST_OK;
}

/* "fact, facts" or "none": the inputs an action takes, for messages. */
static void input_names(const struct mst_ddl_action *act, char *buf,
                        size_t size) {
    snprintf(buf, size, "%s", act->n_inputs ? "" : "none");
    for (size_t i = 0; i < act->n_inputs; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, size - at, "%s%s", i ? ", " : "",
                 act->inputs[i].name);
    }
}

static int unknown_input(const struct mst_ddl_action *act, const char *key,
                         struct mst_err *err) {
    char names[160];
    input_names(act, names, sizeof names);
    return mst_err_set(err, MST_EINVAL,
                       "unknown input \"%.64s\" (%s takes: %s)", key, act->name,
                       names);
}

/* Messages quote values; a sensitive one must not reach logs that way. */
static int hide_value(const struct mst_ddl_input *in, struct mst_err *err) {
    return mst_err_set(err, err ? err->code : MST_EINVAL,
                       "input %s: not a valid %s (value not shown: "
                       "sensitive)",
                       in->name, mst_ddl_type_name(in->type));
}

static int parse_arg(const struct mst_ddl_action *act, const char *arg,
                     json_t *data, struct mst_err *err) {
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    char key[MST_DDL_MAX_NAME + 1];
    if (eq == NULL || n == 0 || n > MST_DDL_MAX_NAME)
        return mst_err_set(err, MST_EINVAL, "'%.64s': expected KEY=VALUE", arg);
    memcpy(key, arg, n);
    key[n] = '\0';
    const struct mst_ddl_input *in = mst_ddl_input(act, key);
    if (in == NULL)
        return unknown_input(act, key, err);
    if (json_object_get(data, key) != NULL)
        return mst_err_set(err, MST_EINVAL, "input %s given twice", key);
    json_t *v = NULL;
    int rc = mst_ddl_convert(in, eq + 1, &v, err);
    if (rc != MST_OK)
        return in->sensitive ? hide_value(in, err)
                             : mst_err_prefix(err, "input %s", key);
    json_object_set_new(data, key, v);
    return MST_OK;
}

int mst_ddl_parse_args(const struct mst_ddl_action *act, char *const *args,
                       size_t n, json_t **data_r, struct mst_err *err) {
    json_t *data = json_object();
    if (data == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = MST_OK;
    for (size_t i = 0; i < n && rc == MST_OK; i++)
        rc = parse_arg(act, args[i], data, err);
    if (rc == MST_OK)
        rc = mst_ddl_validate(act, data, err);
    if (rc != MST_OK) {
        json_decref(data);
        return rc;
    }
    *data_r = data;
    return MST_OK;
}

/* One input of `data`: present and valid, defaulted, or missing. */
static int validate_one(const struct mst_ddl_input *in, json_t *data,
                        struct mst_err *err) {
    json_t *v = json_object_get(data, in->name);
    if (v != NULL && json_is_null(v)) {
        json_object_del(data, in->name); /* null means "not given" */
        v = NULL;
    }
    if (v == NULL && in->def != NULL)
        return json_object_set_new(data, in->name, json_deep_copy(in->def))
                   ? mst_err_set(err, MST_ENOMEM, "out of memory")
                   : MST_OK;
    if (v == NULL)
        return in->optional
                   ? MST_OK
                   : mst_err_set(err, MST_ENOTFOUND,
                                 "missing required input %s", in->name);
    if (mst_ddl_check_value(in, v, err) != MST_OK)
        return in->sensitive ? hide_value(in, err)
                             : mst_err_prefix(err, "input %s", in->name);
    if (in->type == MST_DDL_FLOAT && json_is_integer(v))
        json_object_set_new(data, in->name,
                            json_real((double)json_integer_value(v)));
    return MST_OK;
}

int mst_ddl_validate(const struct mst_ddl_action *act, json_t *data,
                     struct mst_err *err) {
    if (!json_is_object(data))
        return mst_err_set(err, MST_EINVAL, "the inputs are not an object");
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v) {
        if (mst_ddl_input(act, key) == NULL)
            return unknown_input(act, key, err);
    }
    for (size_t i = 0; i < act->n_inputs; i++) {
        int rc = validate_one(&act->inputs[i], data, err);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

int mst_ddl_rpc_status(int rc) {
    return rc == MST_OK ? 0 : rc == MST_ENOTFOUND ? 3 : 4;
}

json_t *mst_ddl_redact(const struct mst_ddl_action *act, const json_t *data) {
    json_t *copy = json_deep_copy(data);
    for (size_t i = 0; copy != NULL && act && i < act->n_inputs; i++)
        if (act->inputs[i].sensitive &&
            json_object_get(copy, act->inputs[i].name) != NULL)
            json_object_set_new(copy, act->inputs[i].name,
                                json_string("***"));
    return copy;
}

/* ---- aggregates ---- */

/* A summary key: strings as they are, anything else as compact JSON. */
static char *summary_key(const json_t *v) {
    if (json_is_string(v))
        return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

static json_t *summary(const struct mst_ddl_aggregate *ag,
                       const json_t *datas) {
    json_t *counts = json_object();
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        const json_t *v = json_object_get(d, ag->output);
        char *key = v ? summary_key(v) : NULL;
        if (key == NULL)
            continue;
        json_int_t n = json_integer_value(json_object_get(counts, key));
        json_object_set_new(counts, key, json_integer(n + 1));
        free(key);
    }
    return counts;
}

/* `value` through the DDL's checked format, or a plain default. */
static void format_number(const struct mst_ddl_aggregate *ag, double value,
                          char *buf, size_t size) {
    const char *f = ag->format;
    if (f == NULL) {
        snprintf(buf, size, ag->function == MST_DDL_AVERAGE ? "%.2f" : "%.15g",
                 value);
        return;
    }
    /* Find the one conversion format_ok() allowed and pass the type it
     * expects: long long for d/i, a string for s, a double otherwise. */
    const char *p = f;
    while ((p = strchr(p, '%')) != NULL && p[1] == '%')
        p += 2;
    p += 1 + strspn(p + 1, "-+ 0#.0123456789");
    char fmt[80];
    int at = (int)(p - f);
    if (*p == 'd' || *p == 'i') {
        snprintf(fmt, sizeof fmt, "%.*sll%s", at, f, p);
        snprintf(buf, size, fmt, (long long)llround(value));
    } else if (*p == 's') {
        char text[64];
        snprintf(text, sizeof text, "%.15g", value);
        snprintf(buf, size, f, text);
    } else {
        snprintf(buf, size, f, value);
    }
}

static json_t *arithmetic(const struct mst_ddl_aggregate *ag,
                          const json_t *datas) {
    double sum = 0;
    json_int_t count = 0;
    size_t i;
    json_t *d;
    json_array_foreach(datas, i, d) {
        const json_t *v = json_object_get(d, ag->output);
        if (json_is_number(v)) {
            sum += json_number_value(v);
            count++;
        }
    }
    if (count == 0)
        return json_pack("{s:n, s:I, s:s}", "value", "count", count, "text",
                         "no values");
    double value = ag->function == MST_DDL_SUM ? sum : sum / (double)count;
    char text[128];
    format_number(ag, value, text, sizeof text);
    return json_pack("{s:f, s:I, s:s}", "value", value, "count", count, "text",
                     text);
}

static const char *function_name(enum mst_ddl_function f) {
    return f == MST_DDL_SUMMARY   ? "summary"
           : f == MST_DDL_AVERAGE ? "average"
                                  : "sum";
}

json_t *mst_ddl_aggregate(const struct mst_ddl_action *act,
                          const json_t *datas) {
    json_t *all = json_array();
    for (size_t i = 0; all != NULL && act && i < act->n_aggregates; i++) {
        const struct mst_ddl_aggregate *ag = &act->aggregates[i];
        const struct mst_ddl_output *out = mst_ddl_output(act, ag->output);
        json_t *r = ag->function == MST_DDL_SUMMARY
                        ? json_pack("{s:o}", "value", summary(ag, datas))
                        : arithmetic(ag, datas);
        if (r == NULL ||
            json_object_set_new(r, "function",
                                json_string(function_name(ag->function))) ||
            json_object_set_new(r, "output", json_string(ag->output)) ||
            json_object_set_new(r, "display_as",
                                json_string(out->display_as)) ||
            json_array_append_new(all, r)) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

/* ---- finding DDL files ---- */

/* Agent names become file names: no leading dot, so no "..". */
static int agent_name_ok(const char *agent) {
    return mst_is_name(agent, MST_DDL_MAX_NAME) && agent[0] != '.';
}

/* DIR/AGENT.json or DIR/AGENT/AGENT.json into `path`, if either exists. */
static int ddl_file(const char *dir, const char *agent, char *path,
                    size_t size) {
    struct stat st;
    snprintf(path, size, "%s/%s.json", dir, agent);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return 1;
    snprintf(path, size, "%s/%s/%s.json", dir, agent, agent);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int mst_ddl_find(const struct mst_strv *dirs, const char *agent,
                 struct mst_ddl **ddl_r, struct mst_err *err) {
    if (!agent_name_ok(agent))
        return mst_err_set(err, MST_EINVAL, "\"%.64s\" is not an agent name",
                           agent);
    char path[4096];
    for (size_t i = 0; dirs != NULL && i < dirs->n; i++) {
        if (!ddl_file(dirs->v[i], agent, path, sizeof path))
            continue;
        struct mst_ddl *ddl = NULL;
        int rc = mst_ddl_load_file(path, &ddl, err);
        if (rc != MST_OK)
            return rc;
        if (strcmp(ddl->name, agent) != 0) {
            rc = mst_err_set(err, MST_ECONFIG,
                             "%s: metadata.name: \"%s\", but the file is for "
                             "agent \"%s\"",
                             path, ddl->name, agent);
            mst_ddl_free(&ddl);
            return rc;
        }
        *ddl_r = ddl;
        return MST_OK;
    }
    return mst_err_set(err, MST_ENOTFOUND, "no DDL for agent %s", agent);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, struct mst_strv *names) {
    DIR *d = opendir(dir);
    if (d == NULL)
        return MST_OK;
    const struct dirent *e;
    int rc = MST_OK;
    char path[4096];
    while (rc == MST_OK && (e = readdir(d)) != NULL) {
        char name[MST_DDL_MAX_NAME + 6];
        if (mst_strlcpy(name, e->d_name, sizeof name) >= sizeof name)
            continue;
        size_t n = strlen(name);
        if (n > 5 && strcmp(name + n - 5, ".json") == 0)
            name[n - 5] = '\0';
        int seen = 0;
        for (size_t i = 0; i < names->n && !seen; i++)
            seen = strcmp(names->v[i], name) == 0;
        if (!seen && agent_name_ok(name) &&
            ddl_file(dir, name, path, sizeof path))
            rc = mst_strv_push(names, name);
    }
    closedir(d);
    return rc;
}

int mst_ddl_list(const struct mst_strv *dirs, struct mst_strv *names_r) {
    for (size_t i = 0; dirs != NULL && i < dirs->n; i++) {
        int rc = list_dir(dirs->v[i], names_r);
        if (rc != MST_OK)
            return rc;
    }
    if (names_r->n > 1)
        qsort(names_r->v, names_r->n, sizeof *names_r->v, by_name);
    return MST_OK;
}
