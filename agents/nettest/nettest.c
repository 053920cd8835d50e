/*
 * nettest.c - the nettest agent: ping a host with the ping command, and
 * time a TCP connect to host:port (non-blocking connect, poll, timeout).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_util.h"
#include "base/util.h"

#define HOST_MAX_LEN 253

/* An IPv4/IPv6 address, or a host name that starts with a letter/digit. */
static int get_host(const struct muster_call *call, const char **host_r,
                    char *msg, size_t msg_len) {
    int rc = mst_agent_string(call, "host", HOST_MAX_LEN, host_r, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    unsigned char addr[16];
    if (inet_pton(AF_INET, *host_r, addr) == 1 ||
        inet_pton(AF_INET6, *host_r, addr) == 1 ||
        mst_agent_is_name(*host_r, ".-", HOST_MAX_LEN))
        return MUSTER_OK;
    return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                          "host: not an address or a host name");
}

/* Fill rtt/transmitted/received from iputils' summary lines. */
static void parse_ping(const char *out, json_t *reply) {
    long long sent = 0, got = 0;
    double min = 0, avg = 0;
    const char *p = strstr(out, " packets transmitted, ");
    if (p != NULL) {
        const char *line = p;
        while (line > out && line[-1] != '\n')
            line--;
        sent = strtoll(line, NULL, 10);
        got = strtoll(p + strlen(" packets transmitted, "), NULL, 10);
    }
    p = strstr(out, "min/avg/max");
    if (p != NULL && (p = strstr(p, "= ")) != NULL)
        sscanf(p + 2, "%lf/%lf", &min, &avg);
    json_object_set_new(reply, "transmitted", json_integer(sent));
    json_object_set_new(reply, "received", json_integer(got));
    json_object_set_new(reply, "rtt", json_real(avg));
}

static int ping(const struct muster_host *mh, const struct muster_call *call,
                json_t *reply, char *msg, size_t msg_len) {
    (void)mh;
    const char *host;
    long long count;
    char tool[256], count_s[8];
    int rc = get_host(call, &host, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_integer(call, "count", 3, 1, 10, &count, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (mst_proc_find("ping", tool, sizeof tool) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "ping is not installed");
    snprintf(count_s, sizeof count_s, "%lld", count);
    const char *argv[] = {tool, "-n", "-c", count_s, "-W",
                          "2",  "--", host, NULL};
    struct mst_proc_result res;
    rc = mst_agent_run(argv, (count + 3) * 1000, NULL, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "host", json_string(host));
    if (res.exit_code == 0 || res.exit_code == 1) /* 1: no answer */
        parse_ping(res.out, reply);
    else
        rc = mst_agent_tool_failed("ping", &res, msg, msg_len);
    mst_proc_result_free(&res);
    return rc;
}

/*
 * Connect to `ai` within `timeout_ms`.  Returns 0 when connected, else
 * an errno (ETIMEDOUT at the deadline).
 */
static int try_connect(const struct addrinfo *ai, int timeout_ms) {
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
               ai->ai_protocol);
    if (fd < 0)
        return errno;
    int e = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        e = errno;
        if (e == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n;
            while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
            socklen_t len = sizeof e;
            if (n == 0)
                e = ETIMEDOUT;
            else if (n < 0 ||
                     getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
                e = errno;
        }
    }
    close(fd);
    return e;
}

static const char *connect_status(int e) {
    return e == 0              ? "connected"
           : e == ECONNREFUSED ? "refused"
           : e == ETIMEDOUT    ? "timeout"
                               : "unreachable";
}

static int do_connect(const struct muster_host *mh,
                      const struct muster_call *call, json_t *reply, char *msg,
                      size_t msg_len) {
    (void)mh;
    const char *host;
    long long port, timeout;
    int rc = get_host(call, &host, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_integer(call, "port", -1, 1, 65535, &port, msg, msg_len);
    if (rc == MUSTER_OK && port < 0)
        rc = mst_agent_fail(msg, msg_len, MUSTER_MISSING_DATA,
                            "missing input 'port'");
    if (rc == MUSTER_OK)
        rc = mst_agent_integer(call, "timeout", 2, 1, 30, &timeout, msg,
                               msg_len);
    if (rc != MUSTER_OK)
        return rc;
    char port_s[8];
    snprintf(port_s, sizeof port_s, "%lld", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, port_s, &hints, &ai);
    if (gai != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", host,
                              gai_strerror(gai));
    int64_t start = mst_now_us();
    int e = try_connect(ai, (int)timeout * 1000);
    double ms = (double)(mst_now_us() - start) / 1000.0;
    freeaddrinfo(ai);
    json_object_set_new(reply, "connect", json_boolean(e == 0));
    json_object_set_new(reply, "connect_status",
                        json_string(connect_status(e)));
    json_object_set_new(reply, "connect_time", json_real(ms));
    return MUSTER_OK;
}

static const struct muster_action actions[] = {
    {"ping", ping},
    {"connect", do_connect},
    {NULL, NULL},
};

MST_AGENT_EXPORT("nettest", NULL, actions);
