/*
 * proc.c - run a program, capture its output, stop it at a deadline.
 */
#include "base/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"

#define MAX_ENV 16         /* extra environment entries a caller may pass */
#define KILL_GRACE_MS 1000 /* between TERM and KILL */

/* Descriptors the child inherits: the pipes' write ends. */
struct child_fds {
    int out, err, status; /* status: CLOEXEC pipe that reports exec errors */
};

void mst_proc_reset_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &dfl, NULL); /* fails harmlessly for KILL/STOP */
}

/*
 * In the child, between fork and execve: async-signal-safe calls only.
 * An execve failure is written as an errno to the status pipe (fd 3).
 */
static void exec_child(const char *const argv[], char *const envp[],
                       const struct child_fds *fds) {
    mst_proc_reset_signals();
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(fds->out, 1) < 0 ||
        dup2(fds->err, 2) < 0 || dup2(fds->status, 3) < 0 ||
        fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        _exit(126);
    closefrom(4);
    execve(argv[0], (char *const *)argv, envp);
    int e = errno;
    ssize_t w = write(3, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* One output stream of the child, kept up to `max` bytes. */
struct sink {
    int fd;
    char *buf;
    size_t len, cap, max;
    int truncated;
};

static int sink_keep(struct sink *s, const char *data, size_t n) {
    if (n > s->max - s->len) {
        n = s->max - s->len;
        s->truncated = 1;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        if (cap < s->len + n + 1)
            cap = s->len + n + 1;
        if (cap > s->max + 1)
            cap = s->max + 1;
        char *grown = realloc(s->buf, cap);
        if (grown == NULL)
            return MST_ENOMEM;
        s->buf = grown;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return MST_OK;
}

/* Read what is there; 1 at end of file, 0 to go on, <0 on error. */
static int sink_read(struct sink *s) {
    char tmp[4096];
    ssize_t r = read(s->fd, tmp, sizeof tmp);
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : MST_EIO;
    if (r == 0)
        return 1;
    return sink_keep(s, tmp, (size_t)r);
}

/* Drain both streams until both end, the deadline, or an overflow. */
static int collect(struct sink s[2], int64_t deadline_ms, int overflow_kills) {
    for (;;) {
        struct pollfd p[2];
        int idx[2], k = 0;
        for (int i = 0; i < 2; i++)
            if (s[i].fd >= 0) {
                p[k] = (struct pollfd){.fd = s[i].fd, .events = POLLIN};
                idx[k++] = i;
            }
        if (k == 0)
            return MST_OK;
        int64_t left = deadline_ms - mst_now_ms();
        if (left <= 0)
            return MST_ETIMEOUT;
        int n = poll(p, (nfds_t)k, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno != EINTR)
            return MST_EIO;
        for (int j = 0; n > 0 && j < k; j++) {
            if (p[j].revents == 0)
                continue;
            struct sink *si = &s[idx[j]];
            int rc = sink_read(si);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                close(si->fd);
                si->fd = -1;
            }
            if (overflow_kills && idx[j] == 0 && si->truncated)
                return MST_ETOOBIG;
        }
    }
}

/*
 * Reap the child.  When `stop`, its group gets TERM first and KILL after
 * KILL_GRACE_MS, so that helpers it started die with it.
 */
static int reap(pid_t pid, int stop) {
    int status = 0;
    if (stop) {
        kill(-pid, SIGTERM);
        for (int waited = 0; waited < KILL_GRACE_MS; waited += 50) {
            if (waitpid(pid, &status, WNOHANG) == pid)
                return status;
            mst_sleep_ms(50);
        }
        kill(-pid, SIGKILL);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* NULL-terminated environment for the child; entries are borrowed. */
static int build_env(const char *const *extra, const char *envp[]) {
    size_t n = 0;
    envp[n++] = "PATH=" MST_PROC_PATH;
    envp[n++] = "LC_ALL=C";
    for (; extra != NULL && *extra != NULL; extra++) {
        if (n >= MAX_ENV + 2)
            return MST_EINVAL;
        envp[n++] = *extra;
    }
    envp[n] = NULL;
    return MST_OK;
}

/* The errno the child reported through the status pipe, or 0 on exec. */
static int exec_errno(int fd) {
    int e = 0;
    ssize_t r;
    while ((r = read(fd, &e, sizeof e)) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)sizeof e ? e : 0;
}

static void close_pair(int p[2]) {
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
}

/* Fork and exec; the parent keeps the read ends in out[0], er[0]. */
static int spawn(const char *const argv[], char *const envp[], int out[2],
                 int er[2], pid_t *pid_r, struct mst_err *err) {
    int st[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(er, O_CLOEXEC) != 0 ||
        pipe2(st, O_CLOEXEC) != 0) {
        int e = errno;
        close_pair(st);
        return mst_err_set(err, MST_EIO, "%s: pipe: %s", argv[0], strerror(e));
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct child_fds fds = {.out = out[1], .err = er[1], .status = st[1]};
        exec_child(argv, envp, &fds);
    }
    int fork_errno = errno;
    close(out[1]);
    close(er[1]);
    close(st[1]);
    out[1] = er[1] = -1;
    if (pid < 0) {
        close(st[0]);
        return mst_err_set(err, MST_EIO, "%s: fork: %s", argv[0],
                           strerror(fork_errno));
    }
    setpgid(pid, pid); /* also in the child: whichever runs first wins */
    int e = exec_errno(st[0]);
    close(st[0]);
    if (e != 0) {
        reap(pid, 0);
        return mst_err_set(err, MST_EIO, "%s: cannot execute: %s", argv[0],
                           strerror(e));
    }
    *pid_r = pid;
    return MST_OK;
}

static void fill_result(struct mst_proc_result *res, struct sink s[2],
                        int status) {
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    res->out = s[0].buf;
    res->out_len = s[0].len;
    res->err = s[1].buf;
    res->err_len = s[1].len;
    res->truncated = s[0].truncated || s[1].truncated;
}

/* Make sure both buffers exist, so callers may read them as strings. */
static int ensure_buffers(struct sink s[2]) {
    for (int i = 0; i < 2; i++)
        if (s[i].buf == NULL && sink_keep(&s[i], "", 0) != MST_OK)
            return MST_ENOMEM;
    return MST_OK;
}

int mst_proc_run(const char *const argv[], const struct mst_proc_opts *opts,
                 struct mst_proc_result *res_r, struct mst_err *err) {
    memset(res_r, 0, sizeof *res_r);
    if (argv[0] == NULL || argv[0][0] != '/')
        return mst_err_set(err, MST_EINVAL, "%s: not an absolute path",
                           argv[0] ? argv[0] : "(null)");
    const char *envp[MAX_ENV + 3];
    if (build_env(opts->env, envp) != MST_OK)
        return mst_err_set(err, MST_EINVAL, "%s: too many variables", argv[0]);
    int out[2] = {-1, -1}, er[2] = {-1, -1};
    pid_t pid = -1;
    int64_t deadline = mst_now_ms() + opts->timeout_ms;
    int rc = spawn(argv, (char *const *)envp, out, er, &pid, err);
    if (rc != MST_OK) {
        close_pair(out);
        close_pair(er);
        return rc;
    }
    struct sink s[2] = {{.fd = out[0], .max = opts->max_out},
                        {.fd = er[0], .max = opts->max_out}};
    rc = collect(s, deadline, opts->overflow_kills);
    if (rc == MST_OK)
        rc = ensure_buffers(s);
    for (int i = 0; i < 2; i++)
        if (s[i].fd >= 0)
            close(s[i].fd);
    int status = reap(pid, rc != MST_OK);
    if (rc == MST_OK) {
        fill_result(res_r, s, status);
        return MST_OK;
    }
    free(s[0].buf);
    free(s[1].buf);
    if (rc == MST_ETIMEOUT)
        return mst_err_set(err, rc, "%s: killed after the time limit", argv[0]);
    if (rc == MST_ETOOBIG)
        return mst_err_set(err, rc, "%s: printed too much", argv[0]);
    return mst_err_set(err, rc, "%s: cannot read its output", argv[0]);
}

void mst_proc_result_free(struct mst_proc_result *res) {
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
    res->out_len = res->err_len = 0;
}

int mst_proc_find(const char *name, char *path_r, size_t size) {
    const char *dirs = MST_PROC_PATH;
    if (strchr(name, '/') != NULL || name[0] == '\0')
        return MST_EINVAL;
    while (*dirs != '\0') {
        size_t n = strcspn(dirs, ":");
        int w = snprintf(path_r, size, "%.*s/%s", (int)n, dirs, name);
        if (w > 0 && (size_t)w < size && access(path_r, X_OK) == 0)
            return MST_OK;
        dirs += n + (dirs[n] == ':');
    }
    return MST_ENOTFOUND;
}

int mst_proc_capture(const char *path, int64_t timeout_ms, size_t max,
                     char **out_r, size_t *len_r, struct mst_err *err) {
    const char *argv[] = {path, NULL};
    struct mst_proc_opts opts = {
        .timeout_ms = timeout_ms, .max_out = max, .overflow_kills = 1};
    struct mst_proc_result res;
    int rc = mst_proc_run(argv, &opts, &res, err);
    if (rc != MST_OK)
        return rc;
    if (res.exit_code != 0) {
        if (res.exit_code > 0)
            rc = mst_err_set(err, MST_EIO, "%s: exited with status %d", path,
                             res.exit_code);
        else
            rc = mst_err_set(err, MST_EIO, "%s: killed by signal %d", path,
                             res.signal);
        mst_proc_result_free(&res);
        return rc;
    }
    free(res.err);
    *out_r = res.out;
    *len_r = res.out_len;
    return MST_OK;
}
