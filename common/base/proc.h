/*
 * proc.h - run a program and capture what it prints, with a time limit.
 *
 * For fact executables (facts.dir), agents and anything else that must run
 * a local program: fork/execve with an argv, never a shell; stdin is
 * /dev/null, every other descriptor is closed, signal mask and handlers
 * are reset, the child leads its own process group; at the deadline the
 * group gets TERM, then KILL.
 */
#ifndef MST_PROC_H
#define MST_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The only PATH a child sees, and where mst_proc_find looks. */
#define MST_PROC_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* How to run a program (mst_proc_run). */
struct mst_proc_opts {
    int64_t timeout_ms;     /* TERM at the deadline, KILL 1 s later */
    size_t max_out;         /* bytes kept from each of stdout and stderr */
    int overflow_kills;     /* 1: printing more than max_out kills it;
                               0: the rest is read and dropped */
    const char *const *env; /* extra "KEY=VALUE" entries, NULL-terminated;
                               NULL for none (PATH is always set) */
};

/* What came back (mst_proc_run).  Free with mst_proc_result_free. */
struct mst_proc_result {
    int exit_code; /* its exit status, or -1 when a signal ended it */
    int signal;    /* the signal that ended it, else 0 */
    char *out;     /* stdout, NUL-terminated, at most max_out bytes */
    size_t out_len;
    char *err; /* stderr, NUL-terminated, at most max_out bytes */
    size_t err_len;
    int truncated; /* 1 if either stream was cut at max_out */
};

/*
 * mst_proc_run - run argv[0] (an absolute path) with `argv` and an
 * environment of PATH=MST_PROC_PATH, LC_ALL=C plus `opts->env`, and
 * collect stdout and stderr.  A non-zero exit is not an error: read
 * res_r->exit_code.  Returns MST_OK with *res_r filled (caller frees it
 * with mst_proc_result_free), or MST_EINVAL (argv[0] not absolute),
 * MST_EIO (could not start it: "PATH: reason"), MST_ETIMEOUT (killed at
 * the deadline), MST_ETOOBIG (overflow_kills and it printed too much),
 * MST_ENOMEM, with the reason in `err`; then *res_r holds nothing to free.
 * The child is always reaped.  Thread-safe.
 */
int mst_proc_run(const char *const argv[], const struct mst_proc_opts *opts,
                 struct mst_proc_result *res_r, struct mst_err *err);

/* mst_proc_result_free - free the buffers of `res` (safe to call twice). */
void mst_proc_result_free(struct mst_proc_result *res);

/*
 * mst_proc_find - look for an executable `name` (no slash) in the
 * directories of MST_PROC_PATH.  Returns MST_OK with the full path in
 * `path_r` (`size` bytes), or MST_ENOTFOUND.
 */
int mst_proc_find(const char *name, char *path_r, size_t size);

/*
 * mst_proc_capture - run `path` (absolute, no arguments) and collect its
 * standard output; stderr is dropped.  Returns MST_OK with a new
 * NUL-terminated buffer in *out_r (caller frees) and its length in *len_r
 * when the program exited with status 0 within `timeout_ms` after printing
 * at most `max` bytes.  Otherwise MST_ETIMEOUT, MST_ETOOBIG, MST_EIO
 * (could not start it, or it failed) with "PATH: reason" in `err`; the
 * child is always reaped.  Thread-safe.
 */
int mst_proc_capture(const char *path, int64_t timeout_ms, size_t max,
                     char **out_r, size_t *len_r, struct mst_err *err);

/*
 * mst_proc_reset_signals - in a freshly forked child: empty signal mask and
 * default handlers for every signal, so that what runs next starts as a
 * program started by init would.  Async-signal-safe.
 */
void mst_proc_reset_signals(void);

#endif
