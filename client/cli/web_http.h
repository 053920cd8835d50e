/*
 * web_http.h - the HTTP side of `muster web` on libmicrohttpd: one thread
 * per connection, the routes of docs/web.md, and the checks every request
 * passes first: the Host header names the listen address (no DNS
 * rebinding), a state-changing request carries the session's token in
 * X-Muster-Token (no request forged by another site), a body is at most
 * MST_WEB_HTTP_BODY_MAX bytes.  No CORS header is ever sent.
 */
#ifndef MST_WEB_HTTP_H
#define MST_WEB_HTTP_H

#include <muster/client.h>

#include "web_api.h"

#define MST_WEB_HTTP_BODY_MAX (64 * 1024)

struct mst_web_http;

/* How to listen; borrowed for the server's life. */
struct mst_web_http_options {
    const char *listen;   /* "ADDR:PORT" or "[ADDR6]:PORT"; ADDR may be a
                             name: it is also the Host browsers send */
    const char *tls_cert; /* PEM text of the certificate, or NULL */
    const char *tls_key;  /* PEM text of its key, or NULL */
    const struct mst_web_api *api;
};

/*
 * mst_web_http_start - listen and serve in the background.
 * Returns: 0; MUSTER_EINVAL (a listen address that does not parse or
 *   resolve, or not loopback without TLS); MUSTER_EUNSUPPORTED (TLS asked
 *   of a libmicrohttpd without it); MUSTER_EIO (cannot listen).
 */
int mst_web_http_start(const struct mst_web_http_options *o,
                       struct mst_web_http **http_r, struct muster_error *err);

/* mst_web_http_url - "http://ADDR:PORT/" (https with TLS).  Borrowed. */
const char *mst_web_http_url(const struct mst_web_http *http);

/* mst_web_http_quiesce - accept no more connections; those open go on
 * (shutdown: their streams send their last event). */
void mst_web_http_quiesce(struct mst_web_http *http);

/* mst_web_http_stop - close every connection (streams must have been
 * woken: mst_web_calls_stop), free *http, set it to NULL. */
void mst_web_http_stop(struct mst_web_http **http);

#endif
