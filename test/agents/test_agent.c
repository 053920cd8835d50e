/*
 * test_agent.c - a C agent plugin for the integration tests: one action
 * per outcome musterd must report (ok, fail, hang, crash, echo, big).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "muster/agent.h"

static int act_ok(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t len) {
    (void)msg, (void)len;
    host->log(host, 6, "test_agent ok for %s", call->caller);
    json_object_set_new(reply, "message", json_string("all good"));
    json_object_set_new(reply, "pid", json_integer(getpid()));
    return MUSTER_OK;
}

static int act_fail(const struct muster_host *host,
                    const struct muster_call *call, json_t *reply, char *msg,
                    size_t len) {
    (void)host, (void)call, (void)reply;
    snprintf(msg, len, "failed on purpose");
    return MUSTER_ABORTED;
}

/* Sleeps well past the DDL timeout (2 s): musterd must kill it.  The log
 * line is the marker that it started (15-slow-agents.sh). */
static int act_hang(const struct muster_host *host,
                    const struct muster_call *call, json_t *reply, char *msg,
                    size_t len) {
    (void)reply, (void)msg, (void)len;
    host->log(host, 6, "test_agent hang started for request %s", call->id);
    for (int i = 0; i < 600; i++)
        sleep(1);
    return MUSTER_OK;
}

static int act_crash(const struct muster_host *host,
                     const struct muster_call *call, json_t *reply, char *msg,
                     size_t len) {
    (void)host, (void)call, (void)reply, (void)msg, (void)len;
    raise(SIGSEGV);
    return MUSTER_OK;
}

static int act_echo(const struct muster_host *host,
                    const struct muster_call *call, json_t *reply, char *msg,
                    size_t len) {
    (void)host, (void)msg, (void)len;
    json_object_set(reply, "message", json_object_get(call->data, "message"));
    return MUSTER_OK;
}

/* More output than agents.max_output allows in the test. */
static int act_big(const struct muster_host *host,
                   const struct muster_call *call, json_t *reply, char *msg,
                   size_t len) {
    (void)host, (void)call, (void)msg, (void)len;
    static char blob[256 * 1024];
    memset(blob, 'x', sizeof blob - 1);
    json_object_set_new(reply, "message", json_string(blob));
    return MUSTER_OK;
}

static const struct muster_action actions[] = {
    {"ok", act_ok},       {"fail", act_fail}, {"hang", act_hang},
    {"crash", act_crash}, {"echo", act_echo}, {"big", act_big},
    {NULL, NULL},
};

__attribute__((visibility("default")))
const struct muster_agent muster_agent = {
    .abi_version = MUSTER_AGENT_ABI_VERSION,
    .struct_size = sizeof(struct muster_agent),
    .name = "test_agent",
    .version = "1.0.0",
    .activate = NULL,
    .actions = actions,
};
