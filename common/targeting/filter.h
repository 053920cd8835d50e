/*
 * filter.h - which nodes a request is for.
 *
 * A filter is data, carried inside the signed request payload:
 *
 *   { "identity": ["web1", "/^db/"],
 *     "fact":     [{"fact": "os.family", "op": "==", "value": "Debian"}],
 *     "class":    ["apache"],
 *     "agent":    ["rpcutil"],
 *     "compound": "(role=web or role=db) and fstat(\"/etc/motd\").present" }
 *
 * Several identities OR together (-I a -I b targets both); several facts,
 * classes or agents AND together, as in MCollective; the kinds AND together;
 * an empty object matches every node.  Strings
 * written /like this/ are regular expressions in RE2 syntax (regexp.h).  The
 * client builds filters from command-line options with mst_filter_add(), which
 * checks the syntax before anything is sent.
 */
#ifndef MST_FILTER_H
#define MST_FILTER_H

#include <jansson.h>

#include "base/err.h"
#include "base/strv.h"
#include "targeting/expr.h"
#include "targeting/facts.h"

/* Longest filter value or regular expression accepted. */
#define MST_FILTER_VALUE_MAX 1024
/* Most entries of all kinds in one filter. */
#define MST_FILTER_ENTRIES_MAX 256

enum mst_filter_kind {
    MST_FILTER_IDENTITY, /* -I */
    MST_FILTER_FACT,     /* -F fact=value, fact!=value, fact<value, ... */
    MST_FILTER_CLASS,    /* -C */
    MST_FILTER_AGENT,    /* -A */
    MST_FILTER_COMPOUND, /* -S "expression" (common/expr.h); several AND */
    MST_FILTER_WITH,     /* -W "fact=value class ...": adds facts and
                            classes, so never stored under its own key */
};

/* What a node knows about itself when it evaluates a filter (borrowed). */
struct mst_filter_target {
    const char *identity;
    const struct mst_facts *facts;      /* may be NULL: no facts */
    const struct mst_strv *classes;     /* may be NULL */
    const struct mst_strv *agents;      /* names of the loaded agents */
    enum mst_match_semantics semantics; /* how facts compare (expr.h) */
};

/*
 * mst_filter_add - parse one command-line filter `text` of `kind` and add
 * it to the filter object `filter`.  Facts take "name OP value" with OP one
 * of == = != <= >= < > =~.  Returns MST_OK or MST_EINVAL with the reason
 * and the character position in `err`; `filter` is unchanged on error.
 */
int mst_filter_add(json_t *filter, enum mst_filter_kind kind, const char *text,
                   struct mst_err *err);

/*
 * mst_filter_is_identity_only - true if the filter has nothing but exact
 * (non-regex) identities, which the client can address directly.
 */
int mst_filter_is_identity_only(const json_t *filter);

/*
 * mst_filter_match - evaluate `filter` for `target`.  Returns 1 (match),
 * 0 (no match) or MST_EINVAL for a malformed filter (reason in `err`).
 * Thread-safe.
 */
int mst_filter_match(const json_t *filter, const struct mst_filter_target *t,
                     struct mst_err *err);

#endif
