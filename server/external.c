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
#include "mst_build.h"

#define PROTOCOL_RPC "io.choria.mcorpc.external.v1.rpc_request"
#define PROTOCOL_ACTIVATION "io.choria.mcorpc.external.v1.activation_request"
#define SCHEMA_BASE "https://choria.io/schemas/mcorpc/external/v1/"
/* Activation checks are meant to be quick; their reply is tiny. */
#define ACTIVATION_MAX_OUTPUT (64 * 1024)
#define REQUEST_FILE "request.json"
#define REPLY_FILE "reply.json"
#define FACTS_FILE "facts.json"
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
    /* $TMPDIR as every Unix tool reads it (absolute paths only), so a
     * unit or a test can give the daemon its own place; else /tmp. */
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] != '/')
        base = "/tmp";
    int n = snprintf(dir_r, len, "%s/musterd-agent.XXXXXX", base);
    if (n < 0 || (size_t)n >= len)
        return mst_err_set(err, MST_EINVAL, "TMPDIR %s: name too long", base);
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
    const char *envp[7];
    char req[PATH_MAX], rep[PATH_MAX], facts[PATH_MAX];
    char env_req[PATH_MAX + 32], env_rep[PATH_MAX + 32], env_proto[128];
    char env_config[2 * PATH_MAX], env_facts[PATH_MAX + 32];
};

/* The child reports why execve failed (its errno) on this descriptor. */
#define EXEC_ERR_FD 3

/* In the forked child before execve: only the agent's own state survives. */
static void exec_agent(const struct run *r, const char *dir,
                       const struct musterd_ext_user *user, int out_fd,
                       int err_fd, int exec_fd) {
    mst_proc_reset_signals();
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
        dup2(err_fd, 2) < 0 || dup2(exec_fd, EXEC_ERR_FD) < 0 ||
        fcntl(EXEC_ERR_FD, F_SETFD, FD_CLOEXEC) < 0)
        _exit(126);
    closefrom(EXEC_ERR_FD + 1);
    if (chdir(dir) != 0)
        _exit(126);
    if (user->drop && (setgroups(0, NULL) != 0 || setgid(user->gid) != 0 ||
                       setuid(user->uid) != 0))
        _exit(126);
    execve(r->argv[0], (char *const *)r->argv, (char *const *)r->envp);
    int e = errno;
    if (write(EXEC_ERR_FD, &e, sizeof e) != (ssize_t)sizeof e) {
        /* nothing more to say: the exit status tells the rest */
    }
    _exit(127);
}

/* Whether uid/gid (no supplementary groups: the agent has none) may
 * search the directory or execute the file `st` describes. */
static int may_exec(const struct stat *st, uid_t uid, gid_t gid) {
    if (uid == 0)
        return S_ISDIR(st->st_mode) || (st->st_mode & 0111) != 0;
    int shift = st->st_uid == uid ? 6 : st->st_gid == gid ? 3 : 0;
    return (st->st_mode & (01 << shift)) != 0;
}

/* Why the agent's user cannot execute `path` when execve said EACCES: the
 * first directory on the way it may not search, or else the file. */
static int denied(const char *path, const struct musterd_ext_user *user,
                  struct mst_err *err) {
    uid_t uid = user->drop ? user->uid : geteuid();
    gid_t gid = user->drop ? user->gid : getegid();
    const struct passwd *pw = getpwuid(uid);
    char who[64], where[PATH_MAX];
    snprintf(who, sizeof who, "%s", pw ? pw->pw_name : "this user");
    mst_strlcpy(where, path, sizeof where);
    struct stat st;
    for (const char *slash = strchr(path + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        snprintf(where, sizeof where, "%.*s", (int)(slash - path), path);
        if (stat(where, &st) == 0 && !may_exec(&st, uid, gid))
            break;
        mst_strlcpy(where, path, sizeof where);
    }
    return mst_err_set(err, MST_EIO,
                       "not executable by %s: permission denied on %s", who,
                       where);
}

/* What the child's execve said: MST_OK when it ran the agent. */
static int exec_result(int fd, const char *path,
                       const struct musterd_ext_user *user,
                       struct mst_err *err) {
    int e = 0;
    ssize_t n = read(fd, &e, sizeof e);
    close(fd);
    if (n != (ssize_t)sizeof e)
        return MST_OK;
    if (e == EACCES)
        return denied(path, user, err);
    return mst_err_set(err, MST_EIO, "cannot be executed: %s", strerror(e));
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

/* CHORIA_EXTERNAL_CONFIG: DIR/plugin.d/AGENT, DIR the absolute directory
 * of musterd's configuration file. */
static void config_env(char *out, size_t size, const char *config_file,
                       const char *agent) {
    char dir[PATH_MAX], abs[PATH_MAX];
    const char *file = config_file ? config_file : MST_SYSCONFDIR "/server.cfg";
    const char *slash = strrchr(file, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - file) : 1,
             slash ? file : ".");
    if (dir[0] == '\0')
        strcpy(dir, "/");
    snprintf(out, size, "CHORIA_EXTERNAL_CONFIG=%s/plugin.d/%s",
             realpath(dir, abs) ? abs : dir, agent);
}

static int put_json(const char *path, const json_t *v,
                    const struct musterd_ext_user *user, struct mst_err *err) {
    char *text =
        json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(MST_JSON_REAL_DIGITS));
    if (text == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = put_file(path, text, user, err);
    free(text);
    return rc;
}

static int prepare(struct run *r, const char *path, const char *name,
                   const char *dir, const char *protocol, const json_t *request,
                   const struct musterd_ext_env *env, struct mst_err *err) {
    snprintf(r->req, sizeof r->req, "%s/" REQUEST_FILE, dir);
    snprintf(r->rep, sizeof r->rep, "%s/" REPLY_FILE, dir);
    snprintf(r->facts, sizeof r->facts, "%s/" FACTS_FILE, dir);
    snprintf(r->env_req, sizeof r->env_req, "CHORIA_EXTERNAL_REQUEST=%s",
             r->req);
    snprintf(r->env_rep, sizeof r->env_rep, "CHORIA_EXTERNAL_REPLY=%s", r->rep);
    snprintf(r->env_proto, sizeof r->env_proto, "CHORIA_EXTERNAL_PROTOCOL=%s",
             protocol);
    config_env(r->env_config, sizeof r->env_config, env->config_file, name);
    snprintf(r->env_facts, sizeof r->env_facts, "CHORIA_EXTERNAL_FACTS=%s",
             r->facts);
    const char *argv[] = {path, r->req, r->rep, protocol, NULL};
    const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                          r->env_req,
                          r->env_rep,
                          r->env_proto,
                          r->env_config,
                          r->env_facts,
                          NULL};
    memcpy(r->argv, argv, sizeof argv);
    memcpy(r->envp, envp, sizeof envp);
    json_t *none = env->facts ? NULL : json_object();
    int rc = put_json(r->req, request, env->user, err);
    if (rc == MST_OK)
        rc = put_json(r->facts, env->facts ? env->facts : none, env->user, err);
    json_decref(none);
    return rc == MST_OK ? put_file(r->rep, "", env->user, err) : rc;
}

int musterd_ext_run(const char *path, const char *name, const char *dir,
                    const char *protocol, const json_t *request,
                    const struct musterd_ext_env *env, size_t max_output,
                    json_t **reply_r, struct mst_err *err) {
    struct run r;
    /* stdout, stderr, and execve's errno */
    int p[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
    *reply_r = NULL;
    int rc = prepare(&r, path, name, dir, protocol, request, env, err);
    if (rc != MST_OK)
        return rc;
    for (int i = 0; i < 3 && rc == MST_OK; i++)
        if (pipe2(p[i], O_CLOEXEC) != 0)
            rc = mst_err_set(err, MST_EIO, "pipe: %s", strerror(errno));
    pid_t pid = rc == MST_OK ? fork() : -1;
    if (pid == 0)
        exec_agent(&r, dir, env->user, p[0][1], p[1][1], p[2][1]);
    if (pid < 0 && rc == MST_OK)
        rc = mst_err_set(err, MST_EIO, "fork: %s", strerror(errno));
    for (int i = 0; i < 3; i++) {
        if (p[i][1] >= 0)
            close(p[i][1]);
        if (rc != MST_OK && p[i][0] >= 0)
            close(p[i][0]);
    }
    if (rc != MST_OK)
        return rc;
    struct stream st[2] = {{.fd = p[0][0], .level = MST_LOG_INFO},
                           {.fd = p[1][0], .level = MST_LOG_ERR}};
    int too_big = watch(pid, st, name, max_output);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    rc = exec_result(p[2][0], path, env->user, err);
    if (rc == MST_OK)
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
                    const char *dir, const struct musterd_ext_env *env,
                    size_t max_output, int *status_r, char *msg, size_t msg_len,
                    json_t **data_r, struct mst_err *err) {
    json_t *rep = NULL;
    json_t *rq = rpc_request(req);
    int rc = rq ? musterd_ext_run(path, req->agent, dir, PROTOCOL_RPC, rq, env,
                                  max_output, &rep, err)
                : mst_err_set(err, MST_ENOMEM, "out of memory");
    json_decref(rq);
    if (rc == MST_OK)
        rc = rpc_reply(rep, status_r, msg, msg_len, data_r, err);
    json_decref(rep);
    return rc;
}

int musterd_ext_activate(const char *path, const char *name,
                         const struct musterd_ext_env *env, int *active_r,
                         struct mst_err *err) {
    char dir[64];
    json_t *rep = NULL;
    *active_r = 0;
    json_t *rq = json_pack("{s:s, s:s, s:s}", "$schema",
                           SCHEMA_BASE "activation_request.json", "protocol",
                           PROTOCOL_ACTIVATION, "agent", name);
    if (rq == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    int rc = musterd_ext_mkdir(env->user, dir, sizeof dir, err);
    if (rc == MST_OK) {
        rc = musterd_ext_run(path, name, dir, PROTOCOL_ACTIVATION, rq, env,
                             ACTIVATION_MAX_OUTPUT, &rep, err);
        musterd_ext_rmdir(dir);
    }
    json_decref(rq);
    *active_r = rc == MST_OK && json_is_true(json_object_get(rep, "activate"));
    json_decref(rep);
    return rc;
}
