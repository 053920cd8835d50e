/*
 * fuzz_facts.c - libFuzzer target for the YAML-to-jansson converter and
 * the dotted lookup on what it builds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/status.h"
#include "base/yaml_json.h"
#include "targeting/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *v = NULL;
    struct mst_err err = {0, ""};
    int rc = mst_yaml_json_parse((const char *)data, size, "fuzz", &v, &err);
    if (rc != MST_OK) {
        if (v != NULL || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return 0;
    }
    struct mst_facts *facts = NULL;
    if (mst_facts_from_json(v, &facts, NULL) != MST_OK)
        abort();
    static const char *const names[] = {"a", "a.b", "a.0", "a.b.c", "0", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        free(mst_facts_value_text(mst_facts_get(facts, names[i])));
    mst_facts_free(&facts);
    return 0;
}
