/*
 * bench_raw - the broker alone: a minimal rabbitmq-c responder/requester
 * pair doing the round trip muster's ping does, with no codec, no signing
 * and no agent.  bench/run.sh prints muster's figures as ratios to these.
 *
 *   bench_raw respond URL ID      one responder (a process per node, like
 *                                 musterd): queue bound to raw.broadcast,
 *                                 prefetch, ack on receipt, echo the body
 *   bench_raw request URL N ROUNDS [NAME]
 *                                 ROUNDS broadcasts, each ending when N
 *                                 replies are in; prints NAME_p50/_p99 (ms)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp_compat.h"
#include "base/util.h"
#include "stats.h"

#define EXCHANGE "raw.broadcast"

static volatile sig_atomic_t stop;

static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

static int ok(amqp_connection_state_t c, const char *what) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 1;
    fprintf(stderr, "bench_raw: %s failed\n", what);
    return 0;
}

static amqp_connection_state_t connect_to(const char *url_text) {
    struct amqp_connection_info ci;
    char *url = strdup(url_text);
    if (url == NULL || amqp_parse_url(url, &ci) != AMQP_STATUS_OK)
        return NULL;
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    if (amqp_socket_open(s, ci.host, ci.port) != AMQP_STATUS_OK) {
        fprintf(stderr, "bench_raw: cannot connect to %s:%d\n", ci.host,
                ci.port);
        return NULL;
    }
    amqp_rpc_reply_t r =
        amqp_login(c, ci.vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, ci.user,
                   ci.password);
    free(url);
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        return NULL;
    amqp_channel_open(c, 1);
    if (!ok(c, "channel.open"))
        return NULL;
    amqp_exchange_declare(c, 1, amqp_cstring_bytes(EXCHANGE),
                          amqp_cstring_bytes("fanout"), /* passive = */ 0,
                          /* durable = */ 1, /* auto_delete = */ 0,
                          /* internal = */ 0, amqp_empty_table);
    return ok(c, "exchange.declare") ? c : NULL;
}

/* An exclusive server-named queue; its name is returned (malloc'd). */
static amqp_bytes_t own_queue(amqp_connection_state_t c) {
    amqp_queue_declare_ok_t *q = amqp_queue_declare(
        c, 1, amqp_empty_bytes, /* passive = */ 0, /* durable = */ 0,
        /* exclusive = */ 1, /* auto_delete = */ 1, amqp_empty_table);
    if (q == NULL || !ok(c, "queue.declare"))
        exit(1);
    return amqp_bytes_malloc_dup(q->queue);
}

static int respond(const char *url) {
    amqp_connection_state_t c = connect_to(url);
    if (c == NULL)
        return 1;
    amqp_bytes_t q = own_queue(c);
    amqp_queue_bind(c, 1, q, amqp_cstring_bytes(EXCHANGE), amqp_empty_bytes,
                    amqp_empty_table);
    amqp_basic_qos(c, 1, 0, 32, 0);
    amqp_basic_consume(c, 1, q, amqp_empty_bytes, /* no_local = */ 0,
                       /* no_ack = */ 0, /* exclusive = */ 1, amqp_empty_table);
    if (!ok(c, "basic.consume"))
        return 1;
    printf("connected queue %.*s\n", (int)q.len, (char *)q.bytes);
    fflush(stdout);
    while (!stop) {
        amqp_envelope_t env;
        struct timeval tv = {0, 200 * 1000};
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL) {
            if (r.library_error == AMQP_STATUS_TIMEOUT)
                continue;
            break;
        }
        amqp_basic_ack(c, 1, env.delivery_tag, 0);
        amqp_basic_properties_t p = {0};
        p._flags = AMQP_BASIC_CORRELATION_ID_FLAG;
        p.correlation_id = env.message.properties.correlation_id;
        amqp_basic_publish(c, 1, amqp_empty_bytes,
                           env.message.properties.reply_to, 0, 0, &p,
                           env.message.body);
        amqp_destroy_envelope(&env);
    }
    amqp_bytes_free(q);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return 0;
}

/* One broadcast; microseconds until n replies came, or -1 after 10 s. */
static int64_t round_trip(amqp_connection_state_t c, amqp_bytes_t q, size_t n) {
    amqp_basic_properties_t p = {0};
    p._flags = AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG |
               AMQP_BASIC_EXPIRATION_FLAG;
    p.reply_to = q;
    p.correlation_id = amqp_cstring_bytes("raw");
    p.expiration = amqp_cstring_bytes("60000");
    int64_t start = mst_now_us();
    amqp_basic_publish(c, 1, amqp_cstring_bytes(EXCHANGE), amqp_empty_bytes, 0,
                       0, &p, amqp_cstring_bytes("ping"));
    for (size_t got = 0; got < n;) {
        amqp_envelope_t env;
        struct timeval tv = {10, 0};
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            return -1;
        got++;
        amqp_destroy_envelope(&env);
    }
    return mst_now_us() - start;
}

static int request(const char *url, size_t n, size_t rounds, const char *name) {
    amqp_connection_state_t c = connect_to(url);
    if (c == NULL)
        return 1;
    amqp_bytes_t q = own_queue(c);
    amqp_basic_consume(c, 1, q, amqp_empty_bytes, 0, /* no_ack = */ 1, 1,
                       amqp_empty_table);
    if (!ok(c, "basic.consume"))
        return 1;
    int64_t *t = calloc(rounds, sizeof *t);
    for (size_t r = 0; r < rounds; r++)
        if ((t[r] = round_trip(c, q, n)) < 0) {
            fprintf(stderr, "bench_raw: round %zu incomplete\n", r);
            return 1;
        }
    bench_print_percentiles(name, t, rounds);
    free(t);
    amqp_bytes_free(q);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return 0;
}

int main(int argc, char **argv) {
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    if (argc == 4 && strcmp(argv[1], "respond") == 0)
        return respond(argv[2]);
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "request") == 0)
        return request(argv[2], strtoul(argv[3], NULL, 10),
                       strtoul(argv[4], NULL, 10),
                       argc == 6 ? argv[5] : "raw_ping_all_ms");
    fprintf(stderr, "usage: bench_raw respond URL ID | "
                    "bench_raw request URL N ROUNDS [NAME]\n");
    return 2;
}
