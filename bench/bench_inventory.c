/*
 * bench_inventory - the inventory store's figures.
 *
 *   bench_inventory gen DB N
 *       write N nodes with realistic ~5 KB fact sets straight into a new
 *       store, in batches of 500: store_put_per_s, store_bytes_per_node,
 *       store_fact_bytes_per_node.
 *   bench_inventory ping CLIENT_CFG DB N ROUNDS
 *       store the N daemons that answer a broadcast ping, then time ROUNDS
 *       of each: a broadcast ping ending once N replied
 *       (broadcast_ping_ms_p50/_p99, as bench/run.sh's ping_all_ms) and a
 *       discovery from the store + addressed ping ending once all
 *       answered (dm_inventory_ping_ms_p50/_p99); dm_inventory_ratio.
 *
 * A benchmark, not a test: it asserts nothing about speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/status.h"
#include "base/util.h"
#include "client.h"
#include "inventory.h"
#include "stats.h"
#include "store.h"

#define BATCH 500

static const char *const families[] = {"Debian", "RedHat", "Debian", "Alpine"};

/* A fact set like a real node's: os, kernel, networking with a few
 * interfaces, mounts, packages... about 5 KB of JSON. */
static json_t *fake_facts(size_t i) {
    json_t *ifs = json_object(), *mounts = json_object(), *pk = json_object();
    for (int k = 0; k < 4; k++) {
        char name[16], ip[32];
        snprintf(name, sizeof name, "eth%d", k);
        snprintf(ip, sizeof ip, "10.%zu.%zu.%d", (i >> 16) & 255,
                 (i >> 8) & 255, k);
        json_object_set_new(ifs, name,
                            json_pack("{s:s, s:s, s:i, s:s}", "ip", ip,
                                      "netmask", "255.255.255.0", "mtu", 1500,
                                      "mac", "52:54:00:12:34:56"));
    }
    for (int k = 0; k < 8; k++) {
        char name[32];
        snprintf(name, sizeof name, "/srv/data%d", k);
        json_object_set_new(mounts, name,
                            json_pack("{s:s, s:I, s:I, s:s}", "device",
                                      "/dev/vdb1", "size_bytes",
                                      (json_int_t)107374182400, "used_bytes",
                                      (json_int_t)(i * 7919 % 100000000),
                                      "filesystem", "ext4"));
    }
    for (int k = 0; k < 100; k++) {
        char name[32], ver[32];
        snprintf(name, sizeof name, "package-number-%02d", k);
        snprintf(ver, sizeof ver, "%d.%d.%zu-1+deb12u1", k % 7, k % 13, i % 5);
        json_object_set_new(pk, name, json_string(ver));
    }
    return json_pack(
        "{s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s, s:o}, s:o, s:o, "
        "s:i, s:I, s:s, s:s}",
        "os", "family", families[i % 4], "release", "12.4", "name", "debian",
        "kernel", "release", "6.1.0-18-amd64", "version", "#1 SMP",
        "networking", "hostname", "node", "domain", "example.net", "interfaces",
        ifs, "mountpoints", mounts, "packages", pk, "processors",
        (int)(i % 64) + 1, "memory_bytes", (json_int_t)34359738368, "role",
        i % 3 ? "web" : "db", "datacenter", i % 2 ? "par1" : "ams2");
}

/* Put one generated node; the time the put took is added to *put_ns. */
static int put_fake(struct mst_store *st, size_t i, int64_t *put_ns,
                    struct mst_err *err) {
    char id[64];
    snprintf(id, sizeof id, "node%06zu.example.net", i);
    struct mst_registration r = {
        .sender = id,
        .version = (char *)"0.1.0",
        .started_ms = mst_wall_ms() - 86400000, /* up for a day */
        .interval_s = 300,
        .collectives = json_pack("[s]", "muster"),
        .facts = fake_facts(i),
        .classes = json_pack("[s, s, s]", "base", "ntp", "role::web"),
        .agents =
            json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "rpcutil", "version",
                      "1.0.0", "name", "package", "version", "1.0.0"),
    };
    snprintf(r.digest, sizeof r.digest, "%064zx", i);
    int64_t t0 = bench_now_ns();
    int rc = mst_store_put(st, &r, mst_wall_ms(), err);
    *put_ns += bench_now_ns() - t0;
    json_decref(r.collectives);
    json_decref(r.facts);
    json_decref(r.classes);
    json_decref(r.agents);
    return rc;
}

static int gen(const char *db, size_t n) {
    struct mst_store *st = NULL;
    struct mst_err err = {0};
    int rc = mst_store_open(db, MST_STORE_WRITE, &st, &err);
    int64_t ns = 0; /* in puts and commits, not making up the facts */
    for (size_t i = 0; rc == MST_OK && i < n; i++) {
        int64_t t0 = bench_now_ns();
        if (i % BATCH == 0)
            rc = mst_store_begin(st, &err);
        ns += bench_now_ns() - t0;
        if (rc == MST_OK)
            rc = put_fake(st, i, &ns, &err);
        t0 = bench_now_ns();
        if (rc == MST_OK && (i % BATCH == BATCH - 1 || i + 1 == n))
            rc = mst_store_commit(st, &err);
        ns += bench_now_ns() - t0;
    }
    mst_store_close(&st);
    if (rc != MST_OK) {
        fprintf(stderr, "bench_inventory: %s\n", err.msg);
        return 1;
    }
    json_t *one = fake_facts(1);
    char *text = json_dumps(one, JSON_COMPACT | JSON_SORT_KEYS);
    struct stat sb;
    stat(db, &sb);
    printf("store_nodes: %zu\n", n);
    printf("store_put_per_s: %.0f\n", (double)n * 1e9 / (double)ns);
    printf("store_fact_bytes_per_node: %zu\n", strlen(text));
    printf("store_bytes_per_node: %.0f\n", (double)sb.st_size / (double)n);
    free(text);
    json_decref(one);
    return 0;
}

/* ---- ping: broadcast vs discovery from the store ---- */

static void store_sender(void *ud, const struct mst_reply *rep,
                         const char *signer, int64_t rtt_us) {
    (void)signer;
    (void)rtt_us;
    struct mst_registration r = {
        .sender = rep->sender,
        .version = (char *)"0.1.0",
        .collectives = json_pack("[s]", "muster"),
        .facts = json_object(),
        .classes = json_array(),
        .agents = json_array(),
    };
    mst_store_put(ud, &r, mst_wall_ms(), NULL);
    json_decref(r.collectives);
    json_decref(r.facts);
    json_decref(r.classes);
    json_decref(r.agents);
}

/* One timed round: a broadcast until n replied, or (st non-NULL) the
 * store's nodes addressed. */
static int round_us(struct mst_client *cl, struct mst_store *st, size_t n,
                    int64_t *us_r, struct mst_err *err) {
    struct mst_strv nodes = {0};
    struct mst_call_spec spec = {.agent = "rpcutil",
                                 .action = "ping",
                                 .expected = st ? 0 : n,
                                 .discovery_timeout_ms = 10000,
                                 .timeout_ms = 10000};
    struct mst_call_stats cs = {0};
    int64_t t0 = bench_now_ns();
    int rc = st ? mst_inventory_select(st, NULL, &nodes, err) : MST_OK;
    spec.nodes = st ? &nodes : NULL;
    if (rc == MST_OK)
        rc = mst_client_call(cl, &spec, NULL, &cs, err);
    *us_r = (bench_now_ns() - t0) / 1000;
    if (rc == MST_OK && cs.responses < n)
        rc = mst_err_set(err, MST_ETIMEOUT, "%zu of %zu answered", cs.responses,
                         n);
    mst_call_stats_clear(&cs);
    mst_strv_free(&nodes);
    return rc;
}

static int ping_rounds(struct mst_client *cl, struct mst_store *st, size_t n,
                       size_t rounds, struct mst_err *err) {
    int64_t *b = calloc(rounds, sizeof *b), *d = calloc(rounds, sizeof *d);
    int rc = b && d ? MST_OK : MST_ENOMEM;
    for (size_t r = 0; rc == MST_OK && r < rounds; r++) {
        rc = round_us(cl, NULL, n, &b[r], err);
        if (rc == MST_OK)
            rc = round_us(cl, st, n, &d[r], err);
    }
    if (rc == MST_OK) {
        bench_print_percentiles("broadcast_ping_ms", b, rounds);
        bench_print_percentiles("dm_inventory_ping_ms", d, rounds);
        bench_sort(b, rounds);
        bench_sort(d, rounds);
        printf("dm_inventory_ratio: %.2f\n",
               (double)bench_percentile(d, rounds, 50) /
                   (double)bench_percentile(b, rounds, 50));
    }
    free(b);
    free(d);
    return rc;
}

static int ping(const char *cfg_path, const char *db, size_t n, size_t rounds) {
    struct mst_err err = {0};
    struct mst_config *cfg = NULL;
    struct mst_client *cl = NULL;
    struct mst_store *st = NULL;
    struct mst_call_spec all = {.agent = "rpcutil",
                                .action = "ping",
                                .expected = n,
                                .timeout_ms = 10000};
    struct mst_call_handlers h = {.reply = store_sender};
    struct mst_call_stats cs = {0};
    int rc = mst_config_load(cfg_path, MST_CONFIG_CLIENT, &cfg, &err);
    if (rc == MST_OK)
        rc = mst_client_new(cfg, &cl, &err);
    if (rc == MST_OK)
        rc = mst_store_open(db, MST_STORE_WRITE, &st, &err);
    h.ud = st;
    if (rc == MST_OK)
        rc = mst_client_call(cl, &all, &h, &cs, &err);
    mst_call_stats_clear(&cs);
    if (rc == MST_OK)
        rc = ping_rounds(cl, st, n, rounds, &err);
    if (rc != MST_OK)
        fprintf(stderr, "bench_inventory: %s\n", err.msg);
    mst_store_close(&st);
    mst_client_free(&cl);
    mst_config_free(&cfg);
    return rc == MST_OK ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "gen") == 0)
        return gen(argv[2], strtoul(argv[3], NULL, 10));
    if (argc == 6 && strcmp(argv[1], "ping") == 0)
        return ping(argv[2], argv[3], strtoul(argv[4], NULL, 10),
                    strtoul(argv[5], NULL, 10));
    fprintf(stderr, "usage: bench_inventory gen DB N\n"
                    "       bench_inventory ping CLIENT_CFG DB N ROUNDS\n");
    return 2;
}
