/*
 * fuzz_expr.c - libFuzzer target for compound expressions (common/expr.c).
 *
 * The bytes are an -S expression.  Parsing must never crash, leak, recurse
 * without bound or take long; an expression that parses must evaluate
 * without an error other than a bad regex or memory (the evaluator's only
 * failures), against fixed facts, classes and agents.  fstat() paths are
 * real: the target reads whatever absolute path the input names, which is
 * why it runs in a throwaway sandbox, never as root on a real host.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "targeting/expr.h"
#include "targeting/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mst_facts *facts;

static const json_t *fact(void *ud, const char *name) {
    (void)ud;
    return mst_facts_get(facts, name);
}

static int has_name(void *ud, const char *pattern, struct mst_err *err) {
    (void)ud, (void)err;
    return strcmp(pattern, "apache") == 0 || strcmp(pattern, "rpcutil") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (facts == NULL) {
        json_t *root =
            json_pack("{s:s, s:i, s:{s:s}, s:[s]}", "role", "web", "n", 3, "os",
                      "family", "Debian", "list", "1.2.3");
        mst_facts_from_json(root, &facts, NULL);
    }
    char *text = strndup((const char *)data, size);
    if (text == NULL)
        return 0;
    struct mst_expr *e = NULL;
    struct mst_err err = {0};
    if (mst_expr_parse(text, &e, &err) == MST_OK) {
        struct mst_expr_env env = {fact, has_name, has_name, NULL,
                                   MST_MATCH_CHORIA};
        int rc = mst_expr_eval(e, &env, &err);
        if (rc < 0 && rc != MST_ENOMEM)
            abort(); /* regexes were checked when parsing */
        mst_expr_free(&e);
    } else if (strncmp(err.msg, "position ", 9) != 0) {
        abort(); /* every parse error names its position */
    }
    free(text);
    return 0;
}
