/*
 * inputs.c - an action's inputs: checking values against the DDL, then
 * converting what a person typed, validating a request's data, redacting.
 */
#include "ddl/inputs.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/status.h"
#include "base/util.h"

/* ---- checking values ---- */

/* Characters, not bytes: maxlength counts what a person sees. */
static size_t utf8_chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Choria's spellings, any case. */
static int parse_bool(const char *s, int *out) {
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* An allowlist, not a list of dangerous characters: see docs/agents.md. */
static int shellsafe(const char *s) {
    static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_.,:/=+@%~- ";
    return strspn(s, ok) == strlen(s);
}

static int is_ip(int family, const char *s) {
    unsigned char buf[16];
    return inet_pton(family, s, buf) == 1;
}

/* RFC 1123 host name: dot-separated labels of letters, digits, '-'. */
static int hostname_ok(const char *s) {
    size_t len = strlen(s), label = 0;
    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
            label++;
        } else {
            return 0;
        }
    }
    return 1;
}

/* "30", "1.5", "500ms", "10s", "2m", "1h", "1d". */
static int duration_ok(const char *s) {
    size_t digits = strspn(s, "0123456789");
    if (digits == 0)
        return 0;
    s += digits;
    if (*s == '.') {
        size_t frac = strspn(s + 1, "0123456789");
        if (frac == 0)
            return 0;
        s += 1 + frac;
    }
    return *s == '\0' || strcmp(s, "ms") == 0 ||
           (s[1] == '\0' && strchr("smhd", s[0]) != NULL);
}

/* ---- the choria-plugins agents' validators (validator/NAME.rb) ---- */

/* MCollective's and go-choria's shellsafe, which the plugin validators
 * call: none of ` $ ; | && > <. */
static int choria_shellsafe(const char *s) {
    return strpbrk(s, "`$;|><") == NULL && strstr(s, "&&") == NULL;
}

/* Every character of `s` in `set` (letters and digits included), 1+. */
static int word_of(const char *s, size_t len, const char *set) {
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && strchr(set, s[i]) == NULL)
            return 0;
    return 1;
}

static int all_digits(const char *s, size_t len) {
    return len > 0 && strspn(s, "0123456789") >= len;
}

/*
 * The host name regex of nettest_fqdn.rb, nettest_server_address.rb and
 * puppet_server_address_validation.rb: dot-separated labels of letters,
 * digits and inner '-', each ending in a letter or digit and starting with
 * a letter (a digit too when `digit_first`); no length limits.
 */
static int ruby_hostname(const char *s, size_t len, int digit_first) {
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.')
            continue;
        size_t n = i - start;
        const char *l = s + start;
        if (n == 0 || !word_of(l, n, "-") || l[n - 1] == '-' ||
            !(isalpha((unsigned char)l[0]) ||
              (digit_first && isdigit((unsigned char)l[0]))))
            return 0;
        start = i + 1;
    }
    return 1;
}

/* puppet_variable_validator.rb: one letter, or 1+ of [a-zA-Z0-9_]. */
static int puppet_variable(const char *s, size_t len) {
    if (len == 1)
        return isalpha((unsigned char)s[0]);
    return word_of(s, len, "_");
}

/* One tag: "::"-separated puppet variables; like Ruby's split, trailing
 * empty parts are dropped, so "" and "a::" pass and "::a" does not. */
static int puppet_tag(const char *s, size_t len) {
    while (len >= 2 && s[len - 1] == ':' && s[len - 2] == ':')
        len -= 2;
    for (size_t p = 0; p < len;) {
        size_t end = p;
        while (end < len &&
               !(s[end] == ':' && end + 1 < len && s[end + 1] == ':'))
            end++;
        if (!puppet_variable(s + p, end - p))
            return 0;
        p = end + 2;
    }
    return 1;
}

/* puppet_tags_validator.rb: comma-separated tags (empty ones pass, as
 * Ruby's "".split("::") gives nothing to check). */
static int puppet_tags(const char *s) {
    for (;;) {
        size_t n = strcspn(s, ",");
        if (!puppet_tag(s, n))
            return 0;
        if (s[n] == '\0')
            return 1;
        s += n + 1;
    }
}

/* nettest_server_address.rb: HOST:PORT, the host as the fqdn regex but
 * labels may start with a digit, the port digits; like Ruby's split, a
 * third field is ignored. */
static int nettest_server_address(const char *s) {
    const char *colon = strchr(s, ':');
    if (colon == NULL)
        return 0;
    size_t port = strcspn(colon + 1, ":");
    return ruby_hostname(s, (size_t)(colon - s), 1) &&
           all_digits(colon + 1, port);
}

/* Ruby's IPAddr.new(x) for the validators: an address, not all digits. */
static int ruby_ip(const char *s, size_t len) {
    char buf[64];
    if (len >= sizeof buf || all_digits(s, len))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return is_ip(AF_INET, buf) || is_ip(AF_INET6, buf);
}

/*
 * puppet_server_address_validation.rb: a host name, an IPv4 address, an
 * IPv6 address, or any of them with :PORT ([IPV6]:PORT).  Parsed as it
 * does: a bare IPv6 address; "[...]" then optionally ":PORT"; one colon
 * splits NAME:PORT ("NAME:" has no port, as Ruby's split); else all name.
 */
static int puppet_server_address(const char *s) {
    size_t len = strlen(s);
    const char *name = s, *port = NULL;
    size_t name_len = len, port_len = 0;
    const char *close = s[0] == '[' ? strchr(s, ']') : NULL;
    if (ruby_ip(s, len) && strchr(s, ':') != NULL) {
        return 1;
    } else if (close != NULL && strspn(s + 1, "0123456789abcdefABCDEF:.") ==
                                    (size_t)(close - s - 1)) {
        name = s + 1;
        name_len = (size_t)(close - name);
        if (close[1] != '\0') {
            port = close + 2; /* Ruby drops the character after ']' */
            port_len = strcspn(port, "]");
        }
    } else if (strchr(s, ':') != NULL && strchr(s, ':') == strrchr(s, ':')) {
        name_len = (size_t)(strchr(s, ':') - s);
        port = s + name_len + 1;
        port_len = strlen(port);
        port = port_len > 0 ? port : NULL;
    }
    if (!ruby_ip(name, name_len) && !ruby_hostname(name, name_len, 0))
        return 0;
    return port == NULL || all_digits(port, port_len);
}

/* puppet_resource_validator.rb: TYPE[TITLE], TYPE of [a-zA-Z0-9_]. */
static int puppet_resource(const char *s) {
    size_t type = strcspn(s, "["), len = strlen(s);
    return type > 0 && word_of(s, type, "_") && len >= type + 3 &&
           s[len - 1] == ']' && strcspn(s + type, "\n") >= len - type;
}

static int plugin_validator(enum mst_ddl_validator v, const char *s) {
    size_t len = strlen(s);
    switch (v) {
    case MST_DDL_V_SERVICE_NAME: /* service_name.rb */
        return word_of(s, len, ".-_:@");
    case MST_DDL_V_PACKAGE_NAME: /* package_name.rb */
        return word_of(s, len, ".-_");
    case MST_DDL_V_NETTEST_FQDN: /* nettest_fqdn.rb: IPv4 or host name */
        return is_ip(AF_INET, s) || ruby_hostname(s, len, 0);
    case MST_DDL_V_NETTEST_SERVER_ADDRESS:
        return choria_shellsafe(s) && nettest_server_address(s);
    case MST_DDL_V_PUPPET_TAGS:
        return choria_shellsafe(s) && puppet_tags(s);
    case MST_DDL_V_PUPPET_VARIABLE:
        return choria_shellsafe(s) && puppet_variable(s, len);
    case MST_DDL_V_PUPPET_SERVER_ADDRESS:
        return choria_shellsafe(s) && puppet_server_address(s);
    case MST_DDL_V_PUPPET_RESOURCE:
        return puppet_resource(s);
    default:
        return 0;
    }
}

static int check_validator(const struct mst_ddl_input *in, const char *s,
                           struct mst_err *err) {
    int ok;
    int b;
    switch (in->validator) {
    case MST_DDL_V_NONE:
        return MST_OK;
    case MST_DDL_V_REGEX:
        ok = regexec(&in->re, s, 0, NULL, 0) == 0;
        break;
    case MST_DDL_V_SHELLSAFE:
        ok = shellsafe(s);
        break;
    case MST_DDL_V_IPV4:
        ok = is_ip(AF_INET, s);
        break;
    case MST_DDL_V_IPV6:
        ok = is_ip(AF_INET6, s);
        break;
    case MST_DDL_V_IPADDRESS:
        ok = is_ip(AF_INET, s) || is_ip(AF_INET6, s);
        break;
    case MST_DDL_V_BOOLEAN:
        ok = parse_bool(s, &b) == 0;
        break;
    case MST_DDL_V_HOSTNAME:
        ok = hostname_ok(s);
        break;
    case MST_DDL_V_DURATION:
        ok = duration_ok(s);
        break;
    default:
        ok = plugin_validator(in->validator, s);
        break;
    }
    if (ok)
        return MST_OK;
    if (in->validator == MST_DDL_V_REGEX)
        return mst_err_set(err, MST_EINVAL, "\"%.64s\" does not match /%s/", s,
                           in->validation);
    return mst_err_set(err, MST_EINVAL, "\"%.64s\" is not %s", s,
                       in->validation);
}

static int one_of(const struct mst_ddl_input *in, const char *s,
                  struct mst_err *err) {
    size_t i;
    json_t *x;
    json_array_foreach(in->enum_values, i, x) {
        if (strcmp(json_string_value(x), s) == 0)
            return MST_OK;
    }
    char *choices =
        json_dumps(in->enum_values,
                   JSON_COMPACT | JSON_REAL_PRECISION(MST_JSON_REAL_DIGITS));
    int rc = mst_err_set(err, MST_EINVAL, "\"%.64s\" is not one of %s", s,
                         choices ? choices : "the list");
    free(choices);
    return rc;
}

static int check_string(const struct mst_ddl_input *in, const json_t *v,
                        struct mst_err *err) {
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len)
        return mst_err_set(err, MST_EINVAL, "contains a NUL byte");
    if (in->maxlength > 0 && utf8_chars(s, len) > in->maxlength)
        return mst_err_set(err, MST_EINVAL,
                           "longer than %zu characters (maxlength)",
                           in->maxlength);
    return check_validator(in, s, err);
}

int mst_ddl_inputs_check_type(const struct mst_ddl_input *in,
                              const json_t *value, struct mst_err *err) {
    int ok;
    switch (in->type) {
    case MST_DDL_STRING:
    case MST_DDL_LIST:
        ok = json_is_string(value);
        break;
    case MST_DDL_INTEGER:
        ok = json_is_integer(value);
        break;
    case MST_DDL_FLOAT:
    case MST_DDL_NUMBER:
        ok = json_is_number(value);
        break;
    case MST_DDL_BOOLEAN:
        ok = json_is_boolean(value);
        break;
    case MST_DDL_ARRAY:
        ok = json_is_array(value);
        break;
    case MST_DDL_HASH:
        ok = json_is_object(value);
        break;
    default:
        ok = 1;
        break;
    }
    if (!ok)
        return mst_err_set(err, MST_EINVAL, "expected %s %s, got %s",
                           in->type == MST_DDL_INTEGER ? "an" : "a",
                           in->type == MST_DDL_HASH
                               ? "hash (object)"
                               : mst_ddl_type_name(in->type),
                           mst_ddl_json_kind(value));
    if (in->type == MST_DDL_LIST)
        return one_of(in, json_string_value(value), err);
    return MST_OK;
}

int mst_ddl_inputs_check_value(const struct mst_ddl_input *in,
                               const json_t *value, struct mst_err *err) {
    int rc = mst_ddl_inputs_check_type(in, value, err);
    if (rc == MST_OK && json_is_string(value))
        rc = check_string(in, value, err);
    return rc;
}

/* ---- converting what a person typed ---- */

static int convert_number(const struct mst_ddl_input *in, const char *text,
                          json_t **out) {
    long long i;
    if (in->type != MST_DDL_FLOAT &&
        mst_parse_int(text, LLONG_MIN, LLONG_MAX, &i) == MST_OK) {
        *out = json_integer(i);
        return MST_OK;
    }
    if (in->type == MST_DDL_INTEGER)
        return MST_EINVAL;
    char *end;
    errno = 0;
    double d = strtod(text, &end);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(d) ||
        strspn(text, "0123456789+-.eE") != strlen(text))
        return MST_EINVAL;
    *out = json_real(d);
    return MST_OK;
}

int mst_ddl_inputs_convert(const struct mst_ddl_input *in, const char *text,
                           json_t **value_r, struct mst_err *err) {
    json_t *v = NULL;
    int rc = MST_OK, b;
    switch (in->type) {
    case MST_DDL_INTEGER:
    case MST_DDL_FLOAT:
    case MST_DDL_NUMBER:
        rc = convert_number(in, text, &v);
        break;
    case MST_DDL_BOOLEAN:
        rc = parse_bool(text, &b) == 0 ? MST_OK : MST_EINVAL;
        v = rc == MST_OK ? json_boolean(b) : NULL;
        break;
    case MST_DDL_ARRAY:
    case MST_DDL_HASH:
        v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        break;
    default:
        v = json_string(text);
        if (v == NULL)
            return mst_err_set(err, MST_EINVAL, "not valid UTF-8");
        break;
    }
    if (rc == MST_OK && v == NULL && in->type != MST_DDL_ARRAY &&
        in->type != MST_DDL_HASH)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    if (rc != MST_OK || v == NULL ||
        (in->type == MST_DDL_ARRAY && !json_is_array(v)) ||
        (in->type == MST_DDL_HASH && !json_is_object(v))) {
        json_decref(v);
        return mst_err_set(
            err, MST_EINVAL, "expected %s, got \"%.64s\"",
            in->type == MST_DDL_INTEGER   ? "an integer"
            : in->type == MST_DDL_BOOLEAN ? "a boolean (true/false, yes/no)"
            : in->type == MST_DDL_ARRAY   ? "a JSON array like [\"a\",\"b\"]"
            : in->type == MST_DDL_HASH    ? "a JSON object like {\"a\":1}"
                                          : "a number",
            text);
    }
    *value_r = v;
    return MST_OK;
}

/* "fact, facts" or "none": the inputs an action takes, for messages. */
static void input_names(const struct mst_ddl_action *act, char *buf,
                        size_t size) {
    snprintf(buf, size, "%s", act->n_inputs ? "" : "none");
    for (size_t i = 0; i < act->n_inputs; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, size - at, "%s%s", i ? ", " : "",
                 act->inputs[i].name);
    }
}

static int unknown_input(const struct mst_ddl_action *act, const char *key,
                         struct mst_err *err) {
    char names[160];
    input_names(act, names, sizeof names);
    return mst_err_set(err, MST_EINVAL,
                       "unknown input \"%.64s\" (%s takes: %s)", key, act->name,
                       names);
}

/* Messages quote values; a sensitive one must not reach logs that way. */
static int hide_value(const struct mst_ddl_input *in, struct mst_err *err) {
    return mst_err_set(err, err ? err->code : MST_EINVAL,
                       "input %s: not a valid %s (value not shown: "
                       "sensitive)",
                       in->name, mst_ddl_type_name(in->type));
}

static int parse_arg(const struct mst_ddl_action *act, const char *arg,
                     json_t *data, struct mst_err *err) {
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    char key[MST_DDL_MAX_NAME + 1];
    if (eq == NULL || n == 0 || n > MST_DDL_MAX_NAME)
        return mst_err_set(err, MST_EINVAL, "'%.64s': expected KEY=VALUE", arg);
    memcpy(key, arg, n);
    key[n] = '\0';
    const struct mst_ddl_input *in = mst_ddl_input(act, key);
    if (in == NULL)
        return unknown_input(act, key, err);
    if (json_object_get(data, key) != NULL)
        return mst_err_set(err, MST_EINVAL, "input %s given twice", key);
    json_t *v = NULL;
    int rc = mst_ddl_inputs_convert(in, eq + 1, &v, err);
    if (rc != MST_OK)
        return in->sensitive ? hide_value(in, err)
                             : mst_err_prefix(err, "input %s", key);
    json_object_set_new(data, key, v);
    return MST_OK;
}

int mst_ddl_inputs_parse(const struct mst_ddl_action *act, char *const *args,
                         size_t n, json_t **data_r, struct mst_err *err) {
    json_t *data = json_object();
    if (data == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = MST_OK;
    for (size_t i = 0; i < n && rc == MST_OK; i++)
        rc = parse_arg(act, args[i], data, err);
    if (rc == MST_OK)
        rc = mst_ddl_inputs_validate(act, data, err);
    if (rc != MST_OK) {
        json_decref(data);
        return rc;
    }
    *data_r = data;
    return MST_OK;
}

/* One input of `data`: present and valid, defaulted, or missing. */
static int validate_one(const struct mst_ddl_input *in, json_t *data,
                        struct mst_err *err) {
    json_t *v = json_object_get(data, in->name);
    if (v != NULL && json_is_null(v)) {
        json_object_del(data, in->name); /* null means "not given" */
        v = NULL;
    }
    if (v == NULL && in->def != NULL)
        return json_object_set_new(data, in->name, json_deep_copy(in->def))
                   ? mst_err_set(err, MST_ENOMEM, "out of memory")
                   : MST_OK;
    if (v == NULL)
        return in->optional
                   ? MST_OK
                   : mst_err_set(err, MST_ENOTFOUND,
                                 "missing required input %s", in->name);
    if (mst_ddl_inputs_check_value(in, v, err) != MST_OK)
        return in->sensitive ? hide_value(in, err)
                             : mst_err_prefix(err, "input %s", in->name);
    if (in->type == MST_DDL_FLOAT && json_is_integer(v))
        json_object_set_new(data, in->name,
                            json_real((double)json_integer_value(v)));
    return MST_OK;
}

int mst_ddl_inputs_validate(const struct mst_ddl_action *act, json_t *data,
                            struct mst_err *err) {
    if (!json_is_object(data))
        return mst_err_set(err, MST_EINVAL, "the inputs are not an object");
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v) {
        if (mst_ddl_input(act, key) == NULL)
            return unknown_input(act, key, err);
    }
    for (size_t i = 0; i < act->n_inputs; i++) {
        int rc = validate_one(&act->inputs[i], data, err);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

int mst_ddl_inputs_rpc_status(int rc) {
    return rc == MST_OK ? 0 : rc == MST_ENOTFOUND ? 3 : 4;
}

json_t *mst_ddl_inputs_redact(const struct mst_ddl_action *act,
                              const json_t *data) {
    json_t *copy = json_deep_copy(data);
    for (size_t i = 0; copy != NULL && act && i < act->n_inputs; i++)
        if (act->inputs[i].sensitive &&
            json_object_get(copy, act->inputs[i].name) != NULL)
            json_object_set_new(copy, act->inputs[i].name, json_string("***"));
    return copy;
}
