/*
 * bench_sign - microseconds to sign and to verify one request envelope
 * with the x509 provider, per key type (P-256, Ed25519, RSA-2048), verify
 * with and without the certificate cache.  Median and p99 over N runs.
 *
 *   bench_sign [N]        (default 2000)
 *
 * Keys and certificates are made fresh in a temporary directory with the
 * same code as `muster cert`.  Numbers are for one core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "security/cert.h"
#include "security/security.h"
#include "stats.h"
#include "wire/request.h"

/* The person's line, and a "FIGURE_TAG: median" line for bench/run.sh. */
static void report(const char *what, const char *figure, const char *tag,
                   int64_t *ns, size_t n) {
    bench_sort(ns, n);
    double p50 = (double)bench_percentile(ns, n, 50) / 1000.0;
    double p99 = (double)bench_percentile(ns, n, 99) / 1000.0;
    printf("  %-28s median %8.1f us   p99 %8.1f us\n", what, p50, p99);
    printf("%s_%s: %.1f\n", figure, tag, p50);
}

static struct mst_security *make(const char *dir, const char *name,
                                 enum mst_security_role role, int cache) {
    char ca[256], cert[256], key[256];
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(cert, sizeof cert, "%s/%s.pem", dir, name);
    snprintf(key, sizeof key, "%s/%s.key", dir, name);
    struct mst_security_options o = {.provider = "x509",
                                     .role = role,
                                     .ca = ca,
                                     .cert = cert,
                                     .key = key,
                                     .cert_cache = cache};
    struct mst_security *sec = NULL;
    struct mst_err err = {0};
    if (mst_security_new(&o, &sec, &err) != MST_OK) {
        fprintf(stderr, "bench_sign: %s\n", err.msg);
        exit(1);
    }
    return sec;
}

/* A request payload of the usual size (an rpcutil ping). */
static void payload(struct mst_buf *p) {
    struct mst_request req = {.time_ms = mst_wall_ms(),
                              .ttl_ms = 60000,
                              .collective = "muster",
                              .agent = "rpcutil",
                              .action = "ping",
                              .caller = "cert=alice",
                              .sender = "client.example.net",
                              .reply_to = "amq.gen-JzTY20BRgKO-HjmUJj0wLg",
                              .filter = json_object(),
                              .data = json_object()};
    mst_id_new(req.id);
    mst_buf_init(p, 0);
    mst_request_encode(&req, p, NULL);
    json_decref(req.filter);
    json_decref(req.data);
}

static void bench_verify(const char *dir, const char *client,
                         struct mst_bytes env, int cache, const char *tag,
                         int64_t *ns, size_t n) {
    struct mst_security *node = make(dir, "node", MST_SECURITY_SERVER, cache);
    char signer[MST_SIGNER_LEN];
    struct mst_envelope e;
    for (size_t i = 0; i < n; i++) {
        int64_t t = bench_now_ns();
        if (mst_security_open(node, env, &e, signer, NULL) != MST_OK ||
            strcmp(signer, client) != 0) {
            fprintf(stderr, "bench_sign: verify failed\n");
            exit(1);
        }
        ns[i] = bench_now_ns() - t;
    }
    if (cache == 0)
        report("verify (cert cached)", "verify_us", tag, ns, n);
    else
        report("verify (no cache: chain too)", "verify_nocache_us", tag, ns, n);
    mst_security_free(&node);
}

static void bench_type(const char *dir, enum mst_key_type type,
                       const char *label, const char *tag, size_t n,
                       int64_t *ns) {
    struct mst_err err = {0};
    char client[32];
    snprintf(client, sizeof client, "client-%d", (int)type);
    struct mst_cert_request req = {
        .name = client, .kind = MST_CERT_CLIENT, .key_type = type, .days = 1};
    if (mst_cert_issue(dir, &req, &err) != MST_OK) {
        fprintf(stderr, "bench_sign: %s\n", err.msg);
        exit(1);
    }
    struct mst_security *cl = make(dir, client, MST_SECURITY_CLIENT, 0);
    struct mst_buf p, env;
    payload(&p);
    mst_buf_init(&env, 0);
    printf("%s (payload %zu bytes)\n", label, p.len);
    for (size_t i = 0; i < n; i++) {
        env.len = 0;
        int64_t t = bench_now_ns();
        mst_security_seal(cl, mst_buf_view(&p), &env, NULL);
        ns[i] = bench_now_ns() - t;
    }
    report("sign", "sign_us", tag, ns, n);
    printf("  %-28s %zu bytes\n", "envelope", env.len);
    bench_verify(dir, client, mst_buf_view(&env), 0, tag, ns, n);
    bench_verify(dir, client, mst_buf_view(&env), -1, tag, ns, n);
    mst_buf_free(&p);
    mst_buf_free(&env);
    mst_security_free(&cl);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 2000;
    if (n < 100)
        n = 100;
    char dir[] = "/tmp/muster-bench-sign.XXXXXX";
    struct mst_err err = {0};
    if (mkdtemp(dir) == NULL ||
        mst_cert_init(dir, MST_KEY_EC, 1, &err) != MST_OK) {
        fprintf(stderr, "bench_sign: %s\n", err.msg);
        return 1;
    }
    struct mst_cert_request node = {.name = "node",
                                    .kind = MST_CERT_SERVER,
                                    .key_type = MST_KEY_EC,
                                    .days = 1};
    if (mst_cert_issue(dir, &node, &err) != MST_OK) {
        fprintf(stderr, "bench_sign: %s\n", err.msg);
        return 1;
    }
    int64_t *ns = calloc(n, sizeof *ns);
    printf("bench_sign: %zu runs each; CA key P-256\n", n);
    bench_type(dir, MST_KEY_EC, "ECDSA P-256", "p256", n, ns);
    bench_type(dir, MST_KEY_ED25519, "Ed25519", "ed25519", n, ns);
    bench_type(dir, MST_KEY_RSA, "RSA-2048", "rsa2048", n, ns);
    free(ns);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
