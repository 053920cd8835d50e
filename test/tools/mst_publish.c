/*
 * mst_publish - publish raw bytes as a request, for tests that feed the
 * daemons garbage, forged or replayed messages.
 *
 *   mst_publish URL EXCHANGE ROUTING_KEY FILE [COUNT]   (FILE "-": stdin)
 *
 * COUNT (default 1) publishes the same message that many times on one
 * connection: identical bytes and AMQP properties (replay tests).
 *
 * EXCHANGE is C.broadcast (ROUTING_KEY ignored), C.direct (ROUTING_KEY =
 * the node identity) or C.registration (ROUTING_KEY ignored; published as
 * musterd publishes registrations).  Exits 0 once the broker has the bytes.
 */
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "base/config.h"
#include "base/file.h"
#include "base/status.h"
#include "base/util.h"
#include "connector.h"

#define MAX_BODY (64 * 1024 * 1024)

enum kind { BROADCAST, DIRECT, REGISTRATION };

/* Split "C.broadcast" / "C.direct" / "C.registration" into the collective
 * and the kind. */
static int parse_exchange(const char *exchange, char *collective, size_t size,
                          enum kind *kind) {
    const char *dot = strrchr(exchange, '.');
    if (dot == NULL || (size_t)(dot - exchange) >= size)
        return -1;
    if (strcmp(dot, ".direct") == 0)
        *kind = DIRECT;
    else if (strcmp(dot, ".registration") == 0)
        *kind = REGISTRATION;
    else if (strcmp(dot, ".broadcast") == 0)
        *kind = BROADCAST;
    else
        return -1;
    memcpy(collective, exchange, (size_t)(dot - exchange));
    collective[dot - exchange] = '\0';
    return 0;
}

int main(int argc, char **argv) {
    char collective[256];
    enum kind kind = BROADCAST;
    long long count = 1;
    if (argc == 6 && mst_parse_int(argv[5], 1, 1000000, &count) != MST_OK)
        argc = 0;
    if ((argc != 5 && argc != 6) ||
        parse_exchange(argv[2], collective, sizeof collective, &kind) != 0) {
        fprintf(stderr, "usage: mst_publish URL "
                        "C.broadcast|C.direct|C.registration "
                        "ROUTING_KEY FILE|- [COUNT]\n");
        return 2;
    }
    char *body = NULL;
    size_t len = 0;
    struct mst_err err = {0};
    int rc = strcmp(argv[4], "-") == 0
                 ? mst_file_read_fd(0, "stdin", MAX_BODY, &body, &len, &err)
                 : mst_file_read(argv[4], MAX_BODY, &body, &len, &err);
    if (rc != MST_OK) {
        fprintf(stderr, "mst_publish: %s\n", err.msg);
        return 1;
    }
    struct mst_strv urls = {0}, collectives = {0};
    mst_strv_push(&urls, argv[1]);
    mst_strv_push(&collectives, collective);
    struct mst_connector_options o = {.tls_ca = getenv("MUSTER_TLS_CA"),
                                      .urls = &urls,
                                      .heartbeat_s = 30,
                                      .connection_name = "mst_publish"};
    struct mst_connector *conn = NULL;
    rc = mst_connector_new(&o, &conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_connect(conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_declare_reply_queue(conn, &collectives, &err);
    struct mst_bytes b = {(const uint8_t *)body, len};
    for (long long i = 0; rc == MST_OK && i < count; i++)
        rc = kind == REGISTRATION
                 ? mst_connector_publish_registration(conn, collective, b, &err)
                 : mst_connector_publish_request(
                       conn, collective, kind == DIRECT ? argv[3] : NULL,
                       "00000000000000000000000000000000", 60000, b, &err);
    if (rc != MST_OK)
        fprintf(stderr, "mst_publish: %s\n", err.msg);
    mst_connector_free(&conn);
    free(body);
    mst_strv_free(&urls);
    mst_strv_free(&collectives);
    return rc == MST_OK ? 0 : 1;
}
