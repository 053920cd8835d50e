/*
 * fuzz_ddl.c - libFuzzer target for the DDL loader and the checks built on
 * it.  The bytes are loaded as a DDL; when one loads, every action gets the
 * same bytes as inputs (as a JSON object and as KEY=VALUE strings) and its
 * aggregates are computed over them.  The bytes are also translated as a
 * regular expression.  Nothing may crash or leak, and a DDL that loaded
 * must hold together: every default passes its own input's check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "ddl/aggregate.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "ddl/load.h"
#include "targeting/regexp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct mst_ddl_action *act, const char *text,
                     const json_t *wire) {
    struct mst_err err = {0};
    for (size_t i = 0; i < act->n_inputs; i++)
        if (act->inputs[i].def != NULL &&
            mst_ddl_inputs_check_type(&act->inputs[i], act->inputs[i].def,
                                      &err) != MST_OK)
            abort(); /* the loader let a default of another type through */
    json_t *copy = json_deep_copy(wire);
    if (copy != NULL)
        mst_ddl_inputs_validate(act, copy, &err);
    json_decref(copy);
    char *args[2] = {(char *)text, (char *)"x=1"};
    json_t *out = NULL;
    if (mst_ddl_inputs_parse(act, args, 2, &out, &err) == MST_OK)
        json_decref(out);
    json_t *datas = json_pack("[O, {s:i}]", wire ? wire : json_null(), "x", 1);
    json_decref(mst_ddl_aggregate_compute(act, datas));
    json_decref(datas);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = strndup((const char *)data, size);
    if (text == NULL)
        return 0;
    char re[MST_REGEXP_POSIX_MAX];
    mst_regexp_translate(text, re, sizeof re, NULL, NULL);
    struct mst_ddl *ddl = NULL;
    if (mst_ddl_load_text((const char *)data, size, "fuzz", &ddl, NULL) ==
        MST_OK) {
        json_t *wire = json_loadb((const char *)data, size, 0, NULL);
        for (size_t i = 0; i < ddl->n_actions; i++)
            exercise(&ddl->actions[i], text, wire);
        json_decref(wire);
        mst_ddl_free(&ddl);
    }
    free(text);
    return 0;
}
