/*
 * worker.c - one forked worker process per plugin or external action.
 *
 * A worker runs the handler (or the external agent) and writes one JSON
 * result, {"statuscode", "statusmsg", "data"}, to a pipe the I/O thread
 * polls; it is the leader of its own process group so that a timeout kills
 * whatever it started too.  The daemon decides the reply from how the
 * worker ended: a result, a timeout, too much output, a signal.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/proc.h"
#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "external.h"
#include "musterd.h"
#include "record.h"
#include "registry.h"

enum killed { NOT_KILLED, TIMED_OUT, TOO_BIG, STOPPING };

struct job {
    struct job *next;
    const struct musterd_agent_entry *entry;
    struct mst_request req; /* owned */
    musterd_worker_done_fn done;
    void *ud;
    pid_t pid; /* 0 while queued */
    int fd;    /* result pipe, -1 once closed */
    int wstatus;
    struct mst_buf out;
    int64_t queued_ms;            /* when it was submitted */
    int64_t timeout_ms;           /* the DDL's metadata.timeout */
    int64_t deadline_ms, kill_ms; /* kill_ms: when to KILL after TERM */
    enum killed killed;
    char dir[64]; /* external agents: the run's directory */
};

struct musterd_pool {
    struct job *head; /* running and queued, in arrival order */
    size_t running, queued;
    int sig[2]; /* SIGCHLD self-pipe */
};

static int sigchld_fd = -1;

static void on_sigchld(int sig) {
    (void)sig;
    int saved = errno;
    if (write(sigchld_fd, "c", 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
    errno = saved;
}

int musterd_worker_init(struct musterd *d, struct mst_err *err) {
    struct musterd_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    if (pipe2(p->sig, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(p);
        return mst_err_set(err, MST_EIO, "pipe: %s", strerror(errno));
    }
    sigchld_fd = p->sig[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    d->pool = p;
    return MST_OK;
}

static void write_all(int fd, const char *s, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

/* In the worker: let go of everything that belongs to the daemon. */
static void detach(struct musterd *d, int keep_fd) {
    setpgid(0, 0);
    mst_proc_reset_signals();
    int conn_fd = d->conn ? mst_connector_fd(d->conn) : -1;
    if (conn_fd >= 0)
        close(conn_fd);
    close(d->pool->sig[0]);
    close(d->pool->sig[1]);
    for (struct job *o = d->pool->head; o != NULL; o = o->next)
        if (o->fd >= 0 && o->fd != keep_fd)
            close(o->fd);
}

/* The worker process: never returns. */
static void worker_main(struct musterd *d, const struct job *j, int fd) {
    detach(d, fd);
    struct musterd_outcome out = {0};
    musterd_action_run(d, j->entry, &j->req, j->dir[0] ? j->dir : NULL, &out);
    json_t *res = json_pack("{s:i, s:s, s:o}", "statuscode", out.status,
                            "statusmsg", out.msg, "data",
                            out.data ? json_incref(out.data) : json_object());
    char *text = res ? json_dumps(res, JSON_COMPACT) : NULL;
    if (text != NULL)
        write_all(fd, text, strlen(text));
    _exit(text != NULL ? 0 : 70);
}

/* Report and forget `j` (removed from the list by the caller); `data` is
 * taken over; `expired` as for musterd_worker_done_fn. */
static void report(struct job *j, int status, const char *msg, json_t *data,
                   int expired) {
    struct musterd_outcome out = {0};
    musterd_outcome_set(&out, status, msg, data);
    j->done(j->ud, &j->req, j->entry, &out, expired);
    musterd_outcome_clear(&out);
    if (j->dir[0] != '\0')
        musterd_ext_rmdir(j->dir);
    if (j->fd >= 0)
        close(j->fd);
    mst_buf_free(&j->out);
    mst_request_clear(&j->req);
    free(j);
}

static void answer(struct job *j, int status, const char *msg, json_t *data) {
    report(j, status, msg, data, 0);
}

static void unlink_job(struct musterd_pool *p, struct job *j) {
    for (struct job **pp = &p->head; *pp != NULL; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            return;
        }
}

static int start(struct musterd *d, struct job *j, struct mst_err *err) {
    int fds[2];
    if (j->entry->kind == MUSTERD_AGENT_EXTERNAL &&
        musterd_ext_mkdir(&d->ext_user, j->dir, sizeof j->dir, err) != MST_OK)
        return err->code;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return mst_err_set(err, MST_EIO, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0)
        worker_main(d, j, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return mst_err_set(err, MST_EIO, "fork: %s", strerror(errno));
    }
    setpgid(pid, pid); /* as the child does: no race with a kill(-pid) */
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    j->pid = pid;
    j->fd = fds[0];
    j->deadline_ms = mst_now_ms() + j->timeout_ms;
    mst_buf_init(&j->out, (size_t)d->cfg->agents_max_output);
    return MST_OK;
}

static void start_queued(struct musterd *d) {
    struct musterd_pool *p = d->pool;
    struct job *j = p->head;
    while (j != NULL && p->running < (size_t)d->cfg->agents_max_parallel) {
        struct job *next = j->next;
        if (j->pid == 0) {
            struct mst_err err = {0};
            char why[MST_ERR_LEN + 64];
            p->queued--;
            /* A request may wait here far longer than its ttl: one past
             * it must not run, whatever its caller was told meanwhile. */
            if (musterd_expired_before_run(
                    d, &j->req, mst_now_ms() - j->queued_ms, why, sizeof why)) {
                unlink_job(p, j);
                report(j, MUSTER_ABORTED, why, NULL, 1);
            } else if (start(d, j, &err) == MST_OK) {
                p->running++;
            } else {
                char msg[MST_ERR_LEN + 64];
                snprintf(msg, sizeof msg, "%s/%s not run: %s", j->req.agent,
                         j->req.action, err.msg);
                unlink_job(p, j);
                answer(j, MUSTER_ABORTED, msg, NULL);
            }
        }
        j = next;
    }
}

void musterd_worker_submit(struct musterd *d,
                           const struct musterd_agent_entry *entry,
                           struct mst_request *req, musterd_worker_done_fn done,
                           void *ud) {
    struct musterd_pool *p = d->pool;
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        struct musterd_outcome out = {0};
        musterd_outcome_set(&out, MUSTER_UNKNOWN_ERROR, "out of memory", NULL);
        done(ud, req, entry, &out, 0);
        mst_request_clear(req);
        return;
    }
    j->entry = entry;
    /* The DDL states whole seconds; the pool counts in ms like the rest. */
    j->timeout_ms = entry->ddl->timeout_ms;
    j->queued_ms = mst_now_ms();
    j->req = *req;
    memset(req, 0, sizeof *req);
    j->done = done;
    j->ud = ud;
    j->fd = -1;
    if (p->queued >= (size_t)d->cfg->broker_prefetch) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "%s/%s not run: node busy, %zu requests "
                 "waiting already",
                 j->req.agent, j->req.action, p->queued);
        answer(j, MUSTER_ABORTED, msg, NULL);
        return;
    }
    struct job **tail = &p->head;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = j;
    p->queued++;
    start_queued(d);
}

size_t musterd_worker_fds(const struct musterd *d, struct pollfd *fds,
                          size_t max) {
    size_t n = 0;
    if (d->pool == NULL || max == 0)
        return 0;
    fds[n++] = (struct pollfd){.fd = d->pool->sig[0], .events = POLLIN};
    for (struct job *j = d->pool->head; j != NULL && n < max; j = j->next)
        if (j->fd >= 0)
            fds[n++] = (struct pollfd){.fd = j->fd, .events = POLLIN};
    return n;
}

int musterd_worker_wait_ms(const struct musterd *d, int cap) {
    int64_t now = mst_now_ms(), wait = cap;
    for (struct job *j = d->pool ? d->pool->head : NULL; j; j = j->next) {
        if (j->pid == 0)
            continue;
        int64_t at = j->kill_ms ? j->kill_ms : j->deadline_ms;
        if (at - now < wait)
            wait = at - now;
    }
    return wait < 0 ? 0 : (int)wait;
}

/* Read what the worker wrote; kill it when it writes too much. */
static void drain(struct job *j) {
    char buf[8192];
    for (;;) {
        ssize_t n = read(j->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n > 0 && mst_buf_append(&j->out, buf, (size_t)n) == MST_OK)
            continue;
        if (n > 0 && j->killed == NOT_KILLED) {
            j->killed = TOO_BIG;
            kill(-j->pid, SIGKILL);
        }
        close(j->fd); /* end of file, error, or over the cap */
        j->fd = -1;
        return;
    }
}

/* The worker's result, checked: it is only a process we started. */
static int parse_result(struct job *j, char *msg, size_t len, json_t **data_r) {
    json_t *r = json_loadb((const char *)j->out.data, j->out.len, 0, NULL);
    json_t *code = json_object_get(r, "statuscode");
    json_t *text = json_object_get(r, "statusmsg");
    json_int_t c = json_integer_value(code);
    int status = MUSTER_UNKNOWN_ERROR;
    if (json_is_integer(code) && c >= MUSTER_OK && c <= MUSTER_UNKNOWN_ERROR &&
        json_is_string(text)) {
        status = (int)c;
        mst_strlcpy(msg, json_string_value(text), len);
        *data_r = json_incref(json_object_get(r, "data"));
    } else {
        snprintf(msg, len, "%s/%s failed: no valid result", j->req.agent,
                 j->req.action);
    }
    json_decref(r);
    return status;
}

static void finish(struct musterd *d, struct job *j) {
    char msg[512] = "";
    json_t *data = NULL;
    int status = MUSTER_ABORTED, ws = j->wstatus;
    const char *a = j->req.agent, *act = j->req.action;
    if (j->killed == STOPPING)
        snprintf(msg, sizeof msg, "%s/%s interrupted: musterd is stopping", a,
                 act);
    else if (j->killed == TIMED_OUT)
        snprintf(msg, sizeof msg, "%s/%s timed out after %g s", a, act,
                 (double)j->timeout_ms / 1000);
    else if (j->killed == TOO_BIG)
        snprintf(msg, sizeof msg, "%s/%s failed: output over %d bytes", a, act,
                 d->cfg->agents_max_output);
    else if (WIFSIGNALED(ws))
        snprintf(msg, sizeof msg, "%s/%s crashed (signal %d)", a, act,
                 WTERMSIG(ws));
    else if (WEXITSTATUS(ws) != 0)
        snprintf(msg, sizeof msg,
                 "%s/%s failed: worker exited with status "
                 "%d",
                 a, act, WEXITSTATUS(ws));
    else
        status = parse_result(j, msg, sizeof msg, &data);
    d->pool->running--;
    unlink_job(d->pool, j);
    answer(j, status, msg, data);
}

/* TERM at the deadline, KILL after the grace; both to the whole group. */
static void enforce(struct musterd *d, struct job *j, int64_t now) {
    if (j->kill_ms == 0 && now >= j->deadline_ms) {
        if (j->killed == NOT_KILLED)
            j->killed = TIMED_OUT;
        kill(-j->pid, SIGTERM);
        j->kill_ms = now + d->cfg->agents_kill_grace_ms;
    } else if (j->kill_ms != 0 && now >= j->kill_ms) {
        kill(-j->pid, SIGKILL);
        j->kill_ms = INT64_MAX;
    }
}

void musterd_worker_poll(struct musterd *d, int cap_ms) {
    struct pollfd fds[MUSTERD_WORKER_MAX_FDS];
    size_t n = musterd_worker_fds(d, fds, MUSTERD_WORKER_MAX_FDS);
    if (poll(fds, n, musterd_worker_wait_ms(d, cap_ms)) < 0 && errno != EINTR)
        MST_LOG(MST_LOG_WARNING, "poll: %s", strerror(errno));
    musterd_worker_service(d, fds, n);
}

void musterd_worker_service(struct musterd *d, const struct pollfd *fds,
                            size_t n) {
    struct musterd_pool *p = d->pool;
    char junk[64];
    if (n > 0 && fds[0].revents)
        while (read(p->sig[0], junk, sizeof junk) > 0)
            ;
    for (struct job *j = p->head; j != NULL; j = j->next)
        for (size_t i = 1; i < n; i++)
            if (j->fd >= 0 && fds[i].fd == j->fd && fds[i].revents)
                drain(j);
    int64_t now = mst_now_ms();
    struct job *next;
    for (struct job *j = p->head; j != NULL; j = next) {
        next = j->next;
        if (j->pid == 0)
            continue;
        if (waitpid(j->pid, &j->wstatus, WNOHANG) == j->pid) {
            if (j->fd >= 0)
                drain(j); /* what it wrote before it ended */
            if (j->fd >= 0)
                close(j->fd);
            j->fd = -1;
            finish(d, j);
            continue;
        }
        enforce(d, j, now);
    }
    start_queued(d);
}

int musterd_worker_isolated(struct musterd *d, int (*fn)(void *), void *arg,
                            int64_t timeout_ms, struct mst_err *err) {
    pid_t pid = fork();
    if (pid == 0) {
        detach(d, -1);
        _exit(fn(arg) & 0xff);
    }
    if (pid < 0)
        return mst_err_set(err, MST_EIO, "fork: %s", strerror(errno));
    setpgid(pid, pid);
    int64_t deadline = mst_now_ms() + timeout_ms;
    int status = 0;
    struct timespec tick = {0, 10 * 1000 * 1000};
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (mst_now_ms() >= deadline) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return mst_err_set(err, MST_ETIMEOUT, "timed out after %lld ms",
                               (long long)timeout_ms);
        }
        nanosleep(&tick, NULL);
    }
    if (WIFSIGNALED(status))
        return mst_err_set(err, MST_EIO, "crashed (signal %d)",
                           WTERMSIG(status));
    return WEXITSTATUS(status);
}

void musterd_worker_stop(struct musterd *d) {
    struct musterd_pool *p = d->pool;
    if (p == NULL)
        return;
    int64_t now = mst_now_ms();
    struct job *next;
    for (struct job *j = p->head; j != NULL; j = next) {
        next = j->next;
        if (j->pid == 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s/%s not run: musterd is stopping",
                     j->req.agent, j->req.action);
            unlink_job(p, j);
            p->queued--;
            answer(j, MUSTER_ABORTED, msg, NULL);
            continue;
        }
        j->killed = STOPPING;
        kill(-j->pid, SIGTERM);
        j->kill_ms = now + d->cfg->agents_kill_grace_ms;
    }
    if (p->running > 0)
        MST_LOG(MST_LOG_INFO, "stopping: %zu actions interrupted", p->running);
    while (p->running > 0)
        musterd_worker_poll(d, 200);
    signal(SIGCHLD, SIG_DFL);
    close(p->sig[0]);
    close(p->sig[1]);
    sigchld_fd = -1;
    free(p);
    d->pool = NULL;
}
