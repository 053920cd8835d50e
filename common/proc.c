/*
 * proc.c - run a program, capture its output, kill it at a deadline.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

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

/* In the child, between fork and execve: async-signal-safe calls only. */
static void exec_child(const char *path, int out_fd) {
    mst_proc_reset_signals();
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
        dup2(null_fd, 2) < 0)
        _exit(126);
    closefrom(3);
    char *const argv[] = {(char *)path, NULL};
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    execve(path, argv, envp);
    _exit(127);
}

struct sink {
    char *buf;
    size_t len, cap, max;
};

/* Read what is there; 1 at end of file, 0 to go on, <0 on error. */
static int drain(int fd, struct sink *s) {
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        char *grown = realloc(s->buf, cap + 1);
        if (grown == NULL)
            return MST_ENOMEM;
        s->buf = grown;
        s->cap = cap;
    }
    ssize_t r = read(fd, s->buf + s->len, s->cap - s->len);
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : MST_EIO;
    if (r == 0)
        return 1;
    s->len += (size_t)r;
    return s->len > s->max ? MST_ETOOBIG : 0;
}

static int collect(int fd, int64_t deadline_ms, struct sink *s) {
    for (;;) {
        int64_t left = deadline_ms - mst_now_ms();
        if (left <= 0)
            return MST_ETIMEOUT;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno != EINTR)
            return MST_EIO;
        if (n <= 0)
            continue;
        int rc = drain(fd, s);
        if (rc != 0)
            return rc > 0 ? MST_OK : rc;
    }
}

static int wait_child(pid_t pid, int killed, const char *path, int rc,
                      struct mst_err *err) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == MST_ETIMEOUT)
        return mst_err_set(err, rc, "%s: killed after the time limit", path);
    if (rc == MST_ETOOBIG)
        return mst_err_set(err, rc, "%s: printed too much", path);
    if (rc != MST_OK)
        return mst_err_set(err, rc, "%s: cannot read its output", path);
    if (!killed && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return MST_OK;
    if (WIFEXITED(status))
        return mst_err_set(err, MST_EIO, "%s: exited with status %d%s", path,
                           WEXITSTATUS(status),
                           WEXITSTATUS(status) == 127 ? " (cannot execute)"
                                                      : "");
    return mst_err_set(err, MST_EIO, "%s: killed by signal %d", path,
                       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int mst_proc_capture(const char *path, int64_t timeout_ms, size_t max,
                     char **out_r, size_t *len_r, struct mst_err *err) {
    int fds[2];
    if (path[0] != '/')
        return mst_err_set(err, MST_EINVAL, "%s: not an absolute path", path);
    if (pipe2(fds, O_CLOEXEC) != 0)
        return mst_err_set(err, MST_EIO, "%s: pipe: %s", path, strerror(errno));
    int64_t deadline = mst_now_ms() + timeout_ms;
    pid_t pid = fork();
    if (pid == 0)
        exec_child(path, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return mst_err_set(err, MST_EIO, "%s: fork: %s", path, strerror(errno));
    }
    struct sink s = {.max = max};
    int rc = collect(fds[0], deadline, &s);
    close(fds[0]);
    if (rc != MST_OK)
        kill(pid, SIGKILL);
    rc = wait_child(pid, rc != MST_OK, path, rc, err);
    if (rc != MST_OK || s.buf == NULL) {
        free(s.buf);
        s.buf = rc == MST_OK ? strdup("") : NULL;
        if (rc == MST_OK && s.buf == NULL)
            rc = mst_err_set(err, MST_ENOMEM, "out of memory");
        if (rc != MST_OK)
            return rc;
    }
    s.buf[s.len] = '\0';
    *out_r = s.buf;
    *len_r = s.len;
    return MST_OK;
}
