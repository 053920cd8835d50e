/*
 * mst_publish - publish raw bytes as a request, for tests that feed the
 * daemons garbage, forged or replayed messages.
 *
 *   mst_publish URL COLLECTIVE [IDENTITY] < BODY
 *
 * Without IDENTITY the body goes to COLLECTIVE.broadcast, with it to
 * COLLECTIVE.direct.  Exits 0 once the broker has the bytes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "connector.h"
#include "status.h"

#define MAX_BODY (64 * 1024 * 1024)

static int read_all(FILE *f, struct mst_buf *buf) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (mst_buf_append(buf, chunk, n) != MST_OK)
            return -1;
    return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: mst_publish URL COLLECTIVE [IDENTITY] < BODY\n");
        return 2;
    }
    struct mst_buf body;
    mst_buf_init(&body, MAX_BODY);
    if (read_all(stdin, &body) != 0) {
        fprintf(stderr, "mst_publish: cannot read the body\n");
        return 1;
    }
    struct mst_strv urls = {0}, collectives = {0};
    mst_strv_push(&urls, argv[1]);
    mst_strv_push(&collectives, argv[2]);
    struct mst_connector_options o = {.urls = &urls, .heartbeat_s = 30,
                                      .connection_name = "mst_publish"};
    struct mst_connector *conn = NULL;
    struct mst_err err = {0};
    int rc = mst_connector_new(&o, &conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_connect(conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_declare_reply_queue(conn, &collectives, &err);
    if (rc == MST_OK)
        rc = mst_connector_publish_request(conn, argv[2],
                                           argc == 4 ? argv[3] : NULL,
                                           "00000000000000000000000000000000",
                                           60000, mst_buf_view(&body), &err);
    if (rc != MST_OK)
        fprintf(stderr, "mst_publish: %s\n", err.msg);
    mst_connector_free(&conn);
    mst_buf_free(&body);
    mst_strv_free(&urls);
    mst_strv_free(&collectives);
    return rc == MST_OK ? 0 : 1;
}
