#include "policy/callers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "targeting/regexp.h"

#define CERT "cert="
#define CHORIA "choria="
#define USER "user="
#define CHORIA_USER_SUFFIX ".mcollective"

static int starts(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int mst_caller_check_id(const char *id, struct mst_err *err) {
    const char *eq = strchr(id, '=');
    if ((starts(id, CERT) || starts(id, CHORIA) || starts(id, USER)) &&
        eq[1] != '\0')
        return MST_OK;
    if (starts(id, "uid="))
        return mst_err_set(err, MST_EINVAL,
                           "'%s' is a unix-uid caller (MCollective's PSK "
                           "plugin, not authenticated); muster's callers are "
                           "verified certificates, write cert=NAME",
                           id);
    if (eq == NULL)
        return mst_err_set(err, MST_EINVAL,
                           "'%s' is not a caller id (cert=NAME or "
                           "choria=NAME)",
                           id);
    return mst_err_set(err, MST_EINVAL,
                       "'%s': unknown caller kind '%.*s' (muster knows "
                       "cert=NAME, choria=NAME and user=NAME)",
                       id, (int)(eq - id), id);
}

/* The CN of a verified caller "cert=CN", or NULL for another form. */
static const char *cn_of(const char *caller) {
    return starts(caller, CERT) ? caller + strlen(CERT) : NULL;
}

static int ends(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Is `name` (after "choria=") Choria's id of the certificate `cn`? */
static int choria_names(const char *name, const char *cn) {
    size_t n = strlen(cn);
    if (strcmp(name, cn) == 0)
        return 1;
    return !ends(cn, CHORIA_USER_SUFFIX) && strncmp(name, cn, n) == 0 &&
           strcmp(name + n, CHORIA_USER_SUFFIX) == 0;
}

int mst_caller_is(const char *id, const char *caller) {
    if (strcmp(id, caller) == 0)
        return 1;
    const char *cn = cn_of(caller);
    return cn != NULL && starts(id, CHORIA) &&
           choria_names(id + strlen(CHORIA), cn);
}

int mst_caller_check_regex(const char *slashed, struct mst_err *err) {
    return mst_regexp_check_slashed(slashed, err);
}

/* Match `slashed` against CHORIA + `cn` + `suffix`. */
static int match_choria_form(const char *slashed, const char *cn,
                             const char *suffix, struct mst_err *err) {
    size_t size = strlen(CHORIA) + strlen(cn) + strlen(suffix) + 1;
    char *form = malloc(size);
    if (form == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    snprintf(form, size, CHORIA "%s%s", cn, suffix);
    int rc = mst_regexp_match_slashed(slashed, form, err);
    free(form);
    return rc;
}

int mst_caller_match_regex(const char *slashed, const char *caller,
                           struct mst_err *err) {
    int rc = mst_regexp_match_slashed(slashed, caller, err);
    const char *cn = cn_of(caller);
    if (rc != 0 || cn == NULL)
        return rc;
    rc = match_choria_form(slashed, cn, "", err);
    if (rc != 0 || ends(cn, CHORIA_USER_SUFFIX))
        return rc;
    return match_choria_form(slashed, cn, CHORIA_USER_SUFFIX, err);
}
