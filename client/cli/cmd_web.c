/*
 * cmd_web.c - muster web [--listen ADDR:PORT] [--read-only]: the web
 * console (docs/web.md).  It acts with this client's configuration and
 * certificate, as the CLI does; it serves until SIGTERM or SIGINT, then
 * accepts no more connections and starts no more calls, ends the event
 * streams, gives them and the calls still running STOP_WAIT_S to end,
 * closes its connections and exits 0.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "web_api.h"
#include "web_calls.h"
#include "web_http.h"

/* The session token: 32 random bytes in hex. */
#define TOKEN_BYTES 32
/* How long a stopping console waits for its streams to send their last
 * event and its running calls to end: a call whose nodes answer is over
 * well before; one that waits for a silent node (up to its timeout) is
 * not waited for. */
#define STOP_WAIT_S 2

static int make_token(char *hex, size_t size) {
    unsigned char raw[TOKEN_BYTES];
    FILE *f = fopen("/dev/urandom", "rb");
    int ok = f != NULL && fread(raw, sizeof raw, 1, f) == 1;
    if (f != NULL)
        fclose(f);
    for (size_t i = 0; ok && i < sizeof raw && 2 * i + 2 < size; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return ok ? MST_EXIT_GO_ON
              : mst_cli_error(MST_EXIT_USAGE,
                              "/dev/urandom: cannot read a session token");
}

/* The PEM file the key `key` names, read whole into *text_r (NULL when
 * the key is unset). */
static int read_pem(const struct muster_config *cfg, const char *key,
                    char **text_r) {
    char path[4096];
    muster_config_get(cfg, key, path, sizeof path, NULL);
    *text_r = NULL;
    if (path[0] == '\0')
        return MST_EXIT_GO_ON;
    FILE *f = fopen(path, "rb");
    char *text = f ? calloc(1, 1024 * 1024 + 1) : NULL;
    size_t n = text ? fread(text, 1, 1024 * 1024, f) : 0;
    int err = f == NULL ? errno : 0;
    if (f != NULL)
        fclose(f);
    if (n == 0) {
        free(text);
        return mst_cli_error(MST_EXIT_USAGE, "%s %s: %s", key, path,
                             err ? strerror(err) : "empty or unreadable");
    }
    *text_r = text;
    return MST_EXIT_GO_ON;
}

/* The caller nodes will see, from a first connection: a console that
 * cannot reach the broker or sign says so now. */
static int caller_name(const struct mst_cli *cli, char *name, size_t size) {
    struct muster_client *cl = mst_cli_connect(cli);
    if (cl == NULL)
        return MST_EXIT_BROKER;
    snprintf(name, size, "%s", muster_client_caller(cl));
    muster_client_free(&cl);
    return MST_EXIT_GO_ON;
}

/* Serve until one of `stop` arrives. */
static int serve(struct mst_web_api *api, const char *listen, const char *cert,
                 const char *key, const sigset_t *stop) {
    struct mst_web_http_options o = {
        .listen = listen, .tls_cert = cert, .tls_key = key, .api = api};
    struct mst_web_http *http = NULL;
    struct muster_error err = {0};
    if (mst_web_http_start(&o, &http, &err) != 0)
        return mst_cli_error(MST_EXIT_USAGE, "%s", err.message);
    fprintf(stderr, "muster web: %s, acting as %s%s\n", mst_web_http_url(http),
            api->identity, api->read_only ? " (read-only)" : "");
    int sig = 0;
    sigwait(stop, &sig);
    mst_web_http_quiesce(http);
    mst_web_calls_stop(api->calls);
    size_t running = mst_web_calls_wait(api->calls, STOP_WAIT_S);
    mst_web_http_stop(&http);
    if (running > 0) {
        /* The library cannot cancel them: end the process without the
         * cleanup (freeing the configuration, OpenSSL's) their threads
         * still use.  Their nodes may still run them. */
        fprintf(stderr, "muster web: stopped, %zu call%s not waited for\n",
                running, running == 1 ? "" : "s");
        fflush(NULL);
        _exit(MST_EXIT_OK);
    }
    return MST_EXIT_OK;
}

int mst_cmd_web(struct mst_cli *cli) {
    if (cli->nargs != 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "usage: muster web [--listen ADDR:PORT] "
                             "[--read-only]");
    char listen[300], confirm[8], token[2 * TOKEN_BYTES + 1] = "";
    char identity[256] = "";
    char *cert = NULL, *key = NULL;
    struct mst_web_calls *calls = NULL;
    /* SIGTERM and SIGINT are blocked before any thread starts (the
     * library's, the server's), so that they inherit the mask and only
     * sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Every call and connection is a thread of its own, and glibc gives
     * threads malloc arenas of their own (up to 8 per core) that it keeps
     * when they end; two are plenty for a console. */
    mallopt(M_ARENA_MAX, 2);
    muster_config_get(cli->cfg, "web.listen", listen, sizeof listen, NULL);
    muster_config_get(cli->cfg, "web.confirm_all", confirm, sizeof confirm,
                      NULL);
    int rc = make_token(token, sizeof token);
    if (rc == MST_EXIT_GO_ON)
        rc = read_pem(cli->cfg, "web.tls_cert", &cert);
    if (rc == MST_EXIT_GO_ON)
        rc = read_pem(cli->cfg, "web.tls_key", &key);
    if (rc == MST_EXIT_GO_ON && (cert == NULL) != (key == NULL))
        rc = mst_cli_error(MST_EXIT_USAGE,
                           "web.tls_cert and web.tls_key go together");
    if (rc == MST_EXIT_GO_ON)
        rc = caller_name(cli, identity, sizeof identity);
    if (rc == MST_EXIT_GO_ON && mst_web_calls_new(cli->cfg, &calls) != 0)
        rc = mst_cli_error(MST_EXIT_USAGE, "out of memory");
    if (rc == MST_EXIT_GO_ON) {
        struct mst_web_api api = {.cfg = cli->cfg,
                                  .calls = calls,
                                  .token = token,
                                  .identity = identity,
                                  .read_only = cli->read_only,
                                  .confirm_all = strcmp(confirm, "true") == 0};
        rc = serve(&api, cli->listen ? cli->listen : listen, cert, key, &stop);
    }
    mst_web_calls_free(&calls);
    free(cert);
    free(key);
    return rc;
}
