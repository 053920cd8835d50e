/*
 * proc.h - run a program and capture what it prints, with a time limit.
 *
 * For fact executables (facts.dir) and anything else that must run a
 * local program: fork/execve with an argv, never a shell; stdin and stderr
 * are /dev/null, every other descriptor is closed, signal mask and
 * handlers are reset; the child is killed at the deadline or when it
 * prints more than allowed.
 */
#ifndef MST_PROC_H
#define MST_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * mst_proc_capture - run `path` (absolute, no arguments, environment of
 * only PATH=/usr/sbin:/usr/bin:/sbin:/bin) and collect its standard output.
 * Returns MST_OK with a new NUL-terminated buffer in *out_r (caller frees)
 * and its length in *len_r when the program exited with status 0 within
 * `timeout_ms` after printing at most `max` bytes.  Otherwise MST_ETIMEOUT,
 * MST_ETOOBIG, MST_EIO (could not start it, or it failed) with
 * "PATH: reason" in `err`; the child is always reaped.  Thread-safe.
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
