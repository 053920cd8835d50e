/*
 * ddl.h - agent DDLs in Choria's JSON schema: the loaded form, shared by
 * the modules of the ddl part.
 *
 *   ddl/ddl.h        the loaded DDL (this file): types, lookups, names
 *   ddl/load.h       reading and checking a JSON DDL (mst_ddl_load_*)
 *   ddl/inputs.h     converting and validating inputs (mst_ddl_inputs_*)
 *   ddl/aggregate.h  aggregates over replies (mst_ddl_aggregate_*)
 *   ddl/format.h     their printf formats (mst_ddl_format_*)
 *   ddl/path.h       finding DDL files on ddl_path (mst_ddl_path_*)
 *
 * One part for both sides.  The client converts `key=value` strings into
 * typed JSON and validates them before it publishes anything; musterd
 * validates the same JSON again before it runs an action, because a request
 * may come from a client that skipped the first check.  Both use the same
 * rules, so what one accepts the other accepts.
 *
 * A loaded DDL is plain read-only data (struct mst_ddl below), owned by the
 * struct and freed with mst_ddl_free().  Every field is filled and checked
 * at load: a DDL that loaded is internally consistent (types known,
 * defaults of the right type, regexes compiled within the bounds
 * of regexp.h, aggregates naming declared outputs).  Loaded DDLs are never
 * modified, so one may be shared by threads.
 */
#ifndef MST_DDL_H
#define MST_DDL_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strv.h"

/* Limits against hostile or runaway files. */
#define MST_DDL_MAX_ACTIONS 256
#define MST_DDL_MAX_FIELDS 256 /* inputs, outputs or aggregates per action */
#define MST_DDL_MAX_NAME 128   /* agent, action, input and output names */

/* Value types.  `list` is MCollective's: one string of its choices (the
 * DDL's `list`, or `enum`). */
enum mst_ddl_type {
    MST_DDL_STRING,
    MST_DDL_INTEGER,
    MST_DDL_FLOAT,
    MST_DDL_NUMBER, /* integer or float */
    MST_DDL_BOOLEAN,
    MST_DDL_LIST,  /* a string, one of `list` (or `enum`) */
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
    /* The choria-plugins agents' own validators, as their Ruby code
     * checks (docs/agents.md). */
    MST_DDL_V_SERVICE_NAME,
    MST_DDL_V_PACKAGE_NAME,
    MST_DDL_V_NETTEST_FQDN,
    MST_DDL_V_NETTEST_SERVER_ADDRESS,
    MST_DDL_V_PUPPET_TAGS,
    MST_DDL_V_PUPPET_VARIABLE,
    MST_DDL_V_PUPPET_SERVER_ADDRESS,
    MST_DDL_V_PUPPET_RESOURCE,
};

enum mst_ddl_function {
    MST_DDL_SUMMARY, /* value -> number of nodes */
    MST_DDL_AVERAGE,
    MST_DDL_SUM,
    /* The choria-plugins agents' aggregates (docs/agents.md). */
    MST_DDL_BOOLEAN_SUMMARY, /* true/false -> labels -> number of nodes */
    MST_DDL_NAGIOS_STATES,   /* exit code -> OK/WARNING/... -> nodes */
    MST_DDL_PROCESS_SUMMARY, /* process lists -> hosts, count, sizes */
    MST_DDL_NETTEST_MMA,     /* min, max, average */
    MST_DDL_CHART,           /* an ASCII chart of the values */
};

/* Read-only after load; every string is owned by the DDL. */
struct mst_ddl_input {
    char *name;
    char *prompt;      /* "" when absent */
    char *description; /* "" when absent */
    enum mst_ddl_type type;
    enum mst_ddl_validator validator; /* NONE also for an unknown one */
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
    char *format; /* checked printf format (aggregate.h); NULL */
    char *label_true, *label_false; /* boolean_summary's; NULL */
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
    int64_t timeout_ms; /* metadata.timeout (seconds in the file); 10 s */
    struct mst_ddl_action *actions;
    size_t n_actions;
    /* What loaded but is not fully understood: an unknown validator or
     * aggregate (that input checked by type only, that aggregate left
     * out), an ignored validation, a refused DDL of the same name skipped
     * on ddl_path.  One line each, naming the file and the field; the
     * program that loaded the DDL decides whether to log or print them. */
    struct mst_strv warnings;
};

/* mst_ddl_free - release `*ddl` and set it to NULL.  NULL is fine. */
void mst_ddl_free(struct mst_ddl **ddl);

/* mst_ddl_action - the action called `name`, or NULL.  Borrowed. */
const struct mst_ddl_action *mst_ddl_action(const struct mst_ddl *ddl,
                                            const char *name);

/* mst_ddl_input / mst_ddl_output - the field called `name`, or NULL. */
const struct mst_ddl_input *mst_ddl_input(const struct mst_ddl_action *act,
                                          const char *name);
const struct mst_ddl_output *mst_ddl_output(const struct mst_ddl_action *act,
                                            const char *name);

/* mst_ddl_type_name - "string", "integer", ... */
const char *mst_ddl_type_name(enum mst_ddl_type type);

/* mst_ddl_display_name - "always", "ok" or "failed". */
const char *mst_ddl_display_name(enum mst_ddl_display display);

/* mst_ddl_function_name - "summary", "average", "sum", "boolean_summary",
 * ... as DDLs name them. */
const char *mst_ddl_function_name(enum mst_ddl_function function);

/*
 * mst_ddl_json_kind - what a JSON value is, for messages: "an object",
 * "an array", "a string", "an integer", "a float", "a boolean" or "null".
 */
const char *mst_ddl_json_kind(const json_t *value);

#endif
