/*
 * inputs.h - an action's inputs: convert what a person typed, validate what
 * a request carries, hide what is sensitive.
 *
 * The same rules run in the client (before publishing) and in musterd
 * (before running an action), so what one accepts the other accepts.  The
 * checks are those of the loaded DDL (ddl/ddl.h): type, named validator or
 * regular expression, maxlength (in characters), enum.
 */
#ifndef MST_DDL_INPUTS_H
#define MST_DDL_INPUTS_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "ddl/ddl.h"

/*
 * mst_ddl_inputs_parse - build the inputs of `act` from `n` "KEY=VALUE"
 * strings as a person types them: each value converted to its input's type
 * (see docs/agents.md), then the whole validated as by
 * mst_ddl_inputs_validate (defaults added).  Returns MST_OK and a new
 * object in *data_r (the caller's), or MST_EINVAL / MST_ENOTFOUND (missing
 * required input) with one line in `err` naming the input.
 */
int mst_ddl_inputs_parse(const struct mst_ddl_action *act, char *const *args,
                         size_t n, json_t **data_r, struct mst_err *err);

/*
 * mst_ddl_inputs_convert - convert `text` to the type of `in`.  Returns
 * MST_OK and a new value in *value_r, or MST_EINVAL ("expected an integer,
 * got ...").  The value is not yet validated.
 */
int mst_ddl_inputs_convert(const struct mst_ddl_input *in, const char *text,
                           json_t **value_r, struct mst_err *err);

/*
 * mst_ddl_inputs_validate - check `data` (an object, as received) against
 * `act`: no unknown input, every required input present, each value of its
 * type and passing its validation, maxlength and enum.  Adds the default of
 * each absent optional input that has one, and turns an integer given for
 * a float into a float, so `data` is modified.  Returns MST_OK,
 * MST_ENOTFOUND for a missing required input (RPC status 3) or MST_EINVAL
 * (status 4), with one line in `err`.
 */
int mst_ddl_inputs_validate(const struct mst_ddl_action *act, json_t *data,
                            struct mst_err *err);

/*
 * mst_ddl_inputs_check_value - check one value against `in` (type,
 * validation, maxlength, list) without touching anything else.  Returns
 * MST_OK or MST_EINVAL with the reason (not prefixed with the input's
 * name).
 */
int mst_ddl_inputs_check_value(const struct mst_ddl_input *in,
                               const json_t *value, struct mst_err *err);

/*
 * mst_ddl_inputs_check_type - check that `value` is of `in`'s type (for a
 * list: one of its choices), nothing else.  Returns MST_OK or MST_EINVAL
 * with the reason.  The loader checks defaults with it: Choria checks no
 * default against its validation, and "" defaults are common.
 */
int mst_ddl_inputs_check_type(const struct mst_ddl_input *in,
                              const json_t *value, struct mst_err *err);

/*
 * mst_ddl_inputs_rpc_status - the MCollective RPC status for a validation
 * result: 0 for MST_OK, 3 (missing data) for MST_ENOTFOUND, 4 (invalid
 * data) else.
 */
int mst_ddl_inputs_rpc_status(int rc);

/*
 * mst_ddl_inputs_redact - a copy of `data` with the value of every
 * sensitive input of `act` replaced by "***", for logs and the audit
 * trail.  The caller owns the result (NULL when out of memory).
 */
json_t *mst_ddl_inputs_redact(const struct mst_ddl_action *act,
                              const json_t *data);

#endif
