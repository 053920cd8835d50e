/*
 * notify.c - systemd's readiness protocol (notify.h): the state as one
 * datagram, no reply expected.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

#include "base/status.h"

/* The socket address, its length (0: no socket), taken once at start. */
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

int musterd_notify_init(struct mst_err *err) {
    const char *path = getenv("NOTIFY_SOCKET");
    notify_len = 0;
    if (path == NULL)
        return MST_OK;
    size_t n = strlen(path);
    int rc = MST_OK;
    if ((path[0] != '/' && path[0] != '@') || n < 2 ||
        n >= sizeof notify_addr.sun_path)
        rc = mst_err_set(err, MST_EINVAL,
                         "NOTIFY_SOCKET=%s: not an absolute path or "
                         "@abstract name that fits a unix socket address",
                         path);
    if (rc == MST_OK) {
        memset(&notify_addr, 0, sizeof notify_addr);
        notify_addr.sun_family = AF_UNIX;
        memcpy(notify_addr.sun_path, path, n);
        /* An abstract name starts with a NUL instead of the '@'. */
        if (path[0] == '@')
            notify_addr.sun_path[0] = '\0';
        notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                                 (path[0] == '/'));
    }
    unsetenv("NOTIFY_SOCKET");
    return rc;
}

int musterd_notify(const char *state, struct mst_err *err) {
    if (notify_len == 0)
        return MST_OK;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return mst_err_set(err, MST_EIO, "notify socket: %s", strerror(errno));
    ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                          (const struct sockaddr *)&notify_addr, notify_len);
    int saved = errno;
    close(fd);
    if (sent < 0)
        return mst_err_set(err, MST_EIO, "notify %s: %s",
                           notify_addr.sun_path[0] ? notify_addr.sun_path
                                                   : notify_addr.sun_path + 1,
                           strerror(saved));
    return MST_OK;
}
