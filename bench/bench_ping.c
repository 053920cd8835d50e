/*
 * bench_ping - time broadcast pings until all N nodes have answered.
 *
 *   bench_ping CLIENT_CFG N ROUNDS [NAME]
 *
 * Each round publishes one broadcast rpcutil ping and stops as soon as N
 * replies are in (no discovery wait).  Prints NAME_p50 and NAME_p99 in ms,
 * and how many rounds were incomplete.  A benchmark, not a test: it asserts
 * nothing about speed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/status.h"
#include "client.h"
#include "stats.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: bench_ping CLIENT_CFG N ROUNDS [NAME]\n");
        return 2;
    }
    const char *name = argc > 4 ? argv[4] : "ping_all_ms";
    size_t n = strtoul(argv[2], NULL, 10);
    size_t rounds = strtoul(argv[3], NULL, 10);
    struct mst_err err = {0};
    struct mst_config *cfg = NULL;
    struct mst_client *cl = NULL;
    if (mst_config_load(argv[1], MST_CONFIG_CLIENT, &cfg, &err) != MST_OK ||
        mst_client_new(cfg, &cl, &err) != MST_OK) {
        fprintf(stderr, "bench_ping: %s\n", err.msg);
        mst_config_free(&cfg);
        return 1;
    }
    int64_t *t = calloc(rounds, sizeof *t);
    size_t incomplete = 0;
    for (size_t r = 0; r < rounds && t != NULL; r++) {
        struct mst_call_spec spec = {.agent = "rpcutil",
                                     .action = "ping",
                                     .expected = n,
                                     .discovery_timeout_ms = 10000,
                                     .timeout_ms = 10000,
                                     .ttl_ms = 60000};
        struct mst_call_stats st = {0};
        if (mst_client_call(cl, &spec, NULL, &st, &err) != MST_OK) {
            fprintf(stderr, "bench_ping: %s\n", err.msg);
            return 1;
        }
        if (st.responses < n)
            incomplete++;
        t[r] = st.elapsed_us;
        mst_call_stats_clear(&st);
    }
    bench_print_percentiles(name, t, rounds);
    printf("%s_incomplete_rounds: %zu\n", name, incomplete);
    free(t);
    mst_client_free(&cl);
    mst_config_free(&cfg);
    return incomplete == 0 ? 0 : 1;
}
