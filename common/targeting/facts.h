/*
 * facts.h - what a node knows about itself, from JSON or YAML files.
 *
 * Files are merged in order (later files win at the top level).  Nested
 * values are addressed with dotted names ("os.family",
 * "networking.interfaces.eth0.ip") and arrays by index ("disks.0").
 */
#ifndef MST_FACTS_H
#define MST_FACTS_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "base/strv.h"

struct mst_facts;

/* Where a node's facts come from (all borrowed). */
struct mst_facts_sources {
    const char *const *files; /* fact files, in order */
    size_t n_files;
    const char *dir;         /* facts.dir, or NULL */
    int64_t exec_timeout_ms; /* per executable in `dir` */
};

/*
 * mst_facts_load - read each file (".json" as JSON; anything else as YAML,
 * which also reads JSON) into one fact tree.  Returns MST_OK and a new
 * object in *facts_r (free with mst_facts_free), or MST_ENOTFOUND, MST_EIO,
 * MST_ETOOBIG (over 16 MiB; see base/file.h) or MST_EDECODE with
 * "FILE:LINE: reason" in `err`.  n == 0 gives empty facts.
 */
int mst_facts_load(const char *const *files, size_t n,
                   struct mst_facts **facts_r, struct mst_err *err);

/*
 * mst_facts_load_sources - `files` as mst_facts_load does, then every entry
 * of `dir` in name order (hidden names and names ending in "~" skipped):
 * an executable is run (proc.h) and its output read, any other regular
 * file is read.  Output and files are JSON (starting with "{"), key=value
 * lines (every line that is not blank or "#" has "=" before any ":"), or
 * YAML; ".json", ".yaml"/".yml" and ".txt" (key=value) names force the
 * format.  Later sources win at the top level.  An executable writable by
 * group or others is refused.  Any broken source fails the whole load
 * (MST_ENOTFOUND, MST_EIO, MST_EDECODE, MST_ETIMEOUT, ...) naming the source,
 * so that a caller can keep its last good facts.
 */
int mst_facts_load_sources(const struct mst_facts_sources *src,
                           struct mst_facts **facts_r, struct mst_err *err);

/*
 * mst_facts_parse_text - facts from one document of `len` bytes (format
 * as above, guessed from the text, or forced by `name`'s extension).
 * Returns MST_OK and a new object in *obj_r (caller owns).
 */
int mst_facts_parse_text(const char *text, size_t len, const char *name,
                         json_t **obj_r, struct mst_err *err);

/*
 * mst_facts_load_classes - Puppet's classes.txt: one class per line,
 * blank lines and surrounding spaces ignored.  Fills `classes_r` (empty
 * on entry; free with mst_strv_free).  Returns MST_OK, or MST_ENOTFOUND,
 * MST_EIO, MST_ETOOBIG or MST_EDECODE naming the file.
 */
int mst_facts_load_classes(const char *path, struct mst_strv *classes_r,
                           struct mst_err *err);

/*
 * mst_facts_from_json - facts from an object (the reference is stolen).
 * Returns MST_OK or MST_EINVAL if `root` is not an object.
 */
int mst_facts_from_json(json_t *root, struct mst_facts **facts_r,
                        struct mst_err *err);

/* mst_facts_free - release `*facts` and set it to NULL.  NULL is fine. */
void mst_facts_free(struct mst_facts **facts);

/*
 * mst_facts_get - the value at dotted `name`, or NULL.  The reference is
 * borrowed: valid until `facts` is freed.
 */
const json_t *mst_facts_get(const struct mst_facts *facts, const char *name);

/* mst_facts_root - the whole tree (a borrowed object; never NULL). */
const json_t *mst_facts_root(const struct mst_facts *facts);

/*
 * mst_facts_value_text - a fact value as text for comparisons and display:
 * strings as they are, numbers and booleans formatted, null as "".
 * Containers give NULL.  The caller frees the result.
 */
char *mst_facts_value_text(const json_t *value);

#endif
