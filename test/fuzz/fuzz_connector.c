/*
 * fuzz_connector.c - libFuzzer target for the connector's frame and body
 * assembly (rabbitmq.c: consume_frame -> on_method -> read_delivery /
 * read_returned -> read_content -> read_body).  The input is what a hostile
 * "broker" sends after login: raw AMQP frames, written by a thread into one
 * end of a socketpair whose other end the connector reads through the test
 * seam.  Invariants: no crash, no leak, a delivered body is never larger than
 * max_body nor different from its announced size, and an announced body over
 * max_body is never allocated (run with -rss_limit_mb=256: a 4 GiB claim
 * must not be malloc'd).  Seeds: test/fuzz/gen_connector_seeds.py.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/status.h"
#include "base/strv.h"
#include "connector_seam.h"

#define MAX_BODY 1024u /* small, so that both paths are reached */
#define CONSUME_TIMEOUT_MS 1000

int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__asan_default_options(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct script {
    int fd;
    const uint8_t *data;
    size_t size;
};

/* The broker: write the whole input, then hang up (EOF ends the consume). */
static void *broker(void *arg) {
    struct script *s = arg;
    size_t off = 0;
    while (off < s->size) {
        ssize_t n = write(s->fd, s->data + off, s->size - off);
        if (n <= 0)
            break; /* the connector hung up first */
        off += (size_t)n;
    }
    close(s->fd);
    return NULL;
}

static void check_message(const struct mst_message *m) {
    if (m->oversized) {
        if (m->body.len != 0 || m->body_size <= MAX_BODY)
            abort();
        return;
    }
    if (m->body.len > MAX_BODY || m->body.len != m->body_size)
        abort();
    if (m->body.len > 0 && m->body.ptr == NULL)
        abort();
}

/*
 * Each input frees a connection's 128 KiB frame buffers; ASan's default
 * 256 MiB quarantine of freed memory would alone reach -rss_limit_mb=256.
 */
const char *__asan_default_options(void) {
    return "quarantine_size_mb=32";
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN); /* the connector may write to a closed peer */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char url[] = "amqp://127.0.0.1:1";
    char *urls_v[] = {url};
    struct mst_strv urls = {urls_v, 1};
    struct mst_connector_options opts = {.urls = &urls, .max_body = MAX_BODY};
    struct mst_connector *conn = NULL;
    struct mst_err err = {0, ""};
    if (mst_connector_new(&opts, &conn, &err) != MST_OK)
        abort();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        abort();
    if (mst_connector_attach_fd_for_test(conn, sv[0], &err) != MST_OK)
        abort();
    struct script s = {sv[1], data, size};
    pthread_t writer;
    if (pthread_create(&writer, NULL, broker, &s) != 0)
        abort();
    for (;;) {
        struct mst_message m;
        int rc = mst_connector_consume(conn, CONSUME_TIMEOUT_MS, &m, &err);
        if (rc < 0 && err.msg[0] == '\0')
            abort();
        if (rc <= 0)
            break;
        check_message(&m);
        mst_connector_release(conn, &m);
    }
    mst_connector_free(&conn);
    pthread_join(writer, NULL);
    return 0;
}
