/*
 * external.h - run an external agent once, the way Choria does: the request
 * as JSON in a file, the reply as JSON in another, both paths as arguments
 * and in the environment.  Blocking: call it only inside a worker process
 * (or at start-up); the daemon bounds its time by killing the worker's
 * process group.
 */
#ifndef MST_EXTERNAL_H
#define MST_EXTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

#define MUSTERD_EXT_RPC "io.choria.mcorpc.external.v1.rpc_request"
#define MUSTERD_EXT_ACTIVATION "io.choria.mcorpc.external.v1.activation_request"

/* Who external agents run as (agents.run_as). */
struct musterd_ext_user {
    int drop; /* non-zero: switch to uid/gid before execve */
    uid_t uid;
    gid_t gid;
};

/*
 * musterd_ext_user_resolve - turn agents.run_as into `user_r`: no change
 * when musterd is not root or `name` is "root" (root allowed explicitly),
 * else the uid/gid of `name`.  MST_ENOTFOUND for an unknown user.
 */
int musterd_ext_user_resolve(const char *name, struct musterd_ext_user *user_r,
                             struct mst_err *err);

/*
 * musterd_ext_mkdir - a new private directory for one run, owned by `user`,
 * its path in `dir_r` (size `len`).  Remove it with musterd_ext_rmdir.
 */
int musterd_ext_mkdir(const struct musterd_ext_user *user, char *dir_r,
                      size_t len, struct mst_err *err);

/* musterd_ext_rmdir - remove a run's directory and the files in it. */
void musterd_ext_rmdir(const char *dir);

/*
 * musterd_ext_run - run the agent at `path` as
 * `path DIR/request.json DIR/reply.json PROTOCOL`, with `request` (borrowed)
 * in the request file, the same three values in CHORIA_EXTERNAL_REQUEST,
 * _REPLY and _PROTOCOL, and nothing else but PATH in the environment.  Its
 * stdout is logged as info and stderr as errors, "agent NAME: line"; more
 * than `max_output` bytes of output (or of reply) kills it.  Returns MST_OK
 * with the parsed reply object in *reply_r (caller decrefs), or MST_EIO
 * ("crashed (signal N)", "exited with status N", cannot start),
 * MST_ETOOBIG, MST_EDECODE (no valid JSON object in the reply file), with
 * the reason in `err`.  Never returns before the agent was reaped.
 */
int musterd_ext_run(const char *path, const char *name, const char *dir,
                    const char *protocol, const json_t *request,
                    const struct musterd_ext_user *user, size_t max_output,
                    json_t **reply_r, struct mst_err *err);

#endif
