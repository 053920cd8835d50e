/*
 * bench_registration - one process plays K registering nodes against
 * `muster collect`: K distinct identities, each with a server certificate
 * from a CA of our own (`muster cert`'s code) and a ~5 KB fact set, publish
 * one full registration each to muster.registration; then one `muster
 * collect` run drains the collector queue into a fresh store.
 *
 *   bench_registration [-n K] [-u URL] [--queue NAME] [--db PATH]
 *                      [--config-out FILE] [--publish-only] [--full-check]
 *
 * Prints `name: value` lines: registration_nodes, registration_body_bytes
 * (sealed, average), registration_publish_per_s, registration_open_us
 * (median time to decode and verify one, as the collector does, each
 * node's certificate new to the verifier: a cold cache), registrations_per_s
 * (ingest: K / the collect run's wall time), registration_collect_s,
 * registration_collect_cpu_us (the collector's user + system CPU per
 * registration, every thread: what a busy machine does not distort),
 * registration_store_bytes_per_node (database plus WAL, / K), then the
 * same for one "still here" per node (the short body with the digest
 * already stored) collected by a second run into that store:
 * still_here_per_s and still_here_cpu_us (a new process: each node's
 * certificate is again new to its process, as in every cron run, but
 * known to the store: inventory.known_certs), and then one full
 * registration per node again (the same body) by a third run:
 * known_registrations_per_s and known_registration_cpu_us.  --full-check
 * sets inventory.known_certs = false: every run checks every certificate
 * in full, the figures without known certificates.  With --publish-only
 * it publishes and stops (test/integration/17-collect-kill9 uses that,
 * with the collector configuration --config-out writes).
 *
 * The nodes are fleet00001.. (fleet_certs.h, the generator bench_fleet
 * uses too), their certificates made once and kept under the build
 * directory (bench/fleet-certs/, shared with bench/fleet.sh; only the
 * missing ones are issued when a larger K is asked for); the collector's
 * client certificate is fleet-client.  A benchmark, not a test: it asserts
 * nothing about speed.  URL defaults to $MUSTER_TEST_URL, else the local
 * broker.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "fleet_certs.h"
#include "security/cert.h"
#include "security/security.h"
#include "stats.h"
#include "wire/envelope.h"
#include "wire/registration.h"

struct options {
    size_t k;
    const char *url, *queue, *db, *config_out;
    int publish_only;
    int full_check; /* inventory.known_certs = false */
};

/* One simulated node: its key and its certificate (DER). */
struct node {
    EVP_PKEY *key;
    uint8_t *der;
    int der_len;
};

static void die(const char *what, const struct mst_err *err) {
    fprintf(stderr, "bench_registration: %s: %s\n", what,
            err ? err->msg : strerror(errno));
    exit(1);
}

static const char *pki_dir(void) {
    return MST_BENCH_DIR "/fleet-certs";
}

static void path_in(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", pki_dir(), name);
}

/* The CA, the collector's certificate and nodes 1..k, made if missing;
 * node i of the bench is fleet node i + 1. */
static struct node *load_nodes(size_t k) {
    struct mst_err err = {0};
    size_t made = 0;
    if (bench_fleet_certs(pki_dir(), k, 2, &made, &err) != MST_OK)
        die("making the bench certificates", &err);
    if (made > 0)
        fprintf(stderr, "bench_registration: issued %zu certificates\n", made);
    struct node *v = calloc(k, sizeof *v);
    if (v == NULL)
        die("memory", NULL);
    for (size_t i = 0; i < k; i++)
        if (bench_fleet_node(pki_dir(), i + 1, &v[i].key, &v[i].der,
                             &v[i].der_len, &err) != MST_OK)
            die("loading a node", &err);
    return v;
}

/* A fact set of about 5 KB, the shape facter gives (values vary by node). */
static json_t *facts_of(size_t i) {
    char host[BENCH_NODE_NAME_LEN], ip[32], mac[32];
    bench_node_name(i + 1, host);
    snprintf(ip, sizeof ip, "10.%zu.%zu.%zu", (i >> 16) & 255, (i >> 8) & 255,
             i & 255);
    snprintf(mac, sizeof mac, "52:54:00:%02zx:%02zx:%02zx", (i >> 16) & 255,
             (i >> 8) & 255, i & 255);
    json_t *f = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s, s:s}, s:i, s:i, "
        "s:{s:s, s:s, s:s}, s:s, s:s, s:s}",
        "hostname", host, "fqdn", host, "os", "family", "Debian", "name",
        "Debian", "release", "full", "12.5", "major", "12", "kernel", "release",
        "6.1.0-18-amd64", "version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
        "processorcount", 4 + (int)(i % 4), "memorysize_mb", 8192, "networking",
        "ip", ip, "mac", mac, "primary", "eth0", "role", i % 3 ? "web" : "db",
        "datacenter", i % 2 ? "ams1" : "fra2", "timezone", "UTC");
    json_t *pkgs = json_object();
    for (int p = 0; p < 200; p++) {
        char name[32], ver[32];
        snprintf(name, sizeof name, "package-%03d", p);
        snprintf(ver, sizeof ver, "%d.%d.%zu-1", p % 7, p % 13, i % 5);
        json_object_set_new(pkgs, name, json_string(ver));
    }
    json_object_set_new(f, "packages", pkgs);
    return f;
}

/* Sign the payload as the node (the bytes the x509 provider makes). */
static void seal(const struct node *n, struct mst_bytes payload,
                 struct mst_buf *out) {
    uint8_t sig[512];
    size_t len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md &&
             EVP_DigestSignInit(md, NULL, mst_cert_sign_md(n->key), NULL,
                                n->key) == 1 &&
             EVP_DigestSign(md, sig, &len, payload.ptr, payload.len) == 1;
    EVP_MD_CTX_free(md);
    struct mst_envelope env = {.payload = payload,
                               .sig = MST_BYTES(sig, len),
                               .cert = MST_BYTES(n->der, (size_t)n->der_len)};
    if (!ok || mst_envelope_encode(&env, out, NULL) != MST_OK)
        die("signing", NULL);
}

/* Node i's full registration, or (full = 0) its "still here". */
static void registration_of(size_t i, int full, struct mst_buf *payload) {
    char name[BENCH_NODE_NAME_LEN];
    bench_node_name(i + 1, name);
    struct mst_registration reg = {
        .sender = strdup(name),
        .version = strdup("0.1.0"),
        .time_ms = mst_wall_ms(),
        .started_ms = mst_wall_ms() - 3600 * 1000,
        .interval_s = 300,
        .collectives = json_pack("[s]", "muster"),
        .facts = facts_of(i),
        .classes = json_pack("[s,s,s]", "base", "ssh", i % 3 ? "nginx" : "pg"),
        .agents =
            json_pack("[{s:s,s:s},{s:s,s:s}]", "name", "rpcutil", "version",
                      "1.0.0", "name", "service", "version", "1.2.0"),
    };
    struct mst_err err = {0};
    if (mst_registration_digest(reg.facts, reg.classes, reg.agents, reg.digest,
                                &err) != MST_OK)
        die("a registration digest", &err);
    if (!full) { /* the same digest, without the body */
        json_decref(reg.facts);
        json_decref(reg.classes);
        json_decref(reg.agents);
        reg.facts = reg.classes = reg.agents = NULL;
    }
    if (mst_registration_encode(&reg, payload, &err) != MST_OK)
        die("encoding a registration", &err);
    mst_registration_clear(&reg);
}

static struct mst_connector *connect_to(const char *url,
                                        struct mst_strv *urls) {
    mst_strv_push(urls, url);
    struct mst_connector_options o = {.urls = urls,
                                      .heartbeat_s = 30,
                                      .connection_name = "bench_registration",
                                      .queue_max_length = 100000,
                                      .queue_overflow = "drop-head"};
    struct mst_connector *c = NULL;
    struct mst_err err = {0};
    if (mst_connector_new(&o, &c, &err) != MST_OK ||
        mst_connector_connect(c, &err) != MST_OK)
        die("broker", &err);
    return c;
}

/* The collector's queue exists (as muster collect declares it) before
 * anything is published, so nothing is dropped unseen. */
static void declare_queue(const struct options *o) {
    struct mst_strv urls = {0}, collectives = {0};
    mst_strv_push(&collectives, "muster");
    struct mst_connector *c = connect_to(o->url, &urls);
    struct mst_err err = {0};
    if (mst_connector_declare_collector(c, o->queue, &collectives, &err) !=
        MST_OK)
        die("declaring the collector queue", &err);
    mst_connector_free(&c);
    mst_strv_free(&urls);
    mst_strv_free(&collectives);
}

/* The collector's verifier: client role, the bench CA. */
static struct mst_security *verifier(void) {
    char ca[512], cert[512], key[512];
    path_in(ca, sizeof ca, "ca.pem");
    path_in(cert, sizeof cert, "fleet-client.pem");
    path_in(key, sizeof key, "fleet-client.key");
    struct mst_security_options so = {.provider = "x509",
                                      .role = MST_SECURITY_CLIENT,
                                      .ca = ca,
                                      .cert = cert,
                                      .key = key};
    struct mst_security *sec = NULL;
    struct mst_err err = {0};
    if (mst_security_new(&so, &sec, &err) != MST_OK)
        die("the collector's provider", &err);
    return sec;
}

/* Nanoseconds to open `msg` as the collector does (it must open). */
static int64_t open_ns(struct mst_security *sec, struct mst_bytes msg) {
    struct mst_registration reg = {0};
    char signer[MST_SIGNER_LEN];
    struct mst_err err = {0};
    int64_t t0 = bench_now_ns();
    if (mst_registration_open(sec, msg, NULL, &reg, signer, &err) != MST_OK)
        die("opening a registration", &err);
    int64_t ns = bench_now_ns() - t0;
    mst_registration_clear(&reg);
    return ns;
}

/* Publish one registration per node (full or "still here"); returns the
 * average sealed size.  Each is also opened once, timed into open_ns_r[i]
 * (not in *per_s). */
static double publish_all(const struct options *o, const struct node *nodes,
                          int full, double *per_s, int64_t *open_ns_r) {
    struct mst_strv urls = {0};
    struct mst_connector *c = connect_to(o->url, &urls);
    struct mst_security *sec = verifier();
    size_t bytes = 0;
    int64_t opening = 0, t0 = bench_now_ns();
    for (size_t i = 0; i < o->k; i++) {
        struct mst_buf payload, out;
        mst_buf_init(&payload, 0);
        mst_buf_init(&out, 0);
        registration_of(i, full, &payload);
        seal(&nodes[i], mst_buf_view(&payload), &out);
        struct mst_err err = {0};
        if (mst_connector_publish_registration(c, "muster", mst_buf_view(&out),
                                               &err) != MST_OK)
            die("publishing", &err);
        open_ns_r[i] = open_ns(sec, mst_buf_view(&out));
        opening += open_ns_r[i];
        bytes += out.len;
        mst_buf_free(&payload);
        mst_buf_free(&out);
    }
    double s = (double)(bench_now_ns() - t0 - opening) / 1e9;
    *per_s = (double)o->k / s;
    mst_security_free(&sec);
    mst_connector_free(&c); /* a polite close flushes what is written */
    mst_strv_free(&urls);
    return (double)bytes / (double)o->k;
}

static void write_config(const struct options *o, const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die(path, NULL);
    fprintf(f,
            "identity = \"fleet-client\";\n"
            "broker: { urls = [\"%s\"]; };\n"
            "security: { provider = \"x509\"; ca = \"%s/ca.pem\";\n"
            "  cert = \"%s/fleet-client.pem\";\n"
            "  key = \"%s/fleet-client.key\"; };\n"
            /* one line: 17-collect-kill9 edits it */
            "inventory: { queue = \"%s\"; queue_max_length = 100000; "
            "known_certs = %s; };\n"
            "log: { level = \"warning\"; };\n",
            o->url, pki_dir(), pki_dir(), pki_dir(), o->queue,
            o->full_check ? "false" : "true");
    if (fclose(f) != 0)
        die(path, NULL);
}

/* Run `muster -c CFG collect --db DB`; its wall time in seconds, and its
 * CPU time (user + system) in *cpu_s_r. */
static double run_collect(const char *cfg, const char *db, double *cpu_s_r) {
    int64_t cpu0 = bench_cpu_us(RUSAGE_CHILDREN);
    int64_t t0 = bench_now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        execl(MST_MUSTER_BIN, "muster", "-c", cfg, "collect", "--db", db,
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_registration: muster collect failed (%d)\n",
                status);
        exit(1);
    }
    double wall = (double)(bench_now_ns() - t0) / 1e9;
    *cpu_s_r = (double)(bench_cpu_us(RUSAGE_CHILDREN) - cpu0) / 1e6;
    return wall;
}

static long long size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void remove_store(const char *db) {
    char p[600];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

static void parse(int argc, char **argv, struct options *o) {
    static const struct option longopts[] = {
        {"queue", required_argument, NULL, 'q'},
        {"db", required_argument, NULL, 'd'},
        {"config-out", required_argument, NULL, 'o'},
        {"publish-only", no_argument, NULL, 'p'},
        {"full-check", no_argument, NULL, 'f'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:u:", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            o->k = strtoul(optarg, NULL, 10);
            break;
        case 'u':
            o->url = optarg;
            break;
        case 'q':
            o->queue = optarg;
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'o':
            o->config_out = optarg;
            break;
        case 'p':
            o->publish_only = 1;
            break;
        case 'f':
            o->full_check = 1;
            break;
        default:
            fprintf(stderr, "usage: bench_registration [-n K] [-u URL] "
                            "[--queue NAME] [--db PATH] [--config-out FILE] "
                            "[--publish-only] [--full-check]\n");
            exit(2);
        }
    }
    if (o->k == 0 || o->k > 100000) {
        fprintf(stderr, "bench_registration: -n must be 1 .. 100000\n");
        exit(2);
    }
}

int main(int argc, char **argv) {
    const char *env = getenv("MUSTER_TEST_URL");
    struct options o = {.k = 10000,
                        .url = env ? env : "amqp://guest:guest@127.0.0.1:5672",
                        .queue = "muster.bench.collector",
                        .db = MST_BENCH_DIR "/bench-inventory.db",
                        .config_out = MST_BENCH_DIR "/bench-collector.cfg"};
    parse(argc, argv, &o);
    struct node *nodes = load_nodes(o.k);
    write_config(&o, o.config_out);
    declare_queue(&o);
    if (!o.publish_only) { /* leftovers of an earlier run go first */
        double ignored;
        run_collect(o.config_out, o.db, &ignored);
        remove_store(o.db);
    }
    double publish_per_s = 0;
    int64_t *opens = calloc(o.k, sizeof *opens);
    if (opens == NULL)
        die("memory", NULL);
    double body = publish_all(&o, nodes, 1, &publish_per_s, opens);
    bench_sort(opens, o.k);
    printf("registration_nodes: %zu\n", o.k);
    printf("registration_body_bytes: %.0f\n", body);
    printf("registration_publish_per_s: %.0f\n", publish_per_s);
    printf("registration_open_us: %.1f\n",
           (double)bench_percentile(opens, o.k, 50) / 1000.0);
    if (!o.publish_only) {
        double cpu = 0;
        double s = run_collect(o.config_out, o.db, &cpu);
        char wal[600];
        snprintf(wal, sizeof wal, "%s-wal", o.db);
        printf("registration_collect_s: %.2f\n", s);
        printf("registrations_per_s: %.0f\n", (double)o.k / s);
        printf("registration_collect_cpu_us: %.0f\n", cpu * 1e6 / (double)o.k);
        printf("registration_store_bytes_per_node: %.0f\n",
               (double)(size_of(o.db) + size_of(wal)) / (double)o.k);
        publish_all(&o, nodes, 0, &publish_per_s, opens);
        s = run_collect(o.config_out, o.db, &cpu);
        printf("still_here_per_s: %.0f\n", (double)o.k / s);
        printf("still_here_cpu_us: %.0f\n", cpu * 1e6 / (double)o.k);
        publish_all(&o, nodes, 1, &publish_per_s, opens);
        s = run_collect(o.config_out, o.db, &cpu);
        printf("known_registrations_per_s: %.0f\n", (double)o.k / s);
        printf("known_registration_cpu_us: %.0f\n", cpu * 1e6 / (double)o.k);
    }
    free(opens);
    for (size_t i = 0; i < o.k; i++) {
        EVP_PKEY_free(nodes[i].key);
        OPENSSL_free(nodes[i].der);
    }
    free(nodes);
    return 0;
}
