/*
 * fuzz_filter.c - libFuzzer target for the filter parser and evaluator.
 *
 * The first byte picks the filter kind; the rest is the text a user would
 * type after -I/-F/-C/-A.  The same bytes are also tried as a filter object
 * off the wire, evaluated against fixed facts.  Nothing may crash, leak or
 * accept a filter that then fails to evaluate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "targeting/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mst_facts *facts;

static void init_facts(void) {
    if (facts != NULL)
        return;
    json_t *root = json_pack("{s:s, s:i, s:{s:s}}", "role", "web", "n", 3, "os",
                             "family", "Debian");
    mst_facts_from_json(root, &facts, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_facts();
    if (size < 1)
        return 0;
    struct mst_filter_target t = {.identity = "web1", .facts = facts};
    char *text = strndup((const char *)data + 1, size - 1);
    json_t *f = json_object();
    struct mst_err err = {0};
    if (mst_filter_add(f, (enum mst_filter_kind)(data[0] % 6), text, &err) ==
        MST_OK) {
        int rc = mst_filter_match(f, &t, &err);
        if (rc < 0)
            abort(); /* a filter we accepted must evaluate */
    }
    json_decref(f);
    free(text);
    json_t *wire = json_loadb((const char *)data, size, 0, NULL);
    if (wire != NULL) {
        mst_filter_match(wire, &t, &err);
        json_decref(wire);
    }
    return 0;
}
