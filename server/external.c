/*
 * external.c - one run of an external agent (Choria's external agent
 * protocol): files in, files out, logs from stdout and stderr.
 */
#include "external.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/status.h"
#include "base/util.h"

#define PROTOCOL_RPC "io.choria.mcorpc.external.v1.rpc_request"
#define PROTOCOL_ACTIVATION "io.choria.mcorpc.external.v1.activation_request"
#define SCHEMA_BASE "https://choria.io/schemas/mcorpc/external/v1/"
/* Activation checks are meant to be quick; their reply is tiny. */
#define ACTIVATION_MAX_OUTPUT (64 * 1024)
#define REQUEST_FILE "request.json"
#define REPLY_FILE "reply.json"
#define LINE_MAX_LEN 1024

int musterd_ext_user_resolve(const char *name, struct musterd_ext_user *user_r,
                             struct mst_err *err) {
    memset(user_r, 0, sizeof *user_r);
    if (geteuid() != 0 || strcmp(name, "root") == 0)
        return MST_OK;
    struct passwd *pw = getpwnam(name);
    if (pw == NULL)
        return mst_err_set(err, MST_ENOTFOUND,
                           "agents.run_as: no user \"%s\" on this node", name);
    user_r->drop = 1;
    user_r->uid = pw->pw_uid;
    user_r->gid = pw->pw_gid;
    return MST_OK;
}

int musterd_ext_mkdir(const struct musterd_ext_user *user, char *dir_r,
                      size_t len, struct mst_err *err) {
    if (mst_strlcpy(dir_r, "/tmp/musterd-agent.XXXXXX", len) >= len)
        return mst_err_set(err, MST_EINVAL, "directory name too long");
    if (mkdtemp(dir_r) == NULL)
        return mst_err_set(err, MST_EIO, "mkdtemp: %s", strerror(errno));
    if (user->drop && chown(dir_r, user->uid, user->gid) != 0) {
        int e = errno;
        musterd_ext_rmdir(dir_r);
        return mst_err_set(err, MST_EIO, "chown %s: %s", dir_r, strerror(e));
    }
    return MST_OK;
}

/* Not recursive: an agent's own sub-directories are its to clean. */
void musterd_ext_rmdir(const char *dir) {
    DIR *dh = opendir(dir);
    if (dh != NULL) {
        struct dirent *de;
        while ((de = readdir(dh)) != NULL)
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                unlinkat(dirfd(dh), de->d_name, 0);
        closedir(dh);
    }
    if (rmdir(dir) != 0 && errno != ENOENT)
        MST_LOG(MST_LOG_WARNING, "cannot remove %s: %s", dir, strerror(errno));
}

/* A file only `user` and root may read, with `text` in it. */
static int put_file(const char *path, const char *text,
                    const struct musterd_ext_user *user, struct mst_err *err) {
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
    size_t len = strlen(text), off = 0;
    int rc = MST_OK;
    if (user->drop && fchown(fd, user->uid, user->gid) != 0)
        rc = mst_err_set(err, MST_EIO, "chown %s: %s", path, strerror(errno));
    while (rc == MST_OK && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno != EINTR)
            rc = mst_err_set(err, MST_EIO, "%s: %s", path, strerror(errno));
        off += w > 0 ? (size_t)w : 0;
    }
    close(fd);
    return rc;
}

struct run {
    const char *argv[5];
    const char *envp[5];
    char req[PATH_MAX], rep[PATH_MAX];
    char env_req[PATH_MAX + 32], env_rep[PATH_MAX + 32], env_proto[128];
};

/* In the forked child before execve: only the agent's own state survives. */
static void exec_agent(const struct run *r, const char *dir,
                       const struct musterd_ext_user *user, int out_fd,
                       int err_fd) {
    mst_proc_reset_signals();
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
        dup2(err_fd, 2) < 0)
        _exit(126);
    closefrom(3);
    if (chdir(dir) != 0)
        _exit(126);
    if (user->drop && (setgroups(0, NULL) != 0 || setgid(user->gid) != 0 ||
                       setuid(user->uid) != 0))
        _exit(126);
    execve(r->argv[0], (char *const *)r->argv, (char *const *)r->envp);
    _exit(127);
}

/* One of the agent's output streams, logged line by line. */
struct stream {
    int fd;
    int level;
    char line[LINE_MAX_LEN];
    size_t len;
};

static void flush_line(struct stream *s, const char *name) {
    if (s->len > 0)
        MST_LOG(s->level, "agent %s: %.*s", name, (int)s->len, s->line);
    s->len = 0;
}

/* Read what is there; returns bytes read, 0 at end of file. */
static ssize_t pump(struct stream *s, const char *name) {
    char buf[4096];
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || s->len == sizeof s->line)
            flush_line(s, name);
        if (buf[i] != '\n')
            s->line[s->len++] = buf[i];
    }
    return n;
}

/* Log both streams until they close; kill the agent past `max` bytes. */
static int watch(pid_t pid, struct stream *st, const char *name, size_t max) {
    size_t total = 0;
    int open_n = 2, too_big = 0;
    while (open_n > 0) {
        struct pollfd p[2];
        for (int i = 0; i < 2; i++)
            p[i] = (struct pollfd){.fd = st[i].fd, .events = POLLIN};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (st[i].fd < 0 || p[i].revents == 0)
                continue;
            ssize_t n = pump(&st[i], name);
            total += n > 0 ? (size_t)n : 0;
            if (n == 0) {
                flush_line(&st[i], name);
                close(st[i].fd);
                st[i].fd = -1;
                open_n--;
            }
        }
        if (total > max && !too_big) {
            too_big = 1;
            kill(pid, SIGKILL);
        }
    }
    for (int i = 0; i < 2; i++)
        if (st[i].fd >= 0)
            close(st[i].fd);
    return too_big;
}

static int read_reply(const char *path, size_t max, json_t **reply_r,
                      struct mst_err *err) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return mst_err_set(err, MST_EDECODE, "no reply file: %s",
                           strerror(errno));
    char *buf = NULL;
    size_t len = 0;
    int rc = mst_file_read_fd(fd, "reply file", max, &buf, &len, err);
    close(fd);
    json_error_t je;
    if (rc == MST_OK) {
        *reply_r = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (*reply_r == NULL || !json_is_object(*reply_r)) {
            json_decref(*reply_r);
            *reply_r = NULL;
            rc = mst_err_set(err, MST_EDECODE, "reply is not a JSON object%s%s",
                             len ? ": " : " (empty)", len ? je.text : "");
        }
    }
    free(buf);
    return rc;
}

static int outcome(int status, int too_big, size_t max, struct mst_err *err) {
    if (too_big)
        return mst_err_set(err, MST_ETOOBIG, "printed more than %zu bytes",
                           max);
    if (WIFSIGNALED(status))
        return mst_err_set(err, MST_EIO, "crashed (signal %d)",
                           WTERMSIG(status));
    if (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127)
        return mst_err_set(err, MST_EIO, "could not be started (status %d)",
                           WEXITSTATUS(status));
    if (WEXITSTATUS(status) != 0)
        return mst_err_set(err, MST_EIO, "exited with status %d",
                           WEXITSTATUS(status));
    return MST_OK;
}

static int prepare(struct run *r, const char *path, const char *dir,
                   const char *protocol, const json_t *request,
                   const struct musterd_ext_user *user, struct mst_err *err) {
    snprintf(r->req, sizeof r->req, "%s/" REQUEST_FILE, dir);
    snprintf(r->rep, sizeof r->rep, "%s/" REPLY_FILE, dir);
    snprintf(r->env_req, sizeof r->env_req, "CHORIA_EXTERNAL_REQUEST=%s",
             r->req);
    snprintf(r->env_rep, sizeof r->env_rep, "CHORIA_EXTERNAL_REPLY=%s", r->rep);
    snprintf(r->env_proto, sizeof r->env_proto, "CHORIA_EXTERNAL_PROTOCOL=%s",
             protocol);
    const char *argv[] = {path, r->req, r->rep, protocol, NULL};
    const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", r->env_req,
                          r->env_rep, r->env_proto, NULL};
    memcpy(r->argv, argv, sizeof argv);
    memcpy(r->envp, envp, sizeof envp);
    char *text = json_dumps(request, JSON_COMPACT);
    if (text == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = put_file(r->req, text, user, err);
    free(text);
    return rc == MST_OK ? put_file(r->rep, "", user, err) : rc;
}

int musterd_ext_run(const char *path, const char *name, const char *dir,
                    const char *protocol, const json_t *request,
                    const struct musterd_ext_user *user, size_t max_output,
                    json_t **reply_r, struct mst_err *err) {
    struct run r;
    int out[2], errp[2];
    *reply_r = NULL;
    int rc = prepare(&r, path, dir, protocol, request, user, err);
    if (rc != MST_OK)
        return rc;
    if (pipe2(out, O_CLOEXEC) != 0)
        return mst_err_set(err, MST_EIO, "pipe: %s", strerror(errno));
    if (pipe2(errp, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return mst_err_set(err, MST_EIO, "pipe: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid == 0)
        exec_agent(&r, dir, user, out[1], errp[1]);
    close(out[1]);
    close(errp[1]);
    struct stream st[2] = {{.fd = out[0], .level = MST_LOG_INFO},
                           {.fd = errp[0], .level = MST_LOG_ERR}};
    if (pid < 0) {
        close(out[0]);
        close(errp[0]);
        return mst_err_set(err, MST_EIO, "fork: %s", strerror(errno));
    }
    int too_big = watch(pid, st, name, max_output);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    rc = outcome(status, too_big, max_output, err);
    return rc == MST_OK ? read_reply(r.rep, max_output, reply_r, err) : rc;
}

/* Choria's rpc_request; the ttl and msgtime in seconds, as it defines. */
static json_t *rpc_request(const struct mst_request *req) {
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:I, s:I, s:O}", "$schema",
        SCHEMA_BASE "rpc_request.json", "protocol", PROTOCOL_RPC, "agent",
        req->agent, "action", req->action, "requestid", req->id, "senderid",
        req->sender, "callerid", req->caller, "collective", req->collective,
        "ttl", (json_int_t)(req->ttl_ms / 1000), "msgtime",
        (json_int_t)(req->time_ms / 1000), "data", req->data);
}

/* Choria's reply: statuscode 0..5, statusmsg and data optional. */
static int rpc_reply(const json_t *rep, int *status_r, char *msg,
                     size_t msg_len, json_t **data_r, struct mst_err *err) {
    json_t *code = json_object_get(rep, "statuscode");
    json_t *text = json_object_get(rep, "statusmsg");
    json_t *data = json_object_get(rep, "data");
    if ((code && !json_is_integer(code)) || (text && !json_is_string(text)) ||
        (data && !json_is_object(data) && !json_is_null(data)))
        return mst_err_set(err, MST_EDECODE, "replied with wrong types");
    json_int_t c = code ? json_integer_value(code) : 0;
    *status_r = c < 0 || c > INT_MAX ? INT_MAX : (int)c;
    mst_strlcpy(msg, text ? json_string_value(text) : "", msg_len);
    *data_r = json_is_object(data) ? json_incref(data) : NULL;
    return MST_OK;
}

int musterd_ext_rpc(const char *path, const struct mst_request *req,
                    const char *dir, const struct musterd_ext_user *user,
                    size_t max_output, int *status_r, char *msg, size_t msg_len,
                    json_t **data_r, struct mst_err *err) {
    json_t *rep = NULL;
    json_t *rq = rpc_request(req);
    int rc = rq ? musterd_ext_run(path, req->agent, dir, PROTOCOL_RPC, rq, user,
                                  max_output, &rep, err)
                : mst_err_set(err, MST_ENOMEM, "out of memory");
    json_decref(rq);
    if (rc == MST_OK)
        rc = rpc_reply(rep, status_r, msg, msg_len, data_r, err);
    json_decref(rep);
    return rc;
}

int musterd_ext_activate(const char *path, const char *name,
                         const struct musterd_ext_user *user, int *active_r,
                         struct mst_err *err) {
    char dir[64];
    json_t *rep = NULL;
    *active_r = 0;
    json_t *rq = json_pack("{s:s, s:s, s:s}", "$schema",
                           SCHEMA_BASE "activation_request.json", "protocol",
                           PROTOCOL_ACTIVATION, "agent", name);
    if (rq == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = musterd_ext_mkdir(user, dir, sizeof dir, err);
    if (rc == MST_OK) {
        rc = musterd_ext_run(path, name, dir, PROTOCOL_ACTIVATION, rq, user,
                             ACTIVATION_MAX_OUTPUT, &rep, err);
        musterd_ext_rmdir(dir);
    }
    json_decref(rq);
    *active_r = rc == MST_OK && json_is_true(json_object_get(rep, "activate"));
    json_decref(rep);
    return rc;
}
