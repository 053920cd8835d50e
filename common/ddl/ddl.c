/*
 * ddl.c - the loaded DDL: freeing it, finding its parts, naming its enums.
 */
#include "ddl/ddl.h"

#include <stdlib.h>
#include <string.h>

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

static const char *const function_names[] = {
    [MST_DDL_SUMMARY] = "summary",
    [MST_DDL_AVERAGE] = "average",
    [MST_DDL_SUM] = "sum",
    [MST_DDL_BOOLEAN_SUMMARY] = "boolean_summary",
    [MST_DDL_NAGIOS_STATES] = "nagios_states",
    [MST_DDL_PROCESS_SUMMARY] = "process_summary",
    [MST_DDL_NETTEST_MMA] = "nettest_mma",
    [MST_DDL_CHART] = "chart",
};

const char *mst_ddl_function_name(enum mst_ddl_function function) {
    return (size_t)function < sizeof function_names / sizeof function_names[0]
               ? function_names[function]
               : "?";
}

const char *mst_ddl_json_kind(const json_t *v) {
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

/* ---- freeing and finding parts ---- */

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
        free(a->aggregates[i].label_true);
        free(a->aggregates[i].label_false);
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
    mst_strv_free(&d->warnings);
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
