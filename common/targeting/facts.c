/*
 * facts.c - fact files (JSON, YAML or key=value) merged into one jansson
 * object, so the rest of muster (filters, `muster facts`, replies) sees one
 * representation whatever the file format.  YAML goes through
 * base/yaml_json.h, which accepts only the plain data subset, so a fact
 * file cannot expand into something larger than itself.
 */
#include "targeting/facts.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/proc.h"
#include "base/status.h"
#include "base/util.h"
#include "base/yaml_json.h"

#define MAX_FILE (16 * 1024 * 1024) /* bytes in one fact file */
#define MAX_NAME 1024               /* bytes in a dotted fact name */

struct mst_facts {
    json_t *root; /* always an object; owned */
};

/* ---- files ---- */

/* jansson allows 2048 levels; hold JSON files to the YAML bound. */
static int json_depth_ok(json_t *v, int depth) {
    if (depth > MST_YAML_JSON_MAX_DEPTH)
        return 0;
    size_t i;
    const char *k;
    json_t *child;
    if (json_is_array(v)) {
        json_array_foreach(v, i, child) {
            if (!json_depth_ok(child, depth + 1))
                return 0;
        }
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, child) {
            if (!json_depth_ok(child, depth + 1))
                return 0;
        }
    }
    return 1;
}

static int parse_json(const char *text, size_t len, const char *name,
                      json_t **out_r, struct mst_err *err) {
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return mst_err_set(err, MST_EDECODE, "%s:%d: %s", name, jerr.line,
                           jerr.text);
    if (!json_depth_ok(v, 1)) {
        json_decref(v);
        return mst_err_set(err, MST_EDECODE, "%s: nested deeper than %d", name,
                           MST_YAML_JSON_MAX_DEPTH);
    }
    *out_r = v;
    return MST_OK;
}

/* Every meaningful line is KEY=VALUE with "=" before any ":". */
static int looks_key_value(const char *text) {
    int any = 0;
    for (const char *line = text; *line != '\0';) {
        size_t n = strcspn(line, "\n");
        size_t sp = strspn(line, " \t\r");
        if (sp < n && line[sp] != '#') {
            const char *eq = memchr(line, '=', n);
            const char *colon = memchr(line, ':', n);
            if (eq == NULL || (colon != NULL && colon < eq))
                return 0;
            any = 1;
        }
        line += n + (line[n] == '\n');
    }
    return any;
}

static char *trimmed(const char *s, size_t n) {
    while (n > 0 && strchr(" \t\r", *s) != NULL)
        s++, n--;
    while (n > 0 && strchr(" \t\r", s[n - 1]) != NULL)
        n--;
    return strndup(s, n);
}

static int parse_key_value(const char *text, const char *name, json_t **out_r,
                           struct mst_err *err) {
    json_t *obj = json_object();
    int lineno = 0, rc = obj ? MST_OK : MST_ENOMEM;
    for (const char *line = text; rc == MST_OK && *line != '\0';) {
        size_t n = strcspn(line, "\n");
        const char *eq = memchr(line, '=', n);
        lineno++;
        char *key = eq ? trimmed(line, (size_t)(eq - line)) : NULL;
        char *value = eq ? trimmed(eq + 1, n - (size_t)(eq - line) - 1) : NULL;
        if (eq != NULL && (key == NULL || value == NULL))
            rc = MST_ENOMEM;
        else if (eq != NULL && key[0] == '\0')
            rc =
                mst_err_set(err, MST_EDECODE, "%s:%d: empty key", name, lineno);
        else if (eq != NULL &&
                 json_object_set_new(obj, key, json_string(value)) != 0)
            rc =
                mst_err_set(err, MST_EDECODE, "%s:%d: not UTF-8", name, lineno);
        free(key);
        free(value);
        line += n + (line[n] == '\n');
    }
    if (rc == MST_ENOMEM)
        mst_err_set(err, rc, "%s: out of memory", name);
    if (rc != MST_OK) {
        json_decref(obj);
        return rc;
    }
    *out_r = obj;
    return MST_OK;
}

static int parse_any(const char *text, size_t len, const char *name,
                     json_t **v_r, struct mst_err *err) {
    if (memchr(text, '\0', len) != NULL)
        return mst_err_set(err, MST_EDECODE, "%s: contains a NUL byte", name);
    const char *first = text + strspn(text, " \t\r\n");
    if (mst_has_suffix(name, ".json") ||
        (*first == '{' && !mst_has_suffix(name, ".yaml") &&
         !mst_has_suffix(name, ".yml")))
        return parse_json(text, len, name, v_r, err);
    if (mst_has_suffix(name, ".txt") ||
        (!mst_has_suffix(name, ".yaml") && !mst_has_suffix(name, ".yml") &&
         looks_key_value(text)))
        return parse_key_value(text, name, v_r, err);
    return mst_yaml_json_parse(text, len, name, v_r, err);
}

/* A document's value as the facts object: null (empty) becomes {}. */
static int to_object(json_t *v, const char *name, json_t **obj_r,
                     struct mst_err *err) {
    if (json_is_null(v)) {
        json_decref(v);
        v = json_object();
        if (v == NULL)
            return mst_err_set(err, MST_ENOMEM, "%s: out of memory", name);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return mst_err_set(err, MST_EDECODE,
                           "%s: the top level must be a mapping of facts",
                           name);
    }
    *obj_r = v;
    return MST_OK;
}

int mst_facts_parse_text(const char *text, size_t len, const char *name,
                         json_t **obj_r, struct mst_err *err) {
    json_t *v = NULL;
    int rc = parse_any(text, len, name, &v, err);
    if (rc != MST_OK)
        return rc;
    return to_object(v, name, obj_r, err);
}

/* One file's facts: an object (an empty file gives an empty object).  Fact
 * files keep their old rule: ".json" is JSON, anything else YAML. */
static int load_one(const char *path, json_t **obj_r, struct mst_err *err) {
    char *text = NULL;
    size_t len = 0;
    int rc = mst_file_read(path, MAX_FILE, &text, &len, err);
    if (rc != MST_OK)
        return rc;
    json_t *v = NULL;
    if (mst_has_suffix(path, ".json"))
        rc = parse_json(text, len, path, &v, err);
    else
        rc = mst_yaml_json_parse(text, len, path, &v, err);
    free(text);
    if (rc != MST_OK)
        return rc;
    return to_object(v, path, obj_r, err);
}

/* One entry of facts.dir: run it or read it. */
static int load_dir_entry(const char *path, const struct stat *st,
                          int64_t timeout_ms, json_t **obj_r,
                          struct mst_err *err) {
    char *text = NULL;
    size_t len = 0;
    int rc;
    if (access(path, X_OK) == 0) {
        if (st->st_mode & (S_IWGRP | S_IWOTH))
            return mst_err_set(err, MST_EINVAL,
                               "%s: refusing to run an executable that group "
                               "or others can write",
                               path);
        rc = mst_proc_capture(path, timeout_ms, MAX_FILE, &text, &len, err);
    } else {
        rc = mst_file_read(path, MAX_FILE, &text, &len, err);
    }
    if (rc == MST_OK)
        rc = mst_facts_parse_text(text, len, path, obj_r, err);
    free(text);
    return rc;
}

static int skip_name(const char *name) {
    size_t n = strlen(name);
    return name[0] == '.' || name[n - 1] == '~';
}

static int merge_dir(json_t *root, const char *dir, int64_t timeout_ms,
                     struct mst_err *err) {
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return mst_err_set(err, MST_EIO, "%s: cannot list: %s", dir,
                           strerror(errno));
    int rc = MST_OK;
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (rc == MST_OK && !skip_name(names[i]->d_name) &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            json_t *obj = NULL;
            rc = load_dir_entry(path, &st, timeout_ms, &obj, err);
            if (rc == MST_OK && json_object_update(root, obj) != 0)
                rc = mst_err_set(err, MST_ENOMEM, "facts: out of memory");
            json_decref(obj);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int mst_facts_load_sources(const struct mst_facts_sources *src,
                           struct mst_facts **facts_r, struct mst_err *err) {
    struct mst_facts *f = NULL;
    int rc = mst_facts_load(src->files, src->n_files, &f, err);
    if (rc == MST_OK && src->dir != NULL)
        rc = merge_dir(f->root, src->dir, src->exec_timeout_ms, err);
    if (rc != MST_OK) {
        mst_facts_free(&f);
        return rc;
    }
    *facts_r = f;
    return MST_OK;
}

int mst_facts_load_classes(const char *path, struct mst_strv *classes_r,
                           struct mst_err *err) {
    char *text = NULL;
    size_t len = 0;
    int rc = mst_file_read(path, MAX_FILE, &text, &len, err);
    if (rc == MST_OK && memchr(text, '\0', len) != NULL)
        rc = mst_err_set(err, MST_EDECODE, "%s: contains a NUL byte", path);
    for (const char *line = text; rc == MST_OK && *line != '\0';) {
        size_t n = strcspn(line, "\n");
        char *name = trimmed(line, n);
        if (name == NULL)
            rc = mst_err_set(err, MST_ENOMEM, "%s: out of memory", path);
        else if (name[0] != '\0')
            rc = mst_strv_push(classes_r, name);
        free(name);
        line += n + (line[n] == '\n');
    }
    free(text);
    if (rc != MST_OK)
        mst_strv_free(classes_r);
    return rc;
}

int mst_facts_load(const char *const *files, size_t n,
                   struct mst_facts **facts_r, struct mst_err *err) {
    json_t *root = json_object();
    if (root == NULL)
        return mst_err_set(err, MST_ENOMEM, "facts: out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *obj = NULL;
        int rc = load_one(files[i], &obj, err);
        /* Later files win: update() replaces top-level keys wholesale. */
        if (rc == MST_OK && json_object_update(root, obj) != 0)
            rc = mst_err_set(err, MST_ENOMEM, "facts: out of memory");
        json_decref(obj);
        if (rc != MST_OK) {
            json_decref(root);
            return rc;
        }
    }
    return mst_facts_from_json(root, facts_r, err);
}

int mst_facts_from_json(json_t *root, struct mst_facts **facts_r,
                        struct mst_err *err) {
    if (!json_is_object(root)) {
        json_decref(root);
        return mst_err_set(err, MST_EINVAL, "facts: the root is not an object");
    }
    struct mst_facts *f = malloc(sizeof *f);
    if (f == NULL) {
        json_decref(root);
        return mst_err_set(err, MST_ENOMEM, "facts: out of memory");
    }
    f->root = root;
    *facts_r = f;
    return MST_OK;
}

void mst_facts_free(struct mst_facts **facts) {
    if (facts == NULL || *facts == NULL)
        return;
    json_decref((*facts)->root);
    free(*facts);
    *facts = NULL;
}

const json_t *mst_facts_root(const struct mst_facts *facts) {
    return facts->root;
}

/* ---- lookup ---- */

/* The member of `obj` named by name[0..n). */
static const json_t *member(const json_t *obj, const char *name, size_t n) {
    char key[MAX_NAME + 1];
    memcpy(key, name, n);
    key[n] = '\0';
    return json_object_get(obj, key);
}

/* name[0..n) as an array index: digits, no leading zero, no sign. */
static int index_of(const char *name, size_t n, size_t *idx_r) {
    if (n == 0 || (name[0] == '0' && n > 1))
        return 0;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (name[i] < '0' || name[i] > '9' || v > (SIZE_MAX - 9) / 10)
            return 0;
        v = v * 10 + (size_t)(name[i] - '0');
    }
    *idx_r = v;
    return 1;
}

/*
 * Resolve name[0..n) below `v`.  In an object the whole remaining name is
 * tried as a key first (fact names may contain dots), then each prefix
 * ending before a dot, shortest first.  Every step follows a key that
 * exists, so the work is bounded by the size of the tree.
 */
static const json_t *lookup(const json_t *v, const char *name, size_t n) {
    if (json_is_object(v)) {
        const json_t *hit = member(v, name, n);
        for (size_t i = 0; hit == NULL && i < n; i++) {
            const json_t *child;
            if (name[i] == '.' && (child = member(v, name, i)) != NULL)
                hit = lookup(child, name + i + 1, n - i - 1);
        }
        return hit;
    }
    if (json_is_array(v)) {
        const char *dot = memchr(name, '.', n);
        size_t seg = dot != NULL ? (size_t)(dot - name) : n;
        size_t idx;
        if (!index_of(name, seg, &idx))
            return NULL;
        const json_t *item = json_array_get(v, idx);
        if (item == NULL || dot == NULL)
            return item;
        return lookup(item, dot + 1, n - seg - 1);
    }
    return NULL;
}

const json_t *mst_facts_get(const struct mst_facts *facts, const char *name) {
    size_t n = strlen(name);
    if (facts == NULL || n == 0 || n > MAX_NAME)
        return NULL;
    return lookup(facts->root, name, n);
}

/*
 * The shortest text that reads back as the same double, without an
 * exponent for whole-number magnitudes %g would otherwise write as 1e+03
 * (a filter compares "1000", not "1e+03").
 */
static char *real_text(double d) {
    char buf[64];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    /* the digits before the point (powers of ten are exact up to 1e22) */
    int int_digits = 0;
    for (double ten = 1.0; fabs(d) < 1e17 && ten <= fabs(d); ten *= 10.0)
        int_digits++;
    if (int_digits > prec)
        prec = int_digits;
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    return strdup(buf);
}

char *mst_facts_value_text(const json_t *value) {
    char buf[32];
    if (value == NULL)
        return NULL;
    switch (json_typeof(value)) {
    case JSON_STRING:
        return strdup(json_string_value(value));
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(value));
        return strdup(buf);
    case JSON_REAL:
        return real_text(json_real_value(value));
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return strdup("");
    default:
        return NULL;
    }
}
