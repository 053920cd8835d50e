/*
 * bench_soak - the client side of bench/soak.sh: rounds of requests to a
 * fleet for a given time, counting every reply by request and sender.
 *
 *   bench_soak CFG SECONDS NODES PREFIX
 *
 * The nodes are PREFIX1 .. PREFIX<NODES>.  Each round sends one broadcast
 * rpcutil ping (every node must answer) and ADDRESSED addressed rpcutil
 * daemon_stats calls to nodes picked in turn, then reads replies until all
 * are in or ROUND_WAIT_MS passed.  Replies are read with mst_client_poll,
 * which passes on every verified reply, so a second reply from one node to
 * one request is seen and counted as duplicated (mst_client_call would
 * fold it away).
 *
 * The broker is bounced under it: a round during which the connection
 * failed, and the rounds after until one is complete again (the daemons
 * reconnect with their own backoff), count their missing replies as
 * lost_in_recovery; missing replies anywhere else count as lost.  A
 * recovery that lasts longer than RECOVERY_MAX_MS stops excusing them.
 *
 * Prints `name: value` lines: rounds, requests, replies_expected, replies,
 * lost, lost_in_recovery, duplicated, late (replies to an earlier round),
 * replies_failed (status not OK), invalid (refused or returned messages),
 * reconnects.  Figures, not assertions; exit status 0 unless it could not
 * start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "base/util.h"
#include "client.h"

#define ADDRESSED 4
#define ROUND_WAIT_MS 10000
#define ROUND_PAUSE_MS 1000
#define RECOVERY_MAX_MS 120000

struct tally {
    uint64_t rounds, requests, expected, replies, lost, lost_in_recovery,
        duplicated, late, failed, invalid, reconnects;
};

/* One round's requests and which of their replies came. */
struct round {
    const char *prefix;
    size_t nodes;
    char bcast_id[MST_ID_LEN];
    uint8_t *bcast_seen; /* one per node */
    char addr_id[ADDRESSED][MST_ID_LEN];
    size_t addr_node[ADDRESSED]; /* 0-based */
    uint8_t addr_seen[ADDRESSED];
    size_t got, expected;
    struct tally *t;
};

/* The 0-based index of PREFIX<n>, or nodes when `sender` is not one. */
static size_t node_index(const struct round *r, const char *sender) {
    size_t plen = strlen(r->prefix);
    if (strncmp(sender, r->prefix, plen) != 0)
        return r->nodes;
    char *end;
    unsigned long n = strtoul(sender + plen, &end, 10);
    if (*end != '\0' || n < 1 || n > r->nodes)
        return r->nodes;
    return (size_t)n - 1;
}

/* Mark one reply seen; a second one is a duplicate. */
static void mark(struct round *r, uint8_t *seen) {
    if (*seen) {
        r->t->duplicated++;
        return;
    }
    *seen = 1;
    r->got++;
    r->t->replies++;
}

static void on_reply(void *ud, const struct mst_reply *rep, const char *signer,
                     int64_t rtt_us) {
    (void)signer, (void)rtt_us;
    struct round *r = ud;
    size_t i = node_index(r, rep->sender);
    if (rep->status != MUSTER_OK)
        r->t->failed++;
    if (strcmp(rep->id, r->bcast_id) == 0 && i < r->nodes) {
        mark(r, &r->bcast_seen[i]);
        return;
    }
    for (size_t a = 0; a < ADDRESSED; a++)
        if (strcmp(rep->id, r->addr_id[a]) == 0 && i == r->addr_node[a]) {
            mark(r, &r->addr_seen[a]);
            return;
        }
    r->t->late++;
}

static void on_invalid(void *ud, const char *why) {
    struct round *r = ud;
    if (r->t->invalid++ == 0)
        fprintf(stderr, "bench_soak: %s\n", why);
}

/* Send the round's requests; returns MST_OK or the failure. */
static int send_round(struct mst_client *cl, struct round *r, size_t *next,
                      struct mst_err *err) {
    struct mst_call_spec spec = {.agent = "rpcutil",
                                 .action = "ping",
                                 .timeout_ms = ROUND_WAIT_MS,
                                 .ttl_ms = ROUND_WAIT_MS};
    int rc = mst_client_send(cl, &spec, r->bcast_id, err);
    r->t->requests += rc == MST_OK;
    r->expected = r->nodes;
    spec.action = "daemon_stats";
    for (size_t a = 0; a < ADDRESSED && rc == MST_OK; a++) {
        char name[128];
        struct mst_strv one = {0};
        r->addr_node[a] = (*next)++ % r->nodes;
        snprintf(name, sizeof name, "%s%zu", r->prefix, r->addr_node[a] + 1);
        if (mst_strv_push(&one, name) != MST_OK)
            return mst_err_set(err, MST_ENOMEM, "out of memory");
        spec.nodes = &one;
        rc = mst_client_send(cl, &spec, r->addr_id[a], err);
        mst_strv_free(&one);
        if (rc == MST_OK) {
            r->t->requests++;
            r->expected++;
        }
    }
    return rc;
}

/* Read replies until the round is complete or its time is up. */
static int gather(struct mst_client *cl, struct round *r, struct mst_err *err) {
    const struct mst_call_handlers h = {
        .reply = on_reply, .invalid = on_invalid, .ud = r};
    int64_t end = mst_now_ms() + ROUND_WAIT_MS;
    int64_t left;
    while (r->got < r->expected && (left = end - mst_now_ms()) > 0) {
        int rc = mst_client_poll(cl, (int)left, &h, err);
        if (rc < 0)
            return rc;
    }
    return MST_OK;
}

static void sleep_ms(int64_t ms) {
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/*
 * One round on `*cl` (connected first if NULL; dropped on a connection
 * failure).  Returns 1 when the round had a connection failure.
 */
static int one_round(const struct mst_config *cfg, struct mst_client **cl,
                     struct round *r, size_t *next) {
    struct mst_err err = {0};
    memset(r->bcast_seen, 0, r->nodes);
    memset(r->addr_seen, 0, sizeof r->addr_seen);
    memset(r->addr_id, 0, sizeof r->addr_id);
    r->got = r->expected = 0;
    if (*cl == NULL) {
        if (mst_client_new(cfg, cl, &err) != MST_OK)
            return 1; /* no round: the broker is away */
        r->t->reconnects++;
    }
    r->t->rounds++;
    int rc = send_round(*cl, r, next, &err);
    if (rc == MST_OK)
        rc = gather(*cl, r, &err);
    r->t->expected += r->expected;
    if (rc == MST_OK)
        return 0;
    fprintf(stderr, "bench_soak: %s\n", err.msg);
    mst_client_free(cl);
    return 1;
}

static void print_tally(const struct tally *t) {
    printf("rounds: %llu\nrequests: %llu\nreplies_expected: %llu\n"
           "replies: %llu\nlost: %llu\nlost_in_recovery: %llu\n"
           "duplicated: %llu\nlate: %llu\nreplies_failed: %llu\n"
           "invalid: %llu\nreconnects: %llu\n",
           (unsigned long long)t->rounds, (unsigned long long)t->requests,
           (unsigned long long)t->expected, (unsigned long long)t->replies,
           (unsigned long long)t->lost, (unsigned long long)t->lost_in_recovery,
           (unsigned long long)t->duplicated, (unsigned long long)t->late,
           (unsigned long long)t->failed, (unsigned long long)t->invalid,
           (unsigned long long)(t->reconnects ? t->reconnects - 1 : 0));
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_soak CFG SECONDS NODES PREFIX\n");
        return 2;
    }
    struct tally t = {0};
    struct round r = {
        .prefix = argv[4], .nodes = strtoul(argv[3], NULL, 10), .t = &t};
    int64_t end = mst_now_ms() + strtoll(argv[2], NULL, 10) * 1000;
    struct mst_err err = {0};
    struct mst_config *cfg = NULL;
    if (r.nodes == 0 ||
        mst_config_load(argv[1], MST_CONFIG_CLIENT, &cfg, &err) != MST_OK ||
        (r.bcast_seen = calloc(r.nodes, 1)) == NULL) {
        fprintf(stderr, "bench_soak: %s\n", err.msg[0] ? err.msg : "usage");
        mst_config_free(&cfg);
        return 2;
    }
    struct mst_client *cl = NULL;
    size_t next = 0;
    int64_t recovering_since = -1; /* -1: not recovering */
    while (mst_now_ms() < end) {
        int failed = one_round(cfg, &cl, &r, &next);
        int64_t now = mst_now_ms();
        if (failed && recovering_since < 0)
            recovering_since = now;
        uint64_t missing = r.expected - r.got;
        if (recovering_since >= 0 && now - recovering_since < RECOVERY_MAX_MS)
            t.lost_in_recovery += missing;
        else
            t.lost += missing;
        if (!failed && r.expected > 0 && missing == 0)
            recovering_since = -1;
        sleep_ms(ROUND_PAUSE_MS);
    }
    print_tally(&t);
    mst_client_free(&cl);
    mst_config_free(&cfg);
    free(r.bcast_seen);
    return 0;
}
