/*
 * service.c - the service agent: status, start, stop, restart of one
 * service, with systemctl when systemd runs and the `service` command
 * (SysV init scripts in /etc/init.d) when it does not.
 *
 * The name is checked against a strict allowlist that starts with a
 * letter or digit, so neither tool can take it for an option; systemctl
 * also gets "--" before it (`service` has no such separator).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_util.h"

#define NAME_MAX_LEN 128
#define NAME_EXTRA "@._:-"
#define STATUS_TIMEOUT_MS 20000
#define CHANGE_TIMEOUT_MS 110000 /* under the DDL's 120 s */
#define INIT_DIR "/etc/init.d/"

/* The tool that manages services here; path in `tool`. */
struct manager {
    char tool[256];
    int systemd;
};

/* systemd runs iff /run/systemd/system exists (as sd_booted(3) checks). */
static int find_manager(struct manager *m) {
    struct stat st;
    m->systemd = stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
    return mst_proc_find(m->systemd ? "systemctl" : "service", m->tool,
                         sizeof m->tool) == 0
               ? 0
               : -1;
}

static int activate(const struct muster_host *host) {
    (void)host;
    struct manager m;
    return find_manager(&m) == 0;
}

/* Value of "KEY=" in systemctl show output, copied into `val`. */
static void show_value(const char *out, const char *key, char *val,
                       size_t size) {
    size_t klen = strlen(key);
    val[0] = '\0';
    for (const char *p = out; p != NULL && *p; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            p += klen + 1;
            snprintf(val, size, "%.*s", (int)strcspn(p, "\n"), p);
            return;
        }
    }
}

static int systemd_status(const struct manager *m, const char *name,
                          json_t *reply, char *msg, size_t msg_len) {
    const char *argv[] = {
        m->tool, "show", "--property=LoadState,ActiveState,SubState",
        "--",    name,   NULL};
    struct mst_proc_result res;
    int rc = mst_agent_run(argv, STATUS_TIMEOUT_MS, NULL, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    char load[64], active[64], sub[64];
    show_value(res.out, "LoadState", load, sizeof load);
    show_value(res.out, "ActiveState", active, sizeof active);
    show_value(res.out, "SubState", sub, sizeof sub);
    if (res.exit_code != 0)
        rc = mst_agent_tool_failed(m->tool, &res, msg, msg_len);
    else if (strcmp(load, "not-found") == 0)
        rc = mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: no such service",
                            name);
    mst_proc_result_free(&res);
    if (rc != MUSTER_OK)
        return rc;
    int running =
        strcmp(active, "active") == 0 || strcmp(active, "reloading") == 0;
    json_object_set_new(reply, "status",
                        json_string(running ? "running" : "stopped"));
    json_object_set_new(reply, "detail", mst_agent_text(sub, strlen(sub)));
    return MUSTER_OK;
}

/* LSB init script status codes: 0 running, 1-3 not running, 4 unknown. */
static int sysv_status(const struct manager *m, const char *name, json_t *reply,
                       char *msg, size_t msg_len) {
    char script[sizeof INIT_DIR + NAME_MAX_LEN];
    struct stat st;
    snprintf(script, sizeof script, INIT_DIR "%s", name);
    if (lstat(script, &st) != 0 || !S_ISREG(st.st_mode))
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s: no such service", name);
    const char *argv[] = {m->tool, name, "status", NULL};
    struct mst_proc_result res;
    int rc = mst_agent_run(argv, STATUS_TIMEOUT_MS, NULL, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    const char *state = res.exit_code == 0                         ? "running"
                        : res.exit_code >= 1 && res.exit_code <= 3 ? "stopped"
                                                                   : "unknown";
    json_object_set_new(reply, "status", json_string(state));
    json_object_set_new(reply, "detail", mst_agent_first_line(res.out));
    mst_proc_result_free(&res);
    return MUSTER_OK;
}

static int query(const struct manager *m, const char *name, json_t *reply,
                 char *msg, size_t msg_len) {
    json_object_set_new(reply, "name", json_string(name));
    json_object_set_new(reply, "manager",
                        json_string(m->systemd ? "systemd" : "sysv"));
    return m->systemd ? systemd_status(m, name, reply, msg, msg_len)
                      : sysv_status(m, name, reply, msg, msg_len);
}

/* Checks shared by every action; fills `m` and *name_r. */
static int prepare(const struct muster_call *call, struct manager *m,
                   const char **name_r, char *msg, size_t msg_len) {
    int rc = mst_agent_name(call, "service", NAME_EXTRA, NAME_MAX_LEN, name_r,
                            msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (find_manager(m) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "neither systemctl nor service is installed");
    return MUSTER_OK;
}

static int status(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host;
    struct manager m;
    const char *name;
    int rc = prepare(call, &m, &name, msg, msg_len);
    return rc != MUSTER_OK ? rc : query(&m, name, reply, msg, msg_len);
}

/* start, stop, restart: the verb is the action's name. */
static int change(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host;
    struct manager m;
    const char *name, *verb = call->action;
    int rc = prepare(call, &m, &name, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (verb == NULL ||
        (strcmp(verb, "start") != 0 && strcmp(verb, "stop") != 0 &&
         strcmp(verb, "restart") != 0))
        return MUSTER_UNKNOWN_ACTION;
    rc = query(&m, name, reply, msg, msg_len); /* refuses unknown names */
    if (rc != MUSTER_OK)
        return rc;
    /* as Choria: starting a running service or stopping a stopped one is
     * refused (with the status filled), and nothing runs */
    const char *now = json_string_value(json_object_get(reply, "status"));
    if (strcmp(verb, "start") == 0 && strcmp(now, "running") == 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Could not start '%s': Service is already "
                              "running",
                              name);
    if (strcmp(verb, "stop") == 0 && strcmp(now, "stopped") == 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Could not stop '%s': Service is already "
                              "stopped",
                              name);
    const char *sd_argv[] = {m.tool, verb, "--", name, NULL};
    const char *sysv_argv[] = {m.tool, name, verb, NULL};
    struct mst_proc_result res;
    rc = mst_agent_run(m.systemd ? sd_argv : sysv_argv, CHANGE_TIMEOUT_MS, NULL,
                       &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (res.exit_code != 0)
        rc = mst_agent_tool_failed(m.tool, &res, msg, msg_len);
    mst_proc_result_free(&res);
    return rc != MUSTER_OK ? rc : query(&m, name, reply, msg, msg_len);
}

static const struct muster_action actions[] = {
    {"status", status},  {"start", change}, {"stop", change},
    {"restart", change}, {NULL, NULL},
};

MST_AGENT_EXPORT("service", activate, actions);
