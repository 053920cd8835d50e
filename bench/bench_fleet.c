/*
 * bench_fleet - one process playing a fleet of K nodes for one client, to
 * measure collection at fleet scale without K daemons.
 *
 *   bench_fleet URL K CERTDIR WORKDIR [ROUNDS]
 *   bench_fleet certs K CERTDIR        only make the certificates
 *
 * K identities fleet00001.. with P-256 server certificates of CERTDIR's
 * CA (fleet_certs.h: generated once, then only the missing ones).  SIM
 * threads (2; MUSTER_FLEET_SIM_THREADS), each with its own connection and
 * node queue bound to muster.broadcast, answer every broadcast with one
 * signed reply from each of their nodes (payload, signature and
 * certificate exactly as a node's).  The client is libmusterclient
 * (mst_client_call) with WORKDIR/client.cfg, written here; its
 * client.verify_threads and security.cert_cache come from
 * MUSTER_FLEET_VERIFY_THREADS and MUSTER_FLEET_CERT_CACHE when set.
 *
 * Prints, medians over ROUNDS (default 3):
 *   fleet_certs_made, fleet_certs_s   certificates issued by this run
 *   fleet_load_s                      reading K keys and certificates
 *   fleet_all_ms                      publish to the K-th verified reply
 *                                     (signing nodes and client at once)
 *   client_replies_per_s              the K-1 replies after the first,
 *                                     already queued at the broker, read
 *                                     and verified by mst_client_call
 *   raw_drain_per_s                   the same messages read from the
 *                                     connector by a consumer that does
 *                                     not decode them
 * Figures, not assertions.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "client.h"
#include "connector.h"
#include "fleet_certs.h"
#include "security/cert.h"
#include "security/security.h"
#include "stats.h"
#include "wire/envelope.h"
#include "wire/reply.h"
#include "wire/request.h"

#define SIM_MAX 8
#define SETTLE_US 500000 /* after the last publish, for the broker to queue */

struct node {
    char name[BENCH_NODE_NAME_LEN];
    EVP_PKEY *key;
    uint8_t *der; /* the certificate sent in every envelope */
    int der_len;
};

/* The simulated fleet, shared by its threads. */
struct sim {
    const char *url;
    struct node *nodes;
    size_t k;
    unsigned threads;
    struct mst_security *sec; /* opens requests (thread-safe) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int hold;     /* this round: node 1 answers first, the rest on release */
    int released; /* the rest may answer */
    unsigned ready;
    atomic_size_t published;
    atomic_int stop;
};

struct sim_thread {
    struct sim *s;
    unsigned idx;
    pthread_t t;
};

static void die(const char *what, const struct mst_err *err) {
    fprintf(stderr, "bench_fleet: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

/* ---- the nodes ---------------------------------------------------------- */

/* Nodes [from, k) in steps of `step`: their keys and certificates. */
struct load_job {
    const char *dir;
    struct node *nodes;
    size_t k, from, step;
};

static void *load_some(void *arg) {
    const struct load_job *j = arg;
    struct mst_err err = {0};
    for (size_t i = j->from; i < j->k; i += j->step) {
        struct node *n = &j->nodes[i];
        bench_node_name(i + 1, n->name);
        if (bench_fleet_node(j->dir, i + 1, &n->key, &n->der, &n->der_len,
                             &err) != MST_OK)
            die("node", &err);
    }
    return NULL;
}

/* Every node's key and certificate, on two threads. */
static void load_nodes(const char *dir, struct node *nodes, size_t k) {
    struct load_job jobs[2];
    pthread_t t[2];
    for (size_t i = 0; i < 2; i++) {
        jobs[i] = (struct load_job){dir, nodes, k, i, 2};
        pthread_create(&t[i], NULL, load_some, &jobs[i]);
    }
    for (size_t i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
}

/* One signed reply of node `n` to request `id`, as musterd seals it. */
static void seal_reply(const struct node *n, const char *id,
                       struct mst_buf *payload, struct mst_buf *out) {
    struct mst_reply rep = {.sender = (char *)n->name,
                            .time_ms = mst_wall_ms(),
                            .status = MUSTER_OK,
                            .statusmsg = "OK",
                            .data = json_pack("{s:s}", "pong", n->name)};
    mst_strlcpy(rep.id, id, sizeof rep.id);
    payload->len = out->len = 0;
    uint8_t sig[128];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok =
        mst_reply_encode(&rep, payload, NULL) == MST_OK &&
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, n->key) == 1 &&
        EVP_DigestSign(md, sig, &sig_len, payload->data, payload->len) == 1;
    EVP_MD_CTX_free(md);
    json_decref(rep.data);
    struct mst_envelope env = {.payload = mst_buf_view(payload),
                               .sig = MST_BYTES(sig, sig_len),
                               .cert = MST_BYTES(n->der, (size_t)n->der_len)};
    if (!ok || mst_envelope_encode(&env, out, NULL) != MST_OK)
        die("sealing a reply", NULL);
}

/* ---- the simulator threads ---------------------------------------------- */

static void wait_release(struct sim *s) {
    pthread_mutex_lock(&s->lock);
    while (s->hold && !s->released && !atomic_load(&s->stop))
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

/* Answer `req` for every node of thread `idx`. */
static void answer(struct sim_thread *st, struct mst_connector *conn,
                   const struct mst_request *req) {
    struct sim *s = st->s;
    struct mst_buf payload, out;
    mst_buf_init(&payload, 0);
    mst_buf_init(&out, 0);
    struct mst_bytes to = MST_BYTES(req->reply_to, strlen(req->reply_to));
    struct mst_bytes corr = MST_BYTES(req->id, strlen(req->id));
    struct mst_err err = {0};
    /* In a held round node 1 (thread 0's first) answers alone first. */
    if (st->idx != 0)
        wait_release(s);
    for (size_t i = st->idx; i < s->k; i += s->threads) {
        seal_reply(&s->nodes[i], req->id, &payload, &out);
        if (mst_connector_publish_reply(conn, to, corr, mst_buf_view(&out),
                                        &err) != MST_OK)
            die("publish", &err);
        if (i == 0)
            wait_release(s);
        atomic_fetch_add(&s->published, 1);
    }
    mst_buf_free(&payload);
    mst_buf_free(&out);
}

static void *sim_run(void *arg) {
    struct sim_thread *st = arg;
    struct sim *s = st->s;
    struct mst_strv urls = {0}, collectives = {0};
    mst_strv_push(&urls, s->url);
    mst_strv_push(&collectives, "muster");
    char name[64];
    snprintf(name, sizeof name, "fleet-sim%u", st->idx);
    struct mst_connector_options co = {
        .urls = &urls, .connection_name = name, .prefetch = 4};
    struct mst_connector *conn = NULL;
    struct mst_err err = {0};
    if (mst_connector_new(&co, &conn, &err) != MST_OK ||
        mst_connector_connect(conn, &err) != MST_OK ||
        mst_connector_declare_node(conn, name, &collectives, &err) != MST_OK)
        die("simulator connection", &err);
    pthread_mutex_lock(&s->lock);
    s->ready++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    while (!atomic_load(&s->stop)) {
        struct mst_message msg;
        int rc = mst_connector_consume(conn, 200, &msg, &err);
        if (rc < 0)
            die("simulator consume", &err);
        if (rc == 0 || msg.kind != MST_MESSAGE_DELIVERY)
            continue;
        mst_connector_ack(conn, &msg, NULL);
        struct mst_request req = {0};
        char signer[MST_SIGNER_LEN];
        if (mst_request_open(s->sec, msg.body, &req, signer, &err) != MST_OK)
            die("simulator: request", &err);
        mst_connector_release(conn, &msg);
        answer(st, conn, &req);
        mst_request_clear(&req);
    }
    mst_connector_free(&conn);
    mst_strv_free(&urls);
    mst_strv_free(&collectives);
    return NULL;
}

/* Before a round: how node 1 and the others answer the next request. */
static void sim_arm(struct sim *s, int hold) {
    pthread_mutex_lock(&s->lock);
    s->hold = hold;
    s->released = 0;
    atomic_store(&s->published, 0);
    pthread_mutex_unlock(&s->lock);
}

/*
 * A held round: node 1's reply is in; let the others answer, wait until
 * every reply was published, and give the broker time to queue them.
 */
static void sim_release_and_settle(struct sim *s) {
    pthread_mutex_lock(&s->lock);
    s->released = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    while (atomic_load(&s->published) < s->k)
        usleep(1000);
    usleep(SETTLE_US);
}

/* ---- the client --------------------------------------------------------- */

static void write_config(const char *path, const char *url,
                         const char *certdir) {
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die(path, NULL);
    const char *threads = getenv("MUSTER_FLEET_VERIFY_THREADS");
    const char *cache = getenv("MUSTER_FLEET_CERT_CACHE");
    fprintf(f,
            "identity = \"fleet-client\";\n"
            "collectives = [\"muster\"];\n"
            "broker: { urls = [\"%s\"]; };\n"
            "security: { provider = \"x509\"; ca = \"%s/ca.pem\";\n"
            "  cert = \"%s/fleet-client.pem\"; key = \"%s/fleet-client.key\";"
            " %s%s%s };\n",
            url, certdir, certdir, certdir, cache ? "cert_cache = " : "",
            cache ? cache : "", cache ? ";" : "");
    if (threads != NULL)
        fprintf(f, "client: { verify_threads = %s; };\n", threads);
    if (fclose(f) != 0)
        die(path, NULL);
}

/* What one call saw, for the reply handler. */
struct round {
    struct sim *sim;
    int hold;
    size_t replies;
    int64_t t0_us, t1_us; /* the drain: after the first reply, the last */
    int64_t cpu0_us;      /* the process's CPU at t0 (the simulator idles) */
};

static void on_reply(void *ud, const struct mst_reply *rep, const char *signer,
                     int64_t rtt_us) {
    (void)rep, (void)signer, (void)rtt_us;
    struct round *r = ud;
    if (r->replies++ == 0 && r->hold) {
        sim_release_and_settle(r->sim);
        r->cpu0_us = bench_cpu_us(RUSAGE_SELF);
        r->t0_us = mst_now_us();
    }
    r->t1_us = mst_now_us();
}

static void on_invalid(void *ud, const char *why) {
    (void)ud;
    fprintf(stderr, "bench_fleet: invalid reply: %s\n", why);
}

/* One broadcast collected with mst_client_call; K replies or exit. */
static void client_round(struct mst_client *cl, struct sim *s, int hold,
                         struct round *r, int64_t *elapsed_us_r) {
    *r = (struct round){.sim = s, .hold = hold};
    sim_arm(s, hold);
    struct mst_call_spec spec = {.agent = "rpcutil",
                                 .action = "ping",
                                 .expected = s->k,
                                 .discovery_timeout_ms = 60000,
                                 .timeout_ms = 120000,
                                 .ttl_ms = 120000};
    struct mst_call_handlers h = {
        .reply = on_reply, .invalid = on_invalid, .ud = r};
    struct mst_call_stats st = {0};
    struct mst_err err = {0};
    if (mst_client_call(cl, &spec, &h, &st, &err) != MST_OK)
        die("call", &err);
    if (st.responses != s->k) {
        fprintf(stderr,
                "bench_fleet: %zu of %zu replies (%zu invalid), ended by %s\n",
                st.responses, s->k, st.invalid, mst_call_end_name(st.ended));
        exit(1);
    }
    *elapsed_us_r = st.elapsed_us;
    mst_call_stats_clear(&st);
}

/* The same K messages read by a consumer that does not decode them. */
static double raw_round(const struct mst_config *cfg, struct sim *s) {
    struct mst_security_options so = {.provider = "x509",
                                      .role = MST_SECURITY_CLIENT,
                                      .ca = cfg->security_ca,
                                      .cert = cfg->security_cert,
                                      .key = cfg->security_key};
    struct mst_connector_options co = {.urls = &cfg->broker_urls,
                                       .connection_name = "fleet-raw",
                                       .queue_max_length = 1000000};
    struct mst_security *sec = NULL;
    struct mst_connector *conn = NULL;
    struct mst_err err = {0};
    if (mst_security_new(&so, &sec, &err) != MST_OK ||
        mst_connector_new(&co, &conn, &err) != MST_OK ||
        mst_connector_connect(conn, &err) != MST_OK ||
        mst_connector_declare_reply_queue(conn, &cfg->collectives, &err) !=
            MST_OK)
        die("raw consumer", &err);
    struct mst_request req = {.time_ms = mst_wall_ms(),
                              .ttl_ms = 120000,
                              .collective = "muster",
                              .agent = "rpcutil",
                              .action = "ping",
                              .caller = "cert=fleet-client",
                              .sender = "fleet-raw",
                              .reply_to =
                                  (char *)mst_connector_reply_queue(conn),
                              .filter = json_object(),
                              .data = json_object()};
    mst_id_new(req.id);
    struct mst_buf body;
    mst_buf_init(&body, 0);
    sim_arm(s, 1);
    if (mst_request_seal(sec, &req, &body, &err) != MST_OK ||
        mst_connector_publish_request(conn, "muster", NULL, req.id, 120000,
                                      mst_buf_view(&body), &err) != MST_OK)
        die("raw request", &err);
    int64_t t0 = 0;
    struct mst_message msg;
    for (size_t got = 0; got < s->k;) {
        int rc = mst_connector_consume(conn, 60000, &msg, &err);
        if (rc <= 0)
            die("raw consume", rc < 0 ? &err : NULL);
        if (msg.kind != MST_MESSAGE_DELIVERY)
            continue;
        if (++got == 1) {
            sim_release_and_settle(s);
            t0 = mst_now_us();
        }
    }
    double rate = (double)(s->k - 1) * 1e6 / (double)(mst_now_us() - t0);
    json_decref(req.filter);
    json_decref(req.data);
    mst_buf_free(&body);
    mst_connector_free(&conn);
    mst_security_free(&sec);
    return rate;
}

static double median(double *v, size_t n) {
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* Make the missing certificates of nodes 1..k, saying how many and how
 * long it took. */
static void make_certs(const char *certdir, size_t k) {
    struct mst_err err = {0};
    size_t made = 0;
    int64_t t = mst_now_us();
    if (bench_fleet_certs(certdir, k, 2, &made, &err) != MST_OK)
        die("certificates", &err);
    printf("fleet_certs_made: %zu\nfleet_certs_s: %.1f\n", made,
           (double)(mst_now_us() - t) / 1e6);
    fflush(stdout);
}

/* Certificates (made if missing), keys loaded, the simulator connected. */
static void start_sim(struct sim *s, struct sim_thread *th,
                      const char *certdir) {
    struct mst_err err = {0};
    make_certs(certdir, s->k);
    int64_t t = mst_now_us();
    load_nodes(certdir, s->nodes, s->k);
    printf("fleet_load_s: %.1f\n", (double)(mst_now_us() - t) / 1e6);
    char ca[4096], cert[4096], key[4096];
    snprintf(ca, sizeof ca, "%s/ca.pem", certdir);
    snprintf(cert, sizeof cert, "%s/fleet00001.pem", certdir);
    snprintf(key, sizeof key, "%s/fleet00001.key", certdir);
    struct mst_security_options so = {.provider = "x509",
                                      .role = MST_SECURITY_SERVER,
                                      .ca = ca,
                                      .cert = cert,
                                      .key = key};
    if (mst_security_new(&so, &s->sec, &err) != MST_OK)
        die("simulator security", &err);
    for (unsigned i = 0; i < s->threads; i++) {
        th[i] = (struct sim_thread){.s = s, .idx = i};
        pthread_create(&th[i].t, NULL, sim_run, &th[i]);
    }
    pthread_mutex_lock(&s->lock);
    while (s->ready < s->threads)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "certs") == 0) {
        make_certs(argv[3], strtoul(argv[2], NULL, 10));
        return 0;
    }
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: bench_fleet URL K CERTDIR WORKDIR [ROUNDS] | "
                        "bench_fleet certs K CERTDIR\n");
        return 2;
    }
    struct sim s = {.url = argv[1], .k = strtoul(argv[2], NULL, 10)};
    size_t rounds = argc == 6 ? strtoul(argv[5], NULL, 10) : 3;
    const char *env = getenv("MUSTER_FLEET_SIM_THREADS");
    s.threads = env ? (unsigned)atoi(env) : 2;
    if (s.k < 2 || rounds < 1 || s.threads < 1 || s.threads > SIM_MAX) {
        fprintf(stderr, "bench_fleet: K >= 2, ROUNDS >= 1, 1..%d threads\n",
                SIM_MAX);
        return 2;
    }
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    s.nodes = calloc(s.k, sizeof *s.nodes);
    struct sim_thread th[SIM_MAX];
    start_sim(&s, th, argv[3]);

    char path[4096];
    snprintf(path, sizeof path, "%s/client.cfg", argv[4]);
    write_config(path, s.url, argv[3]);
    struct mst_config *cfg = NULL;
    struct mst_client *cl = NULL;
    struct mst_err err = {0};
    if (mst_config_load(path, MST_CONFIG_CLIENT, &cfg, &err) != MST_OK ||
        mst_client_new(cfg, &cl, &err) != MST_OK)
        die("client", &err);
    printf("fleet_nodes: %zu\n", s.k);
    printf("fleet_verify_threads: %d\n", cfg->client_verify_threads);
    int64_t *all_us = calloc(rounds, sizeof *all_us);
    double *client_rate = calloc(rounds, sizeof *client_rate);
    double *raw_rate = calloc(rounds, sizeof *raw_rate);
    double *cpu_per = calloc(rounds, sizeof *cpu_per);
    for (size_t r = 0; r < rounds; r++) {
        struct round rd;
        int64_t unused;
        client_round(cl, &s, 0, &rd, &all_us[r]);
        client_round(cl, &s, 1, &rd, &unused);
        client_rate[r] =
            (double)(s.k - 1) * 1e6 / (double)(rd.t1_us - rd.t0_us);
        cpu_per[r] = (double)(bench_cpu_us(RUSAGE_SELF) - rd.cpu0_us) /
                     (double)(s.k - 1);
        raw_rate[r] = raw_round(cfg, &s);
    }
    bench_print_percentiles("fleet_all_ms", all_us, rounds);
    printf("client_replies_per_s: %.0f\n", median(client_rate, rounds));
    printf("raw_drain_per_s: %.0f\n", median(raw_rate, rounds));
    printf("client_cpu_us_per_reply_drain: %.1f\n", median(cpu_per, rounds));

    pthread_mutex_lock(&s.lock);
    atomic_store(&s.stop, 1);
    pthread_cond_broadcast(&s.cond);
    pthread_mutex_unlock(&s.lock);
    for (unsigned i = 0; i < s.threads; i++)
        pthread_join(th[i].t, NULL);
    for (size_t i = 0; i < s.k; i++) {
        EVP_PKEY_free(s.nodes[i].key);
        OPENSSL_free(s.nodes[i].der);
    }
    free(s.nodes);
    free(all_us);
    free(client_rate);
    free(raw_rate);
    free(cpu_per);
    mst_security_free(&s.sec);
    mst_client_free(&cl);
    mst_config_free(&cfg);
    return 0;
}
