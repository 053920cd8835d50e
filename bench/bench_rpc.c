/*
 * bench_rpc - request figures through libmusterclient.
 *
 *   bench_rpc CFG seq NODE COUNT        addressed rpcutil ping, one at a
 *                                       time: rpc_addressed_ms_p50/_p99
 *   bench_rpc CFG pipe NODE COUNT WIN   addressed pings, WIN in flight:
 *                                       addressed_req_per_s,
 *                                       client_cpu_us_per_reply
 *   bench_rpc CFG bcast N ROUNDS WIN    broadcast pings to N nodes, WIN
 *                                       rounds in flight:
 *                                       broadcast_rounds_per_s,
 *                                       client_cpu_us_per_reply
 *   bench_rpc CFG for NODE SECONDS WIN TTL
 *                                       addressed pings (ttl TTL s), WIN in
 *                                       flight, sent for SECONDS, then
 *                                       drained: addressed_req_per_s, ...
 *
 * The for mode also prints requests_sent, replies and replies_ok, which
 * load tests (test/integration/15-flood.sh) compare with the daemons'
 * counters.  Figures, not assertions; exit status 1 only when
 * replies went missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/status.h"
#include "base/util.h"
#include "client.h"
#include "stats.h"

static struct mst_client *cl;
static size_t replies, replies_ok, refused;

static void on_reply(void *ud, const struct mst_reply *rep, const char *signer,
                     int64_t rtt_us) {
    (void)ud, (void)signer, (void)rtt_us;
    replies++;
    replies_ok += rep->status == MUSTER_OK;
}

static void on_invalid(void *ud, const char *why) {
    (void)ud;
    if (refused++ == 0)
        fprintf(stderr, "bench_rpc: %s\n", why);
}

static const struct mst_call_handlers handlers = {.reply = on_reply,
                                                  .invalid = on_invalid};

static int seq(const char *node, size_t count) {
    struct mst_strv nodes = {0};
    mst_strv_push(&nodes, node);
    int64_t *t = calloc(count, sizeof *t);
    struct mst_err err = {0};
    for (size_t i = 0; i < count; i++) {
        struct mst_call_spec spec = {.agent = "rpcutil",
                                     .action = "ping",
                                     .nodes = &nodes,
                                     .timeout_ms = 10000,
                                     .ttl_ms = 60000};
        struct mst_call_stats st = {0};
        if (mst_client_call(cl, &spec, NULL, &st, &err) != MST_OK ||
            st.ok != 1) {
            fprintf(stderr, "bench_rpc: request %zu failed %s\n", i, err.msg);
            return 1;
        }
        t[i] = st.elapsed_us;
        mst_call_stats_clear(&st);
    }
    bench_print_percentiles("rpc_addressed_ms", t, count);
    free(t);
    mst_strv_free(&nodes);
    return 0;
}

/* More to send: fewer than `count` sent and `stop_us` not reached. */
static int sending(size_t sent, size_t count, int64_t stop_us) {
    return sent < count && mst_now_us() < stop_us;
}

/*
 * Keep `window` requests in flight until `count` were sent or `seconds`
 * (0: no limit) passed, then drain; each request is expected to bring
 * `per` replies.  Gives up after 10 s without a reply.  With `seconds`,
 * also prints the counts.
 */
static int pipeline(const struct mst_call_spec *spec, size_t count,
                    size_t window, size_t per, int64_t seconds,
                    const char *rate_name) {
    struct mst_err err = {0};
    char id[MST_ID_LEN];
    size_t sent = 0;
    int64_t start = mst_now_us(), cpu0 = bench_cpu_us(RUSAGE_SELF),
            last = start;
    int64_t stop = seconds > 0 ? start + seconds * 1000000 : INT64_MAX;
    while ((sending(sent, count, stop) || replies < sent * per) &&
           mst_now_us() - last < 10000000) {
        while (sending(sent, count, stop) &&
               sent * per < replies + window * per) {
            if (mst_client_send(cl, spec, id, &err) != MST_OK) {
                fprintf(stderr, "bench_rpc: %s\n", err.msg);
                return 1;
            }
            sent++;
        }
        int rc = mst_client_poll(cl, 1000, &handlers, &err);
        if (rc < 0) {
            fprintf(stderr, "bench_rpc: %s\n", err.msg);
            return 1;
        }
        if (rc > 0)
            last = mst_now_us();
    }
    double secs = (double)(mst_now_us() - start) / 1e6;
    printf("%s: %.0f\n", rate_name, (double)sent / secs);
    printf("client_cpu_us_per_reply: %.1f\n",
           (double)(bench_cpu_us(RUSAGE_SELF) - cpu0) /
               (double)(replies ? replies : 1));
    if (seconds > 0) /* the for mode: a load for tests to count */
        printf("requests_sent: %zu\nreplies: %zu\nreplies_ok: %zu\n", sent,
               replies, replies_ok);
    return replies == sent * per ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: see the comment at the top of bench_rpc.c\n");
        return 2;
    }
    struct mst_err err = {0};
    struct mst_config *cfg = NULL;
    if (mst_config_load(argv[1], MST_CONFIG_CLIENT, &cfg, &err) != MST_OK ||
        mst_client_new(cfg, &cl, &err) != MST_OK) {
        fprintf(stderr, "bench_rpc: %s\n", err.msg);
        return 1;
    }
    int rc = 2;
    struct mst_strv nodes = {0};
    struct mst_call_spec spec = {.agent = "rpcutil",
                                 .action = "ping",
                                 .timeout_ms = 10000,
                                 .ttl_ms = 60000};
    if (strcmp(argv[2], "seq") == 0) {
        rc = seq(argv[3], strtoul(argv[4], NULL, 10));
    } else if (strcmp(argv[2], "pipe") == 0 && argc == 6) {
        mst_strv_push(&nodes, argv[3]);
        spec.nodes = &nodes;
        rc = pipeline(&spec, strtoul(argv[4], NULL, 10),
                      strtoul(argv[5], NULL, 10), 1, 0, "addressed_req_per_s");
    } else if (strcmp(argv[2], "for") == 0 && argc == 7) {
        mst_strv_push(&nodes, argv[3]);
        spec.nodes = &nodes;
        spec.ttl_ms = strtoll(argv[6], NULL, 10) * 1000;
        rc = pipeline(&spec, SIZE_MAX, strtoul(argv[5], NULL, 10), 1,
                      strtoll(argv[4], NULL, 10), "addressed_req_per_s");
    } else if (strcmp(argv[2], "bcast") == 0 && argc == 6) {
        rc = pipeline(&spec, strtoul(argv[4], NULL, 10),
                      strtoul(argv[5], NULL, 10), strtoul(argv[3], NULL, 10), 0,
                      "broadcast_rounds_per_s");
    }
    if (refused > 0)
        fprintf(stderr, "bench_rpc: %zu replies refused\n", refused);
    mst_strv_free(&nodes);
    mst_client_free(&cl);
    mst_config_free(&cfg);
    return rc;
}
