/*
 * yaml_json.h - a YAML document as a jansson value.
 *
 * For data written by people or tools in YAML (fact files, Puppet's
 * output, DDLs converted from other formats): one representation, JSON's,
 * for the rest of muster.  Only plain data is accepted: anchors, aliases
 * and application tags ("!ruby/object") are refused, so a small document
 * cannot expand into a huge tree, and nesting is bounded.
 */
#ifndef MST_YAML_JSON_H
#define MST_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

#define MST_YAML_JSON_MAX_DEPTH 64 /* nested containers in one document */

/*
 * mst_yaml_json_parse - parse one YAML (or JSON) document of `len` bytes
 * from `text` (borrowed) into a new jansson value in *out_r (the caller's).
 * Scalars are typed as YAML 1.1 core would: integers, floats, true/false,
 * null, else strings; quoted scalars and "!!str" stay strings.  Returns
 * MST_OK, MST_EDECODE with "NAME:LINE: reason" in `err` (`name` labels the
 * text), or MST_ENOMEM.  An empty document is null.  Thread-safe.
 */
int mst_yaml_json_parse(const char *text, size_t len, const char *name,
                        json_t **out_r, struct mst_err *err);

#endif
