/*
 * fuzz_ddl_ruby.c - libFuzzer target for the Ruby DDL converter
 * (ddl/ruby.h).  The bytes are converted; a conversion that succeeds must
 * be a document with metadata and a list of actions, each naming itself,
 * and is handed on to the JSON DDL loader as `muster ddl convert` output
 * would be.  Nothing may crash, hang or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/load.h"
#include "ddl/ruby.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_shape(const json_t *doc) {
    size_t i;
    const json_t *a;
    if (!json_is_object(json_object_get(doc, "metadata")) ||
        !json_is_array(json_object_get(doc, "actions")))
        abort();
    json_array_foreach(json_object_get(doc, "actions"), i, a) {
        if (!json_is_string(json_object_get(a, "action")) ||
            !json_is_object(json_object_get(a, "input")) ||
            !json_is_object(json_object_get(a, "output")))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *doc = NULL;
    struct mst_err err = {0};
    if (mst_ddl_ruby_convert((const char *)data, size, "fuzz", &doc, &err) !=
        MST_OK) {
        if (err.msg[0] == '\0')
            abort(); /* every refusal says why */
        return 0;
    }
    check_shape(doc);
    char *text = json_dumps(doc, 0);
    struct mst_ddl *ddl = NULL;
    if (text != NULL &&
        mst_ddl_load_text(text, strlen(text), "fuzz", &ddl, NULL) == MST_OK)
        mst_ddl_free(&ddl);
    free(text);
    json_decref(doc);
    return 0;
}
