/*
 * callers.h - the caller ids written in actionpolicy files and groups
 * files, and which verified caller each one names.
 *
 * musterd's verified caller is "cert=CN", the common name of the
 * certificate that signed the request.  Files name it as
 *
 *   cert=CN                  muster's own form
 *   choria=CN                Choria's caller id for the certificate CN
 *                            (go-choria: "choria=" + the certificate name)
 *   choria=NAME.mcollective  Choria's id of user NAME (its client
 *                            certificates are USER.mcollective): also
 *                            names muster's certificate CN NAME
 *   user=NAME                the caller a muster client claims, which
 *                            musterd trusts only with the security
 *                            provider "none"
 *   /regex/                  (policy CALLERS only) matched, unanchored,
 *                            against each of the forms above
 *
 * Every other kind is refused when the file is read: `uid=N` (MCollective's
 * PSK callers, the unauthenticated unix uid of the client) can never be a
 * verified muster caller, and a rule that silently never matches hides a
 * mistake.
 */
#ifndef MST_CALLERS_H
#define MST_CALLERS_H

#include "base/err.h"

/*
 * mst_caller_check_id - MST_OK if `id` is cert=, choria= or user=NAME, else
 * MST_EINVAL with the reason ("uid=500: ...") in `err`.
 */
int mst_caller_check_id(const char *id, struct mst_err *err);

/*
 * mst_caller_is - 1 if the checked id `id` names the verified `caller`
 * ("cert=CN"), else 0.
 */
int mst_caller_is(const char *id, const char *caller);

/*
 * mst_caller_check_regex - MST_OK if `slashed` is a usable "/regex/"
 * caller, else MST_EINVAL (or MST_ENOMEM) with the reason in `err`.
 */
int mst_caller_check_regex(const char *slashed, struct mst_err *err);

/*
 * mst_caller_match_regex - does the "/regex/" `slashed` match one of the
 * forms of the verified `caller`?  Returns 1, 0, or a negative MST_E* code
 * with `err` filled.
 */
int mst_caller_match_regex(const char *slashed, const char *caller,
                           struct mst_err *err);

#endif
