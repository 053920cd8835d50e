/*
 * nettest.c - the nettest agent (choria-plugins' interface): ping a host
 * with ICMP echo requests sent by the agent itself (as Choria's
 * Net::Ping::ICMP does, so no ping command is needed), and time a TCP
 * connect to fqdn:port (non-blocking connect, poll, timeout).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_util.h"
#include "base/util.h"

#define HOST_MAX_LEN 253
#define ECHO_WAIT_MS 2000 /* per echo request, as ping -W 2 */

/* An IPv4/IPv6 address, or a host name that starts with a letter/digit. */
static int get_host(const struct muster_call *call, const char **host_r,
                    char *msg, size_t msg_len) {
    int rc = mst_agent_string(call, "fqdn", HOST_MAX_LEN, host_r, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    unsigned char addr[16];
    if (inet_pton(AF_INET, *host_r, addr) == 1 ||
        inet_pton(AF_INET6, *host_r, addr) == 1 ||
        mst_agent_is_name(*host_r, ".-", HOST_MAX_LEN))
        return MUSTER_OK;
    return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                          "fqdn: not an address or a host name");
}

/* The first address of `host` (port `port`, may be NULL) in *ai_r. */
static int resolve(const char *host, const char *port, int socktype,
                   struct addrinfo **ai_r, char *msg, size_t msg_len) {
    struct addrinfo hints = {.ai_socktype = socktype,
                             .ai_flags = port ? AI_NUMERICSERV : 0};
    int gai = getaddrinfo(host, port, &hints, ai_r);
    if (gai != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Cannot resolve hostname %s: %s", host,
                              gai_strerror(gai));
    return MUSTER_OK;
}

/* RFC 1071 checksum (ICMPv4; the kernel fills ICMPv6's). */
static uint16_t checksum(const void *data, size_t len) {
    const uint8_t *p = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

/* An ICMP socket: an unprivileged "ping socket" where the kernel allows
 * one (net.ipv4.ping_group_range), else a raw socket (root). *raw_r says
 * which: a raw socket sees every ICMP packet, and IPv4 headers too. */
static int icmp_socket(int family, int *raw_r) {
    int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
    *raw_r = fd < 0;
    if (fd < 0)
        fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
    return fd;
}

/* Is `buf` (n bytes) the echo reply to (id, seq)?  A ping socket's id is
 * the kernel's, so only the sequence number is compared there. */
static int is_reply(const uint8_t *buf, ssize_t n, int family, int raw,
                    uint16_t id, uint16_t seq) {
    if (family == AF_INET && raw && n > 0) {
        ssize_t header = (buf[0] & 0x0f) * 4; /* IHL, in 32-bit words */
        buf += header;
        n -= header;
    }
    if (n < 8)
        return 0;
    uint8_t want = family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
    uint16_t got_id, got_seq;
    memcpy(&got_id, buf + 4, 2);
    memcpy(&got_seq, buf + 6, 2);
    return buf[0] == want && ntohs(got_seq) == seq &&
           (!raw || ntohs(got_id) == id);
}

/* Send one echo request, wait for its reply: the round trip in ms, or a
 * negative value without a reply within ECHO_WAIT_MS. */
static double echo_once(int fd, const struct addrinfo *ai, int raw, uint16_t id,
                        uint16_t seq) {
    uint8_t pkt[64] = {0}, buf[1500];
    pkt[0] = ai->ai_family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
    uint16_t nid = htons(id), nseq = htons(seq);
    memcpy(pkt + 4, &nid, 2);
    memcpy(pkt + 6, &nseq, 2);
    memcpy(pkt + 8, "muster nettest", 14);
    if (ai->ai_family == AF_INET) {
        uint16_t sum = checksum(pkt, sizeof pkt);
        memcpy(pkt + 2, &sum, 2);
    }
    int64_t start = mst_now_us(), deadline = start + ECHO_WAIT_MS * 1000;
    if (sendto(fd, pkt, sizeof pkt, 0, ai->ai_addr, ai->ai_addrlen) < 0)
        return -1;
    for (int64_t now = start; now < deadline; now = mst_now_us()) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)((deadline - now + 999) / 1000)) <= 0)
            continue; /* EINTR or the deadline: the loop decides */
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (is_reply(buf, n, ai->ai_family, raw, id, seq))
            return (double)(mst_now_us() - start) / 1000.0;
    }
    return -1;
}

/* Fill rtt (average ms over the replies), transmitted, received. */
static int ping_host(const struct addrinfo *ai, long long count, json_t *reply,
                     char *msg, size_t msg_len) {
    int raw;
    int fd = icmp_socket(ai->ai_family, &raw);
    if (fd < 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "cannot open an ICMP socket: %s",
                              strerror(errno));
    uint16_t id = (uint16_t)getpid();
    double total = 0;
    long long got = 0;
    for (long long i = 0; i < count; i++) {
        double ms = echo_once(fd, ai, raw, id, (uint16_t)(i + 1));
        if (ms >= 0)
            total += ms, got++;
    }
    close(fd);
    json_object_set_new(reply, "transmitted", json_integer(count));
    json_object_set_new(reply, "received", json_integer(got));
    json_object_set_new(reply, "rtt", json_real(got ? total / got : 0));
    return got ? MUSTER_OK
               : mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                                "Cannot reach host");
}

static int ping(const struct muster_host *mh, const struct muster_call *call,
                json_t *reply, char *msg, size_t msg_len) {
    (void)mh;
    const char *host;
    long long count;
    struct addrinfo *ai = NULL;
    int rc = get_host(call, &host, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_integer(call, "count", 3, 1, 10, &count, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = resolve(host, NULL, SOCK_RAW, &ai, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    char addr[INET6_ADDRSTRLEN] = "";
    getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0,
                NI_NUMERICHOST);
    json_object_set_new(reply, "host", json_string(addr));
    rc = ping_host(ai, count, reply, msg, msg_len);
    freeaddrinfo(ai);
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
    return e == 0              ? "Connected"
           : e == ECONNREFUSED ? "Connection Refused"
           : e == ETIMEDOUT    ? "Connection Timeout"
                               : "Connection Unreachable";
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
    struct addrinfo *ai = NULL;
    rc = resolve(host, port_s, SOCK_STREAM, &ai, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
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
