/*
 * puppet.c - the puppet agent: runonce, status, enable, disable.  Active
 * only where the puppet command exists.
 *
 * runonce runs `puppet agent --onetime --no-daemonize` in the foreground
 * (the action has the DDL's long timeout and runs in a worker process),
 * so the caller learns how the run went.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_util.h"

#define RUN_TIMEOUT_MS 890000 /* under the DDL's 900 s */
#define CMD_TIMEOUT_MS 60000
#define MESSAGE_MAX_LEN 256
#define MESSAGE_EXTRA " _.,:@/()'-"

static int find_puppet(char *path, size_t size) {
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
    const char *argv[12];
    int n = 0;
    if (find_puppet(path, sizeof path) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "puppet is not installed");
    argv[n++] = path;
    for (; *args != NULL && n < 11; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    return mst_agent_run(argv, timeout_ms, NULL, res_r, msg, msg_len);
}

/* The paths of puppet's state files, from `puppet config print`. */
struct state_files {
    char disabled[1024], running[1024], lastrun[1024];
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

/* "last_run: SECONDS" from last_run_summary.yaml, or 0. */
static long long last_run(const char *path) {
    char buf[8192];
    FILE *f = path[0] ? fopen(path, "re") : NULL;
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strstr(buf, "last_run:");
    return p ? strtoll(p + strlen("last_run:"), NULL, 10) : 0;
}

static int add_status(json_t *reply, char *msg, size_t msg_len) {
    struct state_files f;
    int rc = state_files(&f, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    int enabled = !exists(f.disabled), applying = exists(f.running);
    json_object_set_new(reply, "enabled", json_boolean(enabled));
    json_object_set_new(reply, "applying", json_boolean(applying));
    json_object_set_new(reply, "disable_message",
                        enabled ? json_string("")
                                : disable_message(f.disabled));
    json_object_set_new(reply, "lastrun", json_integer(last_run(f.lastrun)));
    json_object_set_new(reply, "status",
                        json_string(!enabled   ? "disabled"
                                    : applying ? "applying"
                                               : "idling"));
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

static int runonce(const struct muster_host *host,
                   const struct muster_call *call, json_t *reply, char *msg,
                   size_t msg_len) {
    (void)host;
    json_t *noop = json_object_get(call->data, "noop");
    if (noop != NULL && !json_is_boolean(noop))
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "noop must be a boolean");
    struct state_files f;
    int rc = state_files(&f, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (exists(f.disabled))
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "puppet is disabled");
    const char *args[] = {"agent",
                          "--onetime",
                          "--no-daemonize",
                          "--no-splay",
                          "--no-usecacheonfailure",
                          "--detailed-exitcodes",
                          json_is_true(noop) ? "--noop" : NULL,
                          NULL};
    return agent_cmd(args, RUN_TIMEOUT_MS, reply, msg, msg_len);
}

static int enable(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host, (void)call;
    static const char *const args[] = {"agent", "--enable", NULL};
    return agent_cmd(args, CMD_TIMEOUT_MS, reply, msg, msg_len);
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
    return agent_cmd(args, CMD_TIMEOUT_MS, reply, msg, msg_len);
}

static const struct muster_action actions[] = {
    {"runonce", runonce}, {"status", status}, {"enable", enable},
    {"disable", disable}, {NULL, NULL},
};

MST_AGENT_EXPORT("puppet", activate, actions);
