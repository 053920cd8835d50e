/*
 * notify.h - tell a service manager how musterd is doing: systemd's
 * readiness protocol, one datagram to the AF_UNIX socket named in
 * $NOTIFY_SOCKET (sd_notify(3); the protocol is one of systemd's
 * documented stable interfaces).  Written here rather than linked from
 * libsystemd: it is one sendmsg(), and musterd stays free of a library
 * that would only be used for it.  Without $NOTIFY_SOCKET (not started by
 * systemd, or a unit that is not Type=notify) every call does nothing.
 */
#ifndef MUSTERD_NOTIFY_H
#define MUSTERD_NOTIFY_H

#include "base/err.h"

/*
 * musterd_notify_init - take the socket path from $NOTIFY_SOCKET and
 * remove the variable, so that worker processes and external agents do
 * not inherit it and speak for musterd.  Call once, before any thread or
 * child is started.  Returns MST_OK (also when the variable is unset), or
 * MST_EINVAL when it names no usable socket ("@name" is an abstract
 * socket, anything else must be an absolute path that fits sun_path).
 */
int musterd_notify_init(struct mst_err *err);

/*
 * musterd_notify - send `state`, newline-separated VAR=VALUE assignments
 * such as "READY=1\nSTATUS=connected" (borrowed), to the socket taken by
 * musterd_notify_init().  Returns MST_OK (also when there is no socket) or
 * MST_EIO when the datagram could not be sent.  Never blocks.
 * I/O thread only.
 */
int musterd_notify(const char *state, struct mst_err *err);

#endif
