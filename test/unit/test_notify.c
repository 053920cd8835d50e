/*
 * test_notify.c - musterd's side of systemd's readiness protocol: the
 * state arrives as one datagram on the socket $NOTIFY_SOCKET names (a path
 * or an @abstract name), the variable is gone from the environment after
 * init, and a bad value is refused without sending anything.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/status.h"
#include "notify.h"
#include "runner.h"

/* A datagram socket bound to `name` ('@' first: abstract). */
static int listener(const char *name) {
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    memcpy(a.sun_path, name, n);
    if (name[0] == '@')
        a.sun_path[0] = '\0';
    else
        unlink(name);
    ck_assert_int_eq(
        bind(fd, (struct sockaddr *)&a,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
        0);
    return fd;
}

/* The next datagram on `fd`, NUL-terminated, in `buf`. */
static const char *receive(int fd, char *buf, size_t size) {
    ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    return buf;
}

static void init_ok(void) {
    struct mst_err err = {0};
    ck_assert_msg(musterd_notify_init(&err) == MST_OK, "%s", err.msg);
    ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
}

START_TEST(ready_on_a_path) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/tmp/mst-notify-%d.sock", (int)getpid());
    int fd = listener(path);
    setenv("NOTIFY_SOCKET", path, 1);
    init_ok();
    struct mst_err err = {0};
    ck_assert_int_eq(musterd_notify("READY=1\nSTATUS=connected", &err), MST_OK);
    ck_assert_str_eq(receive(fd, buf, sizeof buf), "READY=1\nSTATUS=connected");
    ck_assert_int_eq(musterd_notify("STOPPING=1", &err), MST_OK);
    ck_assert_str_eq(receive(fd, buf, sizeof buf), "STOPPING=1");
    close(fd);
    unlink(path);
}
END_TEST

START_TEST(ready_on_an_abstract_name) {
    char name[64], buf[256];
    snprintf(name, sizeof name, "@mst-notify-%d", (int)getpid());
    int fd = listener(name);
    setenv("NOTIFY_SOCKET", name, 1);
    init_ok();
    ck_assert_int_eq(musterd_notify("READY=1", NULL), MST_OK);
    ck_assert_str_eq(receive(fd, buf, sizeof buf), "READY=1");
    close(fd);
}
END_TEST

START_TEST(no_socket_is_a_no_op) {
    unsetenv("NOTIFY_SOCKET");
    init_ok();
    ck_assert_int_eq(musterd_notify("READY=1", NULL), MST_OK);
}
END_TEST

START_TEST(gone_listener_is_an_error) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/mst-notify-gone-%d.sock", (int)getpid());
    close(listener(path));
    unlink(path);
    setenv("NOTIFY_SOCKET", path, 1);
    init_ok();
    struct mst_err err = {0};
    ck_assert_int_eq(musterd_notify("READY=1", &err), MST_EIO);
    ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
}
END_TEST

START_TEST(bad_values_are_refused) {
    static const char *const bad[] = {"relative.sock", "@", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("NOTIFY_SOCKET", bad[i], 1);
        struct mst_err err = {0};
        ck_assert_int_eq(musterd_notify_init(&err), MST_EINVAL);
        ck_assert_msg(strstr(err.msg, "NOTIFY_SOCKET") != NULL, "%s", err.msg);
        ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
        ck_assert_int_eq(musterd_notify("READY=1", NULL), MST_OK);
    }
    char longer[200];
    memset(longer, 'x', sizeof longer - 1);
    longer[0] = '/';
    longer[sizeof longer - 1] = '\0';
    setenv("NOTIFY_SOCKET", longer, 1);
    ck_assert_int_eq(musterd_notify_init(NULL), MST_EINVAL);
}
END_TEST

int main(void) {
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, ready_on_a_path);
    tcase_add_test(tc, ready_on_an_abstract_name);
    tcase_add_test(tc, no_socket_is_a_no_op);
    tcase_add_test(tc, gone_listener_is_an_error);
    tcase_add_test(tc, bad_values_are_refused);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
