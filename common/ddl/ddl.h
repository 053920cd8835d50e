/*
 * ddl.h - agent DDLs in Choria's JSON schema: load and check them, convert
 * and validate inputs, compute aggregates.
 *
 * One module for both sides.  The client converts `key=value` strings into
 * typed JSON and validates them before it publishes anything; musterd
 * validates the same JSON again before it runs an action, because a request
 * may come from a client that skipped the first check.  Both use the same
 * rules, so what one accepts the other accepts.
 *
 * A loaded DDL is plain read-only data (struct mst_ddl below), owned by the
 * struct and freed with mst_ddl_free().  Every field is filled and checked
 * at load: a DDL that loaded is internally consistent (types known,
 * defaults of the right type and valid, regexes compiled within the bounds
 * of regexp.h, aggregates naming declared outputs).  Loaded DDLs are never
 * modified, so one may be shared by threads.
 */
#ifndef MST_DDL_H
#define MST_DDL_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>

#include "base/err.h"

/* Limits against hostile or runaway files. */
#define MST_DDL_MAX_FILE (1024 * 1024) /* bytes of JSON */
#define MST_DDL_MAX_ACTIONS 256
#define MST_DDL_MAX_FIELDS 256 /* inputs, outputs or aggregates per action */
#define MST_DDL_MAX_NAME 128   /* agent, action, input and output names */

/* Value types.  `list` is MCollective's: one string from `enum`. */
enum mst_ddl_type {
    MST_DDL_STRING,
    MST_DDL_INTEGER,
    MST_DDL_FLOAT,
    MST_DDL_NUMBER, /* integer or float */
    MST_DDL_BOOLEAN,
    MST_DDL_LIST,  /* a string, one of `enum` */
    MST_DDL_ARRAY, /* a JSON array */
    MST_DDL_HASH,  /* a JSON object */
    MST_DDL_ANY,   /* outputs only */
};

/* Which replies a person sees by default (the action's "display"). */
enum mst_ddl_display {
    MST_DDL_DISPLAY_FAILED = 0, /* MCollective's default */
    MST_DDL_DISPLAY_OK,
    MST_DDL_DISPLAY_ALWAYS,
};

/* How a string input is checked beyond its type. */
enum mst_ddl_validator {
    MST_DDL_V_NONE = 0,
    MST_DDL_V_REGEX,
    MST_DDL_V_SHELLSAFE,
    MST_DDL_V_IPV4,
    MST_DDL_V_IPV6,
    MST_DDL_V_IPADDRESS, /* either */
    MST_DDL_V_BOOLEAN,   /* a string that reads as a boolean */
    MST_DDL_V_HOSTNAME,
    MST_DDL_V_DURATION, /* "10", "1.5s", "2m", "1h" */
};

enum mst_ddl_function {
    MST_DDL_SUMMARY, /* value -> number of nodes */
    MST_DDL_AVERAGE,
    MST_DDL_SUM,
};

/* Read-only after load; every string is owned by the DDL. */
struct mst_ddl_input {
    char *name;
    char *prompt;      /* "" when absent */
    char *description; /* "" when absent */
    enum mst_ddl_type type;
    enum mst_ddl_validator validator;
    char *validation; /* as written (regex or validator name); NULL */
    size_t maxlength; /* in characters; 0 = no limit */
    int optional;
    int sensitive;       /* muster extension: redact in logs and audit */
    json_t *def;         /* default value, or NULL */
    json_t *enum_values; /* MST_DDL_LIST: array of strings, else NULL */
    regex_t re;          /* private: compiled `validation` for V_REGEX */
};

struct mst_ddl_output {
    char *name;
    char *description;
    char *display_as; /* label for people; the name when absent */
    enum mst_ddl_type type;
    json_t *def; /* or NULL */
};

struct mst_ddl_aggregate {
    enum mst_ddl_function function;
    char *output; /* the output it reads (args[0]) */
    char *format; /* one printf conversion, checked; NULL */
};

struct mst_ddl_action {
    char *name;
    char *description;
    enum mst_ddl_display display;
    struct mst_ddl_input *inputs;
    size_t n_inputs;
    struct mst_ddl_output *outputs;
    size_t n_outputs;
    struct mst_ddl_aggregate *aggregates;
    size_t n_aggregates;
};

struct mst_ddl {
    char *path; /* the label errors were reported with */
    char *name; /* metadata.name: the agent */
    char *description;
    char *author;
    char *license;
    char *version;
    char *url;
    int timeout_s; /* metadata.timeout; default 10 */
    struct mst_ddl_action *actions;
    size_t n_actions;
};

/*
 * mst_ddl_load_file - read and check the DDL at `path`.  Returns MST_OK and
 * *ddl_r (free with mst_ddl_free), or MST_EIO (cannot read, too big) or
 * MST_ECONFIG with one line naming the file and the bad field, e.g.
 * `rpcutil.json: actions[2].input.fact.type: unknown type "str"`.
 */
int mst_ddl_load_file(const char *path, struct mst_ddl **ddl_r,
                      struct mst_err *err);

/*
 * mst_ddl_load_text - the same from `len` bytes of JSON in memory (borrowed);
 * `label` names it in errors.  For DDLs compiled into a program and for
 * fuzzing.
 */
int mst_ddl_load_text(const char *text, size_t len, const char *label,
                      struct mst_ddl **ddl_r, struct mst_err *err);

/* mst_ddl_free - release `*ddl` and set it to NULL.  NULL is fine. */
void mst_ddl_free(struct mst_ddl **ddl);

/*
 * mst_ddl_find - look for agent `agent`'s DDL in each directory of `dirs`
 * in order, as DIR/AGENT.json or DIR/AGENT/AGENT.json; the first file found
 * is loaded (and must name the agent in metadata.name).  Returns MST_OK,
 * MST_ENOTFOUND (no file anywhere), or the load error.
 */
struct mst_strv;
int mst_ddl_find(const struct mst_strv *dirs, const char *agent,
                 struct mst_ddl **ddl_r, struct mst_err *err);

/*
 * mst_ddl_list - the names of the agents that have a DDL in `dirs` (the
 * files mst_ddl_find would load), sorted, each once, appended to *names_r.
 * Unreadable directories are skipped.  Returns MST_OK or MST_ENOMEM.
 */
int mst_ddl_list(const struct mst_strv *dirs, struct mst_strv *names_r);

/* mst_ddl_action - the action called `name`, or NULL.  Borrowed. */
const struct mst_ddl_action *mst_ddl_action(const struct mst_ddl *ddl,
                                            const char *name);

/* mst_ddl_input / mst_ddl_output - the field called `name`, or NULL. */
const struct mst_ddl_input *mst_ddl_input(const struct mst_ddl_action *act,
                                          const char *name);
const struct mst_ddl_output *mst_ddl_output(const struct mst_ddl_action *act,
                                            const char *name);

/*
 * mst_ddl_parse_args - build the inputs of `act` from `n` "KEY=VALUE"
 * strings as a person types them: each value converted to its input's type
 * (see docs/agents.md), then the whole validated as by mst_ddl_validate
 * (defaults added).  Returns MST_OK and a new object in *data_r (the
 * caller's), or MST_EINVAL / MST_ENOTFOUND (missing required input) with
 * one line in `err` naming the input.
 */
int mst_ddl_parse_args(const struct mst_ddl_action *act, char *const *args,
                       size_t n, json_t **data_r, struct mst_err *err);

/*
 * mst_ddl_convert - convert `text` to the type of `in`.  Returns MST_OK and
 * a new value in *value_r, or MST_EINVAL ("expected an integer, got ...").
 * The value is not yet validated.
 */
int mst_ddl_convert(const struct mst_ddl_input *in, const char *text,
                    json_t **value_r, struct mst_err *err);

/*
 * mst_ddl_validate - check `data` (an object, as received) against `act`:
 * no unknown input, every required input present, each value of its type
 * and passing its validation, maxlength and enum.  Adds the default of each
 * absent optional input that has one, and turns an integer given for a
 * float into a float, so `data` is modified.  Returns MST_OK, MST_ENOTFOUND
 * for a missing required input (RPC status 3) or MST_EINVAL (status 4),
 * with one line in `err`.
 */
int mst_ddl_validate(const struct mst_ddl_action *act, json_t *data,
                     struct mst_err *err);

/*
 * mst_ddl_rpc_status - the MCollective RPC status for a validation result:
 * 0 for MST_OK, 3 (missing data) for MST_ENOTFOUND, 4 (invalid data) else.
 */
int mst_ddl_rpc_status(int rc);

/*
 * mst_ddl_redact - a copy of `data` with the value of every sensitive input
 * of `act` replaced by "***", for logs and the audit trail.  The
 * caller owns the result (NULL when out of memory).
 */
json_t *mst_ddl_redact(const struct mst_ddl_action *act, const json_t *data);

/*
 * mst_ddl_aggregate - compute `act`'s aggregates over `datas`, an array of
 * the data objects of successful replies (borrowed).  Returns a new array
 * (the caller's; empty when the action has none) of
 *   {"function": "summary", "output": NAME, "display_as": LABEL,
 *    "value": {VALUE: COUNT, ...}}       (keys: strings as they are, other
 *                                          values as compact JSON)
 *   {"function": "average"|"sum", "output", "display_as", "value": NUMBER,
 *    "count": N, "text": FORMATTED}
 * Replies without the output, or with a non-number for average/sum, are
 * left out of that aggregate.  NULL only when out of memory.
 */
json_t *mst_ddl_aggregate(const struct mst_ddl_action *act,
                          const json_t *datas);

/* mst_ddl_type_name - "string", "integer", ... */
const char *mst_ddl_type_name(enum mst_ddl_type type);

/* mst_ddl_display_name - "always", "ok" or "failed". */
const char *mst_ddl_display_name(enum mst_ddl_display display);

/*
 * mst_ddl_check_value - check one value against `in` (type, validation,
 * maxlength, enum) without touching anything else.  Returns MST_OK or
 * MST_EINVAL with the reason (not prefixed with the input's name).
 */
int mst_ddl_check_value(const struct mst_ddl_input *in, const json_t *value,
                        struct mst_err *err);

#endif
