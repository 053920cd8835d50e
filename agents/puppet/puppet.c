/*
 * puppet.c - the puppet agent, with choria-plugins' interface: runonce,
 * status, enable, disable, last_run_summary and resource.  Active only
 * where the puppet command exists.
 *
 * runonce runs `puppet agent --onetime --no-daemonize` in the foreground
 * (the action has the DDL's long timeout and runs in a worker process),
 * so the caller learns how the run went; Choria starts it in the
 * background.  What Choria refuses unless its plugin configuration allows
 * it, muster refuses: a `server` override and every `resource` type (its
 * default whitelist is empty).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_util.h"
#include "base/err.h"
#include "base/file.h"
#include "base/status.h"
#include "base/yaml_json.h"

#define RUN_TIMEOUT_MS 890000 /* under the DDL's 900 s */
#define CMD_TIMEOUT_MS 60000
#define MESSAGE_MAX_LEN 256
#define MESSAGE_EXTRA " _.,:@/()'-"
#define PUPPET_ENV "MUSTER_PUPPET_COMMAND" /* another puppet, for tests */
#define SUMMARY_MAX (1024 * 1024)          /* last_run_summary.yaml */
#define TAGS_MAX_LEN 120
#define ENV_MAX_LEN 50

/* $MUSTER_PUPPET_COMMAND (an absolute path, as Choria's puppet.command),
 * else Puppet's own place, else the PATH. */
static int find_puppet(char *path, size_t size) {
    const char *env = getenv(PUPPET_ENV);
    if (env != NULL && env[0] == '/') {
        snprintf(path, size, "%s", env);
        return access(path, X_OK) == 0 ? 0 : -1;
    }
    if (access("/opt/puppetlabs/bin/puppet", X_OK) == 0) {
        snprintf(path, size, "/opt/puppetlabs/bin/puppet");
        return 0;
    }
    return mst_proc_find("puppet", path, size) == 0 ? 0 : -1;
}

static int activate(const struct muster_host *host) {
    (void)host;
    char path[256];
    return find_puppet(path, sizeof path) == 0;
}

/* Run puppet with `args` (after argv[0]); exit code in *res_r. */
static int run_puppet(const char *const *args, int64_t timeout_ms,
                      struct mst_proc_result *res_r, char *msg,
                      size_t msg_len) {
    char path[256];
    const char *argv[32];
    int n = 0;
    if (find_puppet(path, sizeof path) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "puppet is not installed");
    argv[n++] = path;
    for (; *args != NULL && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    return mst_agent_run(argv, timeout_ms, NULL, res_r, msg, msg_len);
}

/* The paths of puppet's state files, from `puppet config print`. */
struct state_files {
    char disabled[1024], running[1024], lastrun[1024], pidfile[1024],
        resources[1024];
};

static void config_value(const char *out, const char *key, char *val,
                         size_t size) {
    size_t klen = strlen(key);
    val[0] = '\0';
    for (const char *p = out; p != NULL && *p; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (strncmp(p, key, klen) == 0 && strncmp(p + klen, " = ", 3) == 0) {
            p += klen + 3;
            snprintf(val, size, "%.*s", (int)strcspn(p, "\n"), p);
            return;
        }
    }
}

static int state_files(struct state_files *f, char *msg, size_t msg_len) {
    static const char *const args[] = {"config",
                                       "print",
                                       "--section",
                                       "agent",
                                       "agent_disabled_lockfile",
                                       "agent_catalog_run_lockfile",
                                       "lastrunfile",
                                       "pidfile",
                                       "resourcefile",
                                       NULL};
    struct mst_proc_result res;
    int rc = run_puppet(args, CMD_TIMEOUT_MS, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (res.exit_code != 0) {
        rc = mst_agent_tool_failed("puppet config print", &res, msg, msg_len);
    } else {
        config_value(res.out, "agent_disabled_lockfile", f->disabled,
                     sizeof f->disabled);
        config_value(res.out, "agent_catalog_run_lockfile", f->running,
                     sizeof f->running);
        config_value(res.out, "lastrunfile", f->lastrun, sizeof f->lastrun);
        config_value(res.out, "pidfile", f->pidfile, sizeof f->pidfile);
        config_value(res.out, "resourcefile", f->resources,
                     sizeof f->resources);
    }
    mst_proc_result_free(&res);
    return rc;
}

static int exists(const char *path) {
    struct stat st;
    return path[0] != '\0' && stat(path, &st) == 0;
}

/* The message `puppet agent --disable` stored, or "". */
static json_t *disable_message(const char *lockfile) {
    json_t *lock = json_load_file(lockfile, 0, NULL);
    const char *m =
        json_string_value(json_object_get(lock, "disabled_message"));
    json_t *out = json_string(m ? m : "");
    json_decref(lock);
    return out;
}

/* last_run_summary.yaml as JSON, with the sections Choria always has
 * (an absent or unreadable file is an empty summary, as there). */
static json_t *load_summary(const char *path) {
    char *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    struct mst_err err;
    if (path[0] != '\0' &&
        mst_file_read(path, SUMMARY_MAX, &text, &len, &err) == MST_OK)
        mst_yaml_json_parse(text, len, path, &doc, &err);
    free(text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        doc = json_object();
    }
    static const char *const sections[] = {"changes", "time",   "resources",
                                           "version", "events", NULL};
    for (const char *const *k = sections; *k != NULL; k++)
        if (!json_is_object(json_object_get(doc, *k)))
            json_object_set_new(doc, *k, json_object());
    return doc;
}

/* summary[section][key] as an integer (floats truncated), or `dflt`. */
static long long summary_int(json_t *summary, const char *section,
                             const char *key, long long dflt) {
    json_t *v = json_object_get(json_object_get(summary, section), key);
    return json_is_number(v) ? (long long)json_number_value(v) : dflt;
}

/* "last_run" of the summary: seconds since the epoch, 0 for never. */
static long long last_run(const char *path) {
    json_t *summary = load_summary(path);
    long long t = summary_int(summary, "time", "last_run", 0);
    json_decref(summary);
    return t;
}

/* A daemon runs when the pidfile names a live process. */
static int daemon_present(const char *pidfile) {
    char *text = NULL;
    size_t len = 0;
    struct mst_err err;
    if (pidfile[0] == '\0' ||
        mst_file_read(pidfile, 64, &text, &len, &err) != MST_OK)
        return 0;
    long pid = strtol(text, NULL, 10);
    free(text);
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Choria's seconds_to_human. */
static void human_duration(long long s, char *buf, size_t size) {
    long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
    s %= 60;
    if (d > 0)
        snprintf(buf, size, "%lld day%s %lld hours %lld minutes %02lld seconds",
                 d, d > 1 ? "s" : "", h, m, s);
    else if (h > 0)
        snprintf(buf, size, "%lld hours %lld minutes %02lld seconds", h, m, s);
    else if (m > 0)
        snprintf(buf, size, "%lld minutes %02lld seconds", m, s);
    else
        snprintf(buf, size, "%02lld seconds", s);
}

/* Choria's status outputs: enabled, applying, idling, daemon_present,
 * disable_message, lastrun, since_lastrun, status, message. */
static int add_status(json_t *reply, char *msg, size_t msg_len) {
    struct state_files f;
    int rc = state_files(&f, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    int enabled = !exists(f.disabled), applying = exists(f.running);
    int daemon = daemon_present(f.pidfile), idling = daemon && !applying;
    long long lastrun = last_run(f.lastrun);
    long long since = (long long)time(NULL) - lastrun;
    const char *state = !enabled   ? "disabled"
                        : applying ? "applying a catalog"
                        : idling   ? "idling"
                                   : "stopped";
    char ago[128], message[256];
    human_duration(since, ago, sizeof ago);
    snprintf(message, sizeof message, "Currently %s; last completed run %s ago",
             state, ago);
    json_object_set_new(reply, "enabled", json_boolean(enabled));
    json_object_set_new(reply, "applying", json_boolean(applying));
    json_object_set_new(reply, "idling", json_boolean(idling));
    json_object_set_new(reply, "daemon_present", json_boolean(daemon));
    json_object_set_new(reply, "disable_message",
                        enabled ? json_string("")
                                : disable_message(f.disabled));
    json_object_set_new(reply, "lastrun", json_integer(lastrun));
    json_object_set_new(reply, "since_lastrun", json_integer(since));
    json_object_set_new(reply, "status", json_string(state));
    json_object_set_new(reply, "message", json_string(message));
    return MUSTER_OK;
}

static int status(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host, (void)call;
    return add_status(reply, msg, msg_len);
}

/* Run `puppet agent ARGS`, fail on a non-zero exit, then report status. */
static int agent_cmd(const char *const *args, int64_t timeout_ms, json_t *reply,
                     char *msg, size_t msg_len) {
    struct mst_proc_result res;
    int rc = run_puppet(args, timeout_ms, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "exitcode", json_integer(res.exit_code));
    json_object_set_new(reply, "output", mst_agent_text(res.out, res.out_len));
    /* --detailed-exitcodes: 2 means changes were applied, not failure */
    if (res.exit_code != 0 && res.exit_code != 2)
        rc = mst_agent_tool_failed("puppet agent", &res, msg, msg_len);
    mst_proc_result_free(&res);
    return rc != MUSTER_OK ? rc : add_status(reply, msg, msg_len);
}

/* Fail with `why` as statusmsg and as the reply's `summary`, as Choria. */
static int refuse(json_t *reply, const char *key, char *msg, size_t msg_len,
                  const char *why) {
    json_object_set_new(reply, key, json_string(why));
    return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s", why);
}

/* Puppet's valid_name: one letter, or letters, digits and '_'. */
static int valid_name(const char *s, size_t len) {
    if (len == 1)
        return (*s | 0x20) >= 'a' && (*s | 0x20) <= 'z';
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_' && !mst_agent_is_name((char[2]){s[i], '\0'}, "", 1))
            return 0;
    return len > 0;
}

/* A tag list "a,b::c": each tag of valid names joined by "::". */
static int valid_tags(const char *tags) {
    for (const char *t = tags; *t != '\0';) {
        size_t n = strcspn(t, ",");
        for (const char *p = t; p < t + n;) {
            const char *sep = strstr(p, "::");
            size_t part =
                sep && sep < t + n ? (size_t)(sep - p) : (size_t)(t + n - p);
            if (!valid_name(p, part))
                return 0;
            p += part + (sep && sep < t + n ? 2 : 0);
        }
        if (n == 0)
            return 0;
        t += n + (t[n] == ',');
    }
    return tags[0] != '\0';
}

/* An optional string input checked by `ok`; NULL when absent. */
static int checked_opt(const struct muster_call *call, const char *key,
                       size_t max, int (*ok)(const char *), const char **val_r,
                       char *msg, size_t msg_len) {
    *val_r = NULL;
    if (json_object_get(call->data, key) == NULL)
        return MUSTER_OK;
    int rc = mst_agent_string(call, key, max, val_r, msg, msg_len);
    if (rc == MUSTER_OK && !ok(*val_r))
        rc = mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                            "Invalid %s '%s' specified", key, *val_r);
    return rc;
}

static int valid_environment(const char *s) {
    return valid_name(s, strlen(s));
}

/* A boolean option as Puppet spells it: --NAME or --no-NAME, when given. */
static int bool_flag(const struct muster_call *call, const char *key,
                     const char *yes, const char *no, const char **argv, int *n,
                     char *msg, size_t msg_len) {
    int v;
    int rc = mst_agent_bool(call, key, -1, &v, msg, msg_len);
    if (rc == MUSTER_OK && v >= 0)
        argv[(*n)++] = v ? yes : no;
    return rc;
}

/*
 * The options of runonce, Choria's create_common_puppet_cli, into argv
 * (room for 16) from *n on: noop, tags, skip_tags, environment, splay
 * (force means no splay; without either muster does not splay),
 * splaylimit, use_cached_catalog.  Every value is allowlisted and none
 * can start with '-'.
 */
static int runonce_options(const struct muster_call *call, const char **argv,
                           int *n, char *splaylimit_s, size_t sl_size,
                           char *msg, size_t msg_len) {
    const char *tags, *skip, *env;
    int force;
    long long splaylimit;
    int rc =
        bool_flag(call, "noop", "--noop", "--no-noop", argv, n, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = checked_opt(call, "tags", TAGS_MAX_LEN, valid_tags, &tags, msg,
                         msg_len);
    if (rc == MUSTER_OK)
        rc = checked_opt(call, "skip_tags", TAGS_MAX_LEN, valid_tags, &skip,
                         msg, msg_len);
    if (rc == MUSTER_OK)
        rc = checked_opt(call, "environment", ENV_MAX_LEN, valid_environment,
                         &env, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_bool(call, "force", 0, &force, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_integer(call, "splaylimit", -1, 0, 86400, &splaylimit,
                               msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (tags != NULL)
        argv[(*n)++] = "--tags", argv[(*n)++] = tags;
    if (skip != NULL)
        argv[(*n)++] = "--skip_tags", argv[(*n)++] = skip;
    if (env != NULL)
        argv[(*n)++] = "--environment", argv[(*n)++] = env;
    if (force)
        argv[(*n)++] = "--no-splay";
    else if (json_object_get(call->data, "splay") != NULL)
        rc = bool_flag(call, "splay", "--splay", "--no-splay", argv, n, msg,
                       msg_len);
    else
        argv[(*n)++] = "--no-splay";
    if (rc == MUSTER_OK && splaylimit >= 0 && !force) {
        snprintf(splaylimit_s, sl_size, "%lld", splaylimit);
        argv[(*n)++] = "--splaylimit", argv[(*n)++] = splaylimit_s;
    }
    if (rc == MUSTER_OK)
        rc = bool_flag(call, "use_cached_catalog", "--use_cached_catalog",
                       "--no-use_cached_catalog", argv, n, msg, msg_len);
    return rc;
}

/* Choria's checks before a run: disabled, applying, a server override. */
static int runonce_allowed(const struct muster_call *call, json_t *reply,
                           char *msg, size_t msg_len) {
    struct state_files f;
    int rc = state_files(&f, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (exists(f.disabled)) {
        json_t *m = disable_message(f.disabled);
        char why[512];
        snprintf(why, sizeof why,
                 json_string_length(m) ? "Puppet is disabled: '%s'"
                                       : "Puppet is disabled%s",
                 json_string_value(m));
        json_decref(m);
        return refuse(reply, "summary", msg, msg_len, why);
    }
    if (exists(f.running))
        return refuse(reply, "summary", msg, msg_len,
                      "Puppet is currently applying a catalog, cannot run "
                      "now");
    if (json_object_get(call->data, "server") != NULL)
        return refuse(reply, "summary", msg, msg_len,
                      "Passing 'server' option is not allowed in module "
                      "configuration");
    return MUSTER_OK;
}

static int runonce(const struct muster_host *host,
                   const struct muster_call *call, json_t *reply, char *msg,
                   size_t msg_len) {
    (void)host;
    const char *argv[24] = {"agent",
                            "--onetime",
                            "--no-daemonize",
                            "--color=false",
                            "--no-usecacheonfailure",
                            "--detailed-exitcodes"};
    int n = 6;
    char splaylimit[24];
    int rc = runonce_options(call, argv, &n, splaylimit, sizeof splaylimit, msg,
                             msg_len);
    if (rc == MUSTER_OK)
        rc = runonce_allowed(call, reply, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    argv[n] = NULL;
    json_object_set_new(reply, "initiated_at",
                        json_integer((json_int_t)time(NULL)));
    rc = agent_cmd(argv, RUN_TIMEOUT_MS, reply, msg, msg_len);
    char summary[256];
    snprintf(summary, sizeof summary,
             "Ran a Puppet agent in the foreground: exit code %lld",
             (long long)json_integer_value(json_object_get(reply, "exitcode")));
    json_object_set_new(reply, "summary",
                        rc == MUSTER_OK ? json_string(summary)
                                        : json_string(msg));
    return rc;
}

static int enable(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host, (void)call;
    static const char *const args[] = {"agent", "--enable", NULL};
    int rc = agent_cmd(args, CMD_TIMEOUT_MS, reply, msg, msg_len);
    if (rc != MUSTER_OK) {
        char why[512];
        snprintf(why, sizeof why, "Could not enable Puppet: %s", msg);
        return refuse(reply, "status", msg, msg_len, why);
    }
    json_object_set_new(reply, "status",
                        json_string("Succesfully enabled the Puppet agent"));
    return MUSTER_OK;
}

/*
 * puppet's option parser has no "--" here, so the message is allowlisted
 * and may not start with '-'.
 */
static int disable(const struct muster_host *host,
                   const struct muster_call *call, json_t *reply, char *msg,
                   size_t msg_len) {
    (void)host;
    const char *message = "disabled via muster";
    int rc = mst_agent_string(call, "message", MESSAGE_MAX_LEN, &message, msg,
                              msg_len);
    if (rc == MUSTER_MISSING_DATA)
        message = "disabled via muster";
    else if (rc != MUSTER_OK)
        return rc;
    if (!mst_agent_is_name(message, MESSAGE_EXTRA, MESSAGE_MAX_LEN))
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "message: letters, digits first, then also "
                              "'%s'",
                              MESSAGE_EXTRA);
    const char *args[] = {"agent", "--disable", message, NULL};
    char why[512];
    rc = agent_cmd(args, CMD_TIMEOUT_MS, reply, msg, msg_len);
    snprintf(why, sizeof why,
             rc == MUSTER_OK ? "Succesfully locked the Puppet agent: %s"
                             : "Could not disable Puppet: %s",
             rc == MUSTER_OK ? message : msg);
    if (rc != MUSTER_OK)
        return refuse(reply, "status", msg, msg_len, why);
    json_object_set_new(reply, "status", json_string(why));
    return MUSTER_OK;
}

/* Resources per type from Puppet's resourcefile ("type[title]" lines),
 * types capitalised by "::" part, as Choria counts them. */
static json_t *type_distribution(const char *path) {
    json_t *dist = json_object();
    char *text = NULL;
    size_t len = 0;
    struct mst_err err;
    if (path[0] == '\0' ||
        mst_file_read(path, SUMMARY_MAX, &text, &len, &err) != MST_OK)
        return dist;
    for (char *l = text; *l != '\0';) {
        size_t n = strcspn(l, "\n"), t = strcspn(l, "[\n");
        char type[128];
        size_t k = 0;
        for (size_t i = 0; i < t && k + 1 < sizeof type; i++) {
            int start =
                i == 0 || (i >= 2 && l[i - 1] == ':' && l[i - 2] == ':');
            char c = l[i];
            type[k++] = start && c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
        }
        type[k] = '\0';
        if (k > 0) { /* jansson refuses a key that is not UTF-8 */
            json_t *c = json_object_get(dist, type);
            json_object_set_new(dist, type,
                                json_integer(json_integer_value(c) + 1));
        }
        l += n + (l[n] == '\n');
    }
    free(text);
    return dist;
}

/*
 * Choria's last_run_summary, from last_run_summary.yaml.  `logs` stays
 * empty: they are in last_run_report.yaml, whose Ruby-tagged YAML muster
 * does not read (docs/agents.md).
 */
static int last_run_summary(const struct muster_host *host,
                            const struct muster_call *call, json_t *reply,
                            char *msg, size_t msg_len) {
    (void)host;
    struct state_files f;
    int logs;
    int rc = mst_agent_bool(call, "logs", 0, &logs, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = state_files(&f, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_t *s = load_summary(f.lastrun);
    static const struct {
        const char *out, *section, *key;
    } fields[] = {
        {"out_of_sync_resources", "resources", "out_of_sync"},
        {"failed_resources", "resources", "failed"},
        {"corrected_resources", "resources", "corrective_change"},
        {"changed_resources", "resources", "changed"},
        {"total_resources", "resources", "total"},
        {"total_time", "time", "total"},
        {"config_retrieval_time", "time", "config_retrieval"},
        {"lastrun", "time", "last_run"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        json_object_set_new(
            reply, fields[i].out,
            json_integer(summary_int(s, fields[i].section, fields[i].key, 0)));
    long long lastrun = summary_int(s, "time", "last_run", 0);
    json_object_set_new(reply, "since_lastrun",
                        json_integer((long long)time(NULL) - lastrun));
    json_t *cv = json_object_get(json_object_get(s, "version"), "config");
    json_object_set_new(reply, "config_version",
                        cv ? json_deep_copy(cv) : json_string("unknown"));
    json_object_set_new(reply, "type_distribution",
                        type_distribution(f.resources));
    json_object_set_new(reply, "logs", logs ? json_array() : json_object());
    json_object_set_new(reply, "summary", s);
    return MUSTER_OK;
}

/*
 * Choria's resource action applies a resource through Puppet's Ruby API,
 * and only for types its plugin configuration whitelists; the default
 * whitelist is empty, so it refuses every type.  muster has no such
 * configuration and refuses the same way, after checking the inputs.
 */
static int resource(const struct muster_host *host,
                    const struct muster_call *call, json_t *reply, char *msg,
                    size_t msg_len) {
    (void)host, (void)reply;
    const char *type, *name;
    int rc = mst_agent_name(call, "type", "_:", 50, &type, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_string(call, "name", 150, &name, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    char lower[64];
    size_t i = 0;
    for (; type[i] != '\0' && i + 1 < sizeof lower; i++)
        lower[i] =
            type[i] >= 'A' && type[i] <= 'Z' ? (char)(type[i] + 32) : type[i];
    lower[i] = '\0';
    return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                          "The %s type is not listed in the type whitelist",
                          lower);
}

static const struct muster_action actions[] = {
    {"runonce", runonce},
    {"status", status},
    {"enable", enable},
    {"disable", disable},
    {"last_run_summary", last_run_summary},
    {"resource", resource},
    {NULL, NULL},
};

MST_AGENT_EXPORT("puppet", activate, actions);
