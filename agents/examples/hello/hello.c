/*
 * hello.c - a muster agent built out of tree, against the installed SDK
 * only (<muster/agent.h>, muster-agent.pc):
 *
 *     cc -shared -fPIC -o hello.so hello.c \
 *        $(pkg-config --cflags --libs muster-agent)
 *
 * Put hello.so and hello.json side by side in musterd's agents.dir, then
 * `muster rpc hello greet name=World`.  Every action runs in a worker
 * process of its own, with the inputs already validated against
 * hello.json.
 */
#include <stdio.h>

#include <muster/agent.h>

/* greet: {"name": "World"} -> {"message": "Hello, World, from node1"} */
static int greet(const struct muster_host *host, const struct muster_call *call,
                 json_t *reply, char *statusmsg, size_t statusmsg_len) {
    const char *name = json_string_value(json_object_get(call->data, "name"));
    json_t *identity = host->query(host, "identity");
    char text[256];
    snprintf(text, sizeof text, "Hello, %s, from %s", name,
             json_is_string(identity) ? json_string_value(identity) : "?");
    json_decref(identity);
    if (json_object_set_new(reply, "message", json_string(text)) != 0) {
        snprintf(statusmsg, statusmsg_len, "out of memory");
        return MUSTER_ABORTED;
    }
    host->log(host, 6, "hello: greeted %s for %s", name, call->caller);
    return MUSTER_OK;
}

static const struct muster_action actions[] = {
    {"greet", greet},
    {NULL, NULL},
};

const struct muster_agent muster_agent = {
    .abi_version = MUSTER_AGENT_ABI_VERSION,
    .struct_size = sizeof(struct muster_agent),
    .name = "hello",
    .version = "1.0.0",
    .actions = actions,
};
