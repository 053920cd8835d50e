/*
 * external.h - run an external agent once, the way Choria does: the request
 * as JSON in a file, the reply as JSON in another, both paths as arguments
 * and in the environment.  This file alone knows the protocol's JSON (the
 * rpc and activation requests and their replies).  Blocking: call it only
 * inside a worker process (or at start-up); the daemon bounds its time by
 * killing the worker's process group.
 */
#ifndef MUSTERD_EXTERNAL_H
#define MUSTERD_EXTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "wire/request.h"

/* Who external agents run as (agents.run_as). */
struct musterd_ext_user {
    int drop; /* non-zero: switch to uid/gid before execve */
    uid_t uid;
    gid_t gid;
};

/*
 * What Choria gives an external agent besides its request (all borrowed):
 * CHORIA_EXTERNAL_CONFIG names DIR/plugin.d/AGENT, DIR being the directory
 * of musterd's configuration file (as go-choria does beside its own), and
 * CHORIA_EXTERNAL_FACTS a file in the run directory holding `facts`.
 */
struct musterd_ext_env {
    const struct musterd_ext_user *user;
    const char *config_file; /* musterd's; NULL: MST_SYSCONFDIR/server.cfg */
    const json_t *facts;     /* an object, or NULL for {} */
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
 * musterd_ext_rpc - run `req` with the external agent at `path` in the run
 * directory `dir` (musterd_ext_mkdir) as env->user: the request becomes
 * Choria's rpc_request (its ttl in whole seconds, the protocol's unit),
 * the agent's reply its status in *status_r (as the agent said; the
 * caller checks the range), its statusmsg in `msg` (size `msg_len`, ""
 * when absent) and its data in *data_r (a new object, or NULL; caller
 * decrefs).  More than `max_output` bytes of output or reply kill it.
 * Returns MST_OK, or as musterd_ext_run, or MST_EDECODE when the reply has
 * the wrong types, with the reason in `err`.
 */
int musterd_ext_rpc(const char *path, const struct mst_request *req,
                    const char *dir, const struct musterd_ext_env *env,
                    size_t max_output, int *status_r, char *msg, size_t msg_len,
                    json_t **data_r, struct mst_err *err);

/*
 * musterd_ext_activate - Choria's activation check of the external agent
 * `name` at `path`, in a run directory of its own, as env->user: *active_r is
 * 1 when it answered {"activate": true}, else 0.  Returns MST_OK, or as
 * musterd_ext_run with the reason in `err`.
 */
int musterd_ext_activate(const char *path, const char *name,
                         const struct musterd_ext_env *env, int *active_r,
                         struct mst_err *err);

/*
 * musterd_ext_run - run the agent at `path` as
 * `path DIR/request.json DIR/reply.json PROTOCOL`, with `request` (borrowed)
 * in the request file, the same three values in CHORIA_EXTERNAL_REQUEST,
 * _REPLY and _PROTOCOL, CHORIA_EXTERNAL_CONFIG and _FACTS (`env`, above),
 * and nothing else but PATH in the environment, as env->user.  Its
 * stdout is logged as info and stderr as errors, "agent NAME: line"; more
 * than `max_output` bytes of output (or of reply) kills it.  Returns MST_OK
 * with the parsed reply object in *reply_r (caller decrefs), or MST_EIO
 * ("crashed (signal N)", "exited with status N", "not executable by USER:
 * permission denied on DIR" and other reasons execve gave),
 * MST_ETOOBIG, MST_EDECODE (no valid JSON object in the reply file), with
 * the reason in `err`.  Never returns before the agent was reaped.
 */
int musterd_ext_run(const char *path, const char *name, const char *dir,
                    const char *protocol, const json_t *request,
                    const struct musterd_ext_env *env, size_t max_output,
                    json_t **reply_r, struct mst_err *err);

#endif
