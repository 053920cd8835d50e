/*
 * load.c - the DDL loader: every field checked once, with errors naming
 * the file and the dotted path to the field, so that the rest can trust a
 * loaded DDL.
 */
#include "ddl/load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/file.h"
#include "base/status.h"
#include "base/util.h"
#include "ddl/format.h"
#include "ddl/inputs.h"
#include "targeting/regexp.h"

#define PATH_LEN 200

/* Where the loader is: the file's label and the dotted path to a field;
 * the DDL being filled, for its warnings. */
struct ctx {
    const char *label;
    struct mst_err *err;
    struct mst_ddl *ddl;
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

static int warn(const struct ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A warning line for the DDL's owner; loading goes on. */
static int warn(const struct ctx *c, const char *path, const char *fmt, ...) {
    char why[MST_ERR_LEN], line[MST_ERR_LEN + PATH_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s: %s: %s", c->label, path, why);
    return mst_strv_push(&c->ddl->warnings, line) == MST_OK
               ? MST_OK
               : mst_err_set(c->err, MST_ENOMEM, "out of memory");
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
        return bad(c, p, "expected a string, got %s", mst_ddl_json_kind(v));
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
        return bad(c, p, "expected true or false, got %s",
                   mst_ddl_json_kind(v));
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

static const struct {
    const char *name;
    enum mst_ddl_validator v;
} validators[] = {
    {"shellsafe", MST_DDL_V_SHELLSAFE},
    {"ipv4address", MST_DDL_V_IPV4},
    {"ipv6address", MST_DDL_V_IPV6},
    {"ipaddress", MST_DDL_V_IPADDRESS},
    {"boolean", MST_DDL_V_BOOLEAN},
    {"hostname", MST_DDL_V_HOSTNAME},
    {"duration", MST_DDL_V_DURATION},
    {"service_name", MST_DDL_V_SERVICE_NAME},
    {"package_name", MST_DDL_V_PACKAGE_NAME},
    {"nettest_fqdn", MST_DDL_V_NETTEST_FQDN},
    {"nettest_server_address", MST_DDL_V_NETTEST_SERVER_ADDRESS},
    {"puppet_tags", MST_DDL_V_PUPPET_TAGS},
    {"puppet_variable", MST_DDL_V_PUPPET_VARIABLE},
    {"puppet_server_address", MST_DDL_V_PUPPET_SERVER_ADDRESS},
    {"puppet_resource", MST_DDL_V_PUPPET_RESOURCE},
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
        return bad(c, p, "expected a string, got %s", mst_ddl_json_kind(v));
    const char *t = json_string_value(v);
    for (int i = MST_DDL_STRING; i <= MST_DDL_ANY; i++)
        if (strcasecmp(t, mst_ddl_type_name(i)) == 0 &&
            (output || i != MST_DDL_ANY)) {
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
    /* Choria's schema allows a validation on any input and checks it on
     * strings only; "boolean" on a boolean says nothing more. */
    if (in->type != MST_DDL_STRING)
        return strcasecmp(text, mst_ddl_type_name(in->type)) == 0
                   ? MST_OK
                   : warn(c, p,
                          "\"%s\" ignored: only string inputs are checked "
                          "beyond their type (this one is %s)",
                          text, mst_ddl_type_name(in->type));
    for (size_t i = 0; i < sizeof validators / sizeof validators[0]; i++)
        if (strcmp(text, validators[i].name) == 0) {
            in->validator = validators[i].v;
            return MST_OK;
        }
    if (strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(text))
        return warn(c, p,
                    "unknown validator \"%s\": the input is checked by type "
                    "only",
                    text);
    struct mst_err e = {0};
    int rc = mst_regexp_compile(&in->re, text, REG_NOSUB, &e);
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

/* A list input's choices: Choria's `list`, or `enum` as muster wrote it
 * first. */
static int parse_choices(const struct ctx *c, const char *path,
                         const json_t *obj, struct mst_ddl_input *in) {
    const json_t *list = json_object_get(obj, "list");
    const json_t *en = json_object_get(obj, "enum");
    const json_t *v = list ? list : en;
    char p[PATH_LEN];
    sub(p, path, list ? "list" : "enum");
    if (list != NULL && en != NULL)
        return bad(c, p, "give the choices once, in list or in enum");
    if (in->type != MST_DDL_LIST)
        return v ? bad(c, p, "only list inputs take a list of choices")
                 : MST_OK;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return bad(c, p, "a list input needs a non-empty array of strings");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (!json_is_string(x))
            return bad(c, p, "item %zu: expected a string, got %s", i,
                       mst_ddl_json_kind(x));
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
    if (mst_ddl_inputs_check_type(in, v, &e) != MST_OK)
        return bad(c, p, "%s", e.msg);
    in->def = in->type == MST_DDL_FLOAT && json_is_integer(v)
                  ? json_real((double)json_integer_value(v))
                  : json_deep_copy(v);
    return in->def ? MST_OK : mst_err_set(c->err, MST_ENOMEM, "out of memory");
}

static const char *const input_keys[] = {
    "prompt",  "description", "type", "validation", "maxlength", "optional",
    "default", "enum",        "list", "sensitive",  NULL};

/* One entry of an action's "input" map into `field`, a struct
 * mst_ddl_input (a field_fn). */
static int parse_input(const struct ctx *c, const char *path, const char *name,
                       const json_t *obj, void *field) {
    struct mst_ddl_input *in = field;
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s",
                   mst_ddl_json_kind(obj));
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
        rc = parse_choices(c, path, obj, in);
    if (rc == MST_OK)
        rc = parse_default(c, path, obj, in);
    return rc;
}

/* ---- outputs and aggregates ---- */

static const char *const output_keys[] = {"description", "display_as", "type",
                                          "default", NULL};

/* One entry of an action's "output" map into `field`, a struct
 * mst_ddl_output (a field_fn). */
static int parse_output(const struct ctx *c, const char *path, const char *name,
                        const json_t *obj, void *field) {
    struct mst_ddl_output *out = field;
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s",
                   mst_ddl_json_kind(obj));
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

static int parse_aggregate_format(const struct ctx *c, const char *path,
                                  const json_t *obj,
                                  struct mst_ddl_aggregate *ag) {
    const json_t *f = json_object_get(obj, "format");
    const json_t *opts = json_array_get(json_object_get(obj, "args"), 1);
    if (f == NULL)
        f = json_object_get(opts, "format");
    if (f == NULL || ag->function == MST_DDL_PROCESS_SUMMARY)
        return MST_OK;
    char p[PATH_LEN];
    sub(p, path, "format");
    if (!json_is_string(f) ||
        !mst_ddl_format_ok(ag->function, json_string_value(f)))
        return bad(c, p,
                   "not a format %s takes (docs/agents.md: %%d %%i %%f %%g "
                   "%%e %%s in a string shorter than 64 bytes)",
                   mst_ddl_function_name(ag->function));
    ag->format = strdup(json_string_value(f));
    return ag->format ? MST_OK
                      : mst_err_set(c->err, MST_ENOMEM, "out of memory");
}

/* boolean_summary's {"true": LABEL, "false": LABEL} (args[1]). */
static int parse_boolean_labels(const struct ctx *c, const char *path,
                                const json_t *obj,
                                struct mst_ddl_aggregate *ag) {
    const json_t *opts = json_array_get(json_object_get(obj, "args"), 1);
    const json_t *t = json_object_get(opts, "true");
    const json_t *f = json_object_get(opts, "false");
    char p[PATH_LEN];
    sub(p, path, "args");
    if ((t != NULL && !json_is_string(t)) || (f != NULL && !json_is_string(f)))
        return bad(c, p, "the true and false labels must be strings");
    if ((t != NULL &&
         (ag->label_true = strdup(json_string_value(t))) == NULL) ||
        (f != NULL && (ag->label_false = strdup(json_string_value(f))) == NULL))
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    return MST_OK;
}

/* Returned by parse_aggregate for a function muster does not know. */
#define SKIPPED 1

static int parse_aggregate(const struct ctx *c, const char *path,
                           const json_t *obj, const struct mst_ddl_action *act,
                           struct mst_ddl_aggregate *ag) {
    static const char *const keys[] = {"function", "args", "format", NULL};
    if (!json_is_object(obj))
        return bad(c, path, "expected an object, got %s",
                   mst_ddl_json_kind(obj));
    char *fn = NULL;
    int rc = known_keys(c, path, obj, keys);
    if (rc == MST_OK)
        rc = get_str(c, path, obj, "function", 1, &fn);
    char p[PATH_LEN];
    sub(p, path, "function");
    int known = 0;
    for (int f = MST_DDL_SUMMARY; rc == MST_OK && !known && f <= MST_DDL_CHART;
         f++)
        if ((known = strcmp(fn, mst_ddl_function_name(f)) == 0))
            ag->function = (enum mst_ddl_function)f;
    if (rc == MST_OK && !known)
        rc = warn(c, p, "unknown aggregate function \"%s\": left out", fn);
    free(fn);
    if (rc != MST_OK || !known)
        return rc != MST_OK ? rc : SKIPPED;
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
    rc = parse_aggregate_format(c, path, obj, ag);
    if (rc == MST_OK && ag->function == MST_DDL_BOOLEAN_SUMMARY)
        rc = parse_boolean_labels(c, path, obj, ag);
    return rc;
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
    for (int d = MST_DDL_DISPLAY_FAILED;
         s != NULL && d <= MST_DDL_DISPLAY_ALWAYS; d++)
        if (strcmp(s, mst_ddl_display_name(d)) == 0) {
            *out = (enum mst_ddl_display)d;
            return MST_OK;
        }
    return bad(c, p, "expected \"always\", \"ok\" or \"failed\"");
}

/* Parses entry `name` = `obj` of a field map into `field`. */
typedef int (*field_fn)(const struct ctx *c, const char *path, const char *name,
                        const json_t *obj, void *field);

/*
 * The map under `key` of `obj` ("input" or "output"), at most the field
 * limit: each entry parsed by `parse` into a new array of elements of
 * `size` bytes in *arr_r.  *n_r counts an element before it is parsed, so
 * that on failure everything filled is freed with the DDL; *arr_r is set
 * whatever the result.
 */
static int parse_fields(const struct ctx *c, const char *path,
                        const json_t *obj, const char *key, size_t size,
                        field_fn parse, void **arr_r, size_t *n_r) {
    const json_t *map = json_object_get(obj, key);
    char p[PATH_LEN];
    sub(p, path, key);
    *arr_r = NULL;
    if (map == NULL)
        return MST_OK;
    if (!json_is_object(map))
        return bad(c, p, "expected an object, got %s", mst_ddl_json_kind(map));
    size_t n = json_object_size(map);
    if (n > MST_DDL_MAX_FIELDS)
        return bad(c, p, "more than %d entries", MST_DDL_MAX_FIELDS);
    if (n == 0)
        return MST_OK;
    char *arr = calloc(n, size);
    *arr_r = arr;
    if (arr == NULL)
        return mst_err_set(c->err, MST_ENOMEM, "out of memory");
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)map, name, v) {
        char pf[PATH_LEN];
        int rc = parse(c, sub(pf, p, name), name, v, arr + size * (*n_r)++);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

static int parse_inputs(const struct ctx *c, const char *path,
                        const json_t *obj, struct mst_ddl_action *act) {
    void *arr;
    int rc = parse_fields(c, path, obj, "input", sizeof *act->inputs,
                          parse_input, &arr, &act->n_inputs);
    act->inputs = arr;
    return rc;
}

static int parse_outputs(const struct ctx *c, const char *path,
                         const json_t *obj, struct mst_ddl_action *act) {
    void *arr;
    int rc = parse_fields(c, path, obj, "output", sizeof *act->outputs,
                          parse_output, &arr, &act->n_outputs);
    act->outputs = arr;
    return rc;
}

static int parse_aggregates(const struct ctx *c, const char *path,
                            const json_t *obj, struct mst_ddl_action *act) {
    const json_t *list = json_object_get(obj, "aggregate");
    char p[PATH_LEN];
    sub(p, path, "aggregate");
    if (list == NULL)
        return MST_OK;
    if (!json_is_array(list))
        return bad(c, p, "expected an array, got %s", mst_ddl_json_kind(list));
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
                                 &act->aggregates[act->n_aggregates]);
        if (rc == SKIPPED)
            continue;
        act->n_aggregates++; /* freed with the DDL even when half filled */
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
        return bad(c, path, "expected an object, got %s",
                   mst_ddl_json_kind(obj));
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
    ddl->timeout_ms = 10 * 1000;
    if (t != NULL && (!json_is_integer(t) || json_integer_value(t) < 1 ||
                      json_integer_value(t) > 86400))
        return bad(c, "metadata.timeout",
                   "expected an integer of seconds, "
                   "1 to 86400");
    if (t != NULL)
        ddl->timeout_ms = (int64_t)json_integer_value(t) * 1000;
    return MST_OK;
}

int mst_ddl_load_text(const char *text, size_t len, const char *label,
                      struct mst_ddl **ddl_r, struct mst_err *err) {
    if (len > MST_DDL_MAX_FILE)
        return mst_err_set(err, MST_ETOOBIG, "%s: larger than %d bytes", label,
                           MST_DDL_MAX_FILE);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return mst_err_set(err, MST_ECONFIG, "%s:%d:%d: %s", label, je.line,
                           je.column, je.text);
    struct mst_ddl *ddl = calloc(1, sizeof *ddl);
    struct ctx c = {label, err, ddl};
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
    char *buf = NULL;
    size_t n = 0;
    int rc = mst_file_read(path, MST_DDL_MAX_FILE, &buf, &n, err);
    if (rc == MST_OK)
        rc = mst_ddl_load_text(buf, n, path, ddl_r, err);
    free(buf);
    return rc;
}
