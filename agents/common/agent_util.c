/*
 * agent_util.c - helpers shared by the standard agents.
 */
#include "agent_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/status.h"

int mst_agent_fail(char *msg, size_t msg_len, int status, const char *fmt,
                   ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msg_len, fmt, ap);
    va_end(ap);
    return status;
}

int mst_agent_string(const struct muster_call *call, const char *key,
                     size_t max, const char **val_r, char *msg,
                     size_t msg_len) {
    json_t *v = json_object_get(call->data, key);
    if (v == NULL || json_is_null(v))
        return mst_agent_fail(msg, msg_len, MUSTER_MISSING_DATA,
                              "missing input '%s'", key);
    if (!json_is_string(v))
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "input '%s' must be a string", key);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    /* jansson keeps embedded NULs; C callees would see a shorter string */
    if (strlen(s) != len)
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "input '%s' contains a NUL byte", key);
    if (len > max)
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "input '%s' is longer than %zu bytes", key, max);
    *val_r = s;
    return MUSTER_OK;
}

int mst_agent_name(const struct muster_call *call, const char *key,
                   const char *extra, size_t max, const char **val_r, char *msg,
                   size_t msg_len) {
    int rc = mst_agent_string(call, key, max, val_r, msg, msg_len);
    if (rc == MUSTER_OK && !mst_agent_is_name(*val_r, extra, max))
        rc = mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                            "%s: not a valid name (a letter or digit, then "
                            "letters, digits or '%s')",
                            key, extra);
    return rc;
}

int mst_agent_integer(const struct muster_call *call, const char *key,
                      long long dflt, long long min, long long max,
                      long long *val_r, char *msg, size_t msg_len) {
    json_t *v = json_object_get(call->data, key);
    if (v == NULL || json_is_null(v)) {
        *val_r = dflt;
        return MUSTER_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max)
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "input '%s' must be an integer in [%lld, %lld]",
                              key, min, max);
    *val_r = json_integer_value(v);
    return MUSTER_OK;
}

/* ASCII only: isalnum() would depend on the locale. */
static int is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

int mst_agent_is_name(const char *s, const char *extra, size_t max) {
    size_t len = strlen(s);
    if (len == 0 || len > max || !is_alnum(s[0]))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!is_alnum(s[i]) && strchr(extra, s[i]) == NULL)
            return 0;
    return 1;
}

static int run_capped(const char *const argv[], int64_t timeout_ms,
                      const char *const *env, size_t max_out,
                      struct mst_proc_result *res_r, char *msg,
                      size_t msg_len) {
    struct mst_proc_opts opts = {
        .timeout_ms = timeout_ms, .max_out = max_out, .env = env};
    struct mst_err err;
    int rc = mst_proc_run(argv, &opts, res_r, &err);
    if (rc == MST_OK)
        return MUSTER_OK;
    return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "could not run %s",
                          err.msg);
}

int mst_agent_run(const char *const argv[], int64_t timeout_ms,
                  const char *const *env, struct mst_proc_result *res_r,
                  char *msg, size_t msg_len) {
    return run_capped(argv, timeout_ms, env, MST_AGENT_MAX_OUT, res_r, msg,
                      msg_len);
}

int mst_agent_run_all(const char *const argv[], int64_t timeout_ms,
                      const char *const *env, size_t max_out,
                      struct mst_proc_result *res_r, char *msg,
                      size_t msg_len) {
    int rc = run_capped(argv, timeout_ms, env, max_out, res_r, msg, msg_len);
    if (rc == MUSTER_OK && res_r->truncated) {
        mst_proc_result_free(res_r);
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s printed more than %zu bytes", argv[0],
                              max_out);
    }
    return rc;
}

/* Length of the valid UTF-8 sequence at s (of n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    size_t want = s[0] < 0x80             ? 1
                  : (s[0] & 0xe0) == 0xc0 ? 2
                  : (s[0] & 0xf0) == 0xe0 ? 3
                  : (s[0] & 0xf8) == 0xf0 ? 4
                                          : 0;
    if (want == 0 || want > n)
        return 0;
    for (size_t i = 1; i < want; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return want;
}

/* jansson also refuses overlong forms and surrogates: ask it. */
static int jansson_accepts(const char *s, size_t n) {
    json_t *j = json_stringn(s, n);
    json_decref(j);
    return j != NULL;
}

json_t *mst_agent_text(const char *s, size_t len) {
    json_t *j = json_stringn(s, len);
    if (j != NULL)
        return j;
    /* not valid UTF-8 (overlong forms and surrogates too): clean a copy */
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len(u + i, len - i);
        if (n > 1 && !jansson_accepts(s + i, n))
            n = 0;
        if (n == 0) {
            copy[i++] = '?';
            continue;
        }
        memcpy(copy + i, s + i, n);
        i += n;
    }
    j = json_stringn(copy, len);
    free(copy);
    return j;
}

json_t *mst_agent_first_line(const char *s) {
    s += strspn(s, "\r\n \t");
    size_t n = strcspn(s, "\r\n");
    return mst_agent_text(s, n > 512 ? 512 : n);
}

int mst_agent_tool_failed(const char *tool, const struct mst_proc_result *res,
                          char *msg, size_t msg_len) {
    const char *why = res->err_len > 0 ? res->err : res->out;
    why += strspn(why, "\r\n \t");
    int n = (int)strcspn(why, "\r\n");
    if (res->exit_code < 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s was killed by signal %d", tool, res->signal);
    return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                          "%s failed (exit %d)%s%.*s", tool, res->exit_code,
                          n > 0 ? ": " : "", n > 200 ? 200 : n, why);
}

json_t *mst_agent_md5_hex(const char *s, size_t len) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    if (EVP_Digest(s, len, md, &md_len, EVP_md5(), NULL) != 1)
        return NULL;
    for (unsigned int i = 0; i < md_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return json_stringn(hex, 2 * md_len);
}

int mst_agent_bool(const struct muster_call *call, const char *key, int dflt,
                   int *val_r, char *msg, size_t msg_len) {
    json_t *v = json_object_get(call->data, key);
    if (v == NULL || json_is_null(v)) {
        *val_r = dflt;
        return MUSTER_OK;
    }
    if (!json_is_boolean(v))
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "input '%s' must be a boolean", key);
    *val_r = json_is_true(v);
    return MUSTER_OK;
}
