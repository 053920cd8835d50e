/*
 * web_http.c - the console's HTTP server (web_http.h).
 */
#include "web_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc_check.h"
#include "web_page.h"

/* How long a quiet event stream waits before a comment line that finds
 * out whether the browser is still there. */
#define KEEPALIVE_S 15
#define MAX_CONNECTIONS 64
#define STREAM_BLOCK (64 * 1024)
#define HOST_LEN 300

struct mst_web_http {
    struct MHD_Daemon *daemon;
    const struct mst_web_api *api;
    char host[HOST_LEN];      /* the Host browsers send: the listen text */
    char localhost[HOST_LEN]; /* loopback: "localhost:PORT" too */
    char url[HOST_LEN + 16];
};

/* A request being read: its body so far. */
struct pending {
    char *body;
    size_t len;
    int too_big;
};

/* An event stream: the call, how far it has been sent, the event text
 * being written. */
struct stream {
    const struct mst_web_api *api;
    struct mst_web_call *call;
    size_t next;
    int done;
    char *text;
    size_t len, off;
};

/* Headers on every answer: the page loads nothing but itself, is never
 * framed, and nothing is cached or sniffed. */
static void add_headers(struct MHD_Response *r, const char *type) {
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result send_bytes(struct MHD_Connection *c, int status,
                                  const char *type, void *data, size_t len,
                                  enum MHD_ResponseMemoryMode mode) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, mode);
    if (r == NULL)
        return MHD_NO;
    add_headers(r, type);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Answer `doc` (taken; NULL: out of memory) with `status`. */
static enum MHD_Result send_json(struct MHD_Connection *c, int status,
                                 json_t *doc) {
    char *text = doc ? json_dumps(doc, JSON_COMPACT | MUSTER_JSON_REAL) : NULL;
    json_decref(doc);
    if (text == NULL) {
        static char oom[] = "{\"error\":\"out of memory\"}";
        return send_bytes(c, 500, "application/json", oom, strlen(oom),
                          MHD_RESPMEM_PERSISTENT);
    }
    return send_bytes(c, status, "application/json", text, strlen(text),
                      MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status,
                                  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum MHD_Result send_error(struct MHD_Connection *c, int status,
                                  const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *doc = NULL;
    mst_web_api_error(&doc, status, "%s", msg);
    return send_json(c, status, doc);
}

/* The Host header names this console: a page of another name that
 * resolves here (DNS rebinding) is refused. */
static int host_ok(const struct mst_web_http *http, const char *h) {
    return h != NULL && (strcasecmp(h, http->host) == 0 ||
                         (http->localhost[0] != '\0' &&
                          strcasecmp(h, http->localhost) == 0));
}

/* The session's token, compared in constant time. */
static int token_ok(const struct mst_web_http *http, struct MHD_Connection *c) {
    const char *t =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Muster-Token");
    const char *want = http->api->token;
    size_t n = strlen(want);
    if (t == NULL || strlen(t) != n)
        return 0;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(t[i] ^ want[i]);
    return diff == 0;
}

static ssize_t read_events(void *cls, uint64_t pos, char *buf, size_t max) {
    struct stream *s = cls;
    (void)pos;
    while (s->off == s->len) {
        free(s->text);
        s->text = NULL;
        s->off = s->len = 0;
        if (s->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        s->text = mst_web_calls_event(s->api->calls, s->call, &s->next,
                                      &s->done, KEEPALIVE_S);
        if (s->text == NULL && !s->done)
            s->text = strdup(": keep-alive\n\n");
        if (s->text == NULL && !s->done)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        s->len = s->text ? strlen(s->text) : 0;
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->text + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void free_stream(void *cls) {
    struct stream *s = cls;
    free(s->text);
    mst_web_calls_put(s->api->calls, &s->call);
    free(s);
}

/* GET /api/calls/ID/events: the call's replies so far, then live. */
static enum MHD_Result send_events(const struct mst_web_http *http,
                                   struct MHD_Connection *c, const char *id) {
    struct mst_web_call *call = mst_web_calls_get(http->api->calls, id);
    if (call == NULL)
        return send_error(c, 404, "no call %s", id);
    struct stream *s = calloc(1, sizeof *s);
    struct MHD_Response *r =
        s ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
                                              read_events, s, free_stream)
          : NULL;
    if (r == NULL) {
        free(s);
        mst_web_calls_put(http->api->calls, &call);
        return send_error(c, 500, "out of memory");
    }
    s->api = http->api;
    s->call = call;
    add_headers(r, "text/event-stream");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_page(const struct mst_web_http *http,
                                 struct MHD_Connection *c, const char *url) {
    const struct mst_web_page_asset *a = mst_web_page_asset(url);
    if (a == NULL)
        return send_error(c, 404, "no page %s", url);
    if (a != mst_web_page_asset("/"))
        return send_bytes(c, 200, a->type, (void *)a->data, a->len,
                          MHD_RESPMEM_PERSISTENT);
    size_t len = 0;
    char *html = mst_web_page_index(http->api->token, &len);
    if (html == NULL)
        return send_error(c, 500, "out of memory");
    return send_bytes(c, 200, a->type, html, len, MHD_RESPMEM_MUST_FREE);
}

/* The id in "/api/calls/ID" or "/api/calls/ID/events" (is_events set),
 * copied to id; 0 when url is neither. */
static int call_path(const char *url, char *id, size_t size, int *is_events) {
    static const char prefix[] = "/api/calls/";
    if (strncmp(url, prefix, strlen(prefix)) != 0)
        return 0;
    const char *p = url + strlen(prefix);
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= size)
        return 0;
    *is_events = strcmp(p + n, "/events") == 0;
    if (p[n] != '\0' && !*is_events)
        return 0;
    snprintf(id, size, "%.*s", (int)n, p);
    return 1;
}

/* The JSON routes; -1 for a route that is not one of them. */
static int api_get(const struct mst_web_api *api, struct MHD_Connection *c,
                   const char *url, json_t **doc_r) {
    if (strcmp(url, "/api/session") == 0)
        return mst_web_api_session(api, doc_r);
    if (strcmp(url, "/api/agents") == 0)
        return mst_web_api_agents(api, doc_r);
    if (strncmp(url, "/api/agents/", 12) == 0)
        return mst_web_api_agent(api, url + 12, doc_r);
    if (strcmp(url, "/api/nodes") == 0)
        return mst_web_api_nodes(
            api,
            MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter"),
            MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fields"),
            doc_r);
    return -1;
}

static enum MHD_Result route_get(const struct mst_web_http *http,
                                 struct MHD_Connection *c, const char *url) {
    json_t *doc = NULL;
    char id[MST_WEB_CALLS_ID_LEN];
    int events = 0;
    if (strncmp(url, "/api/", 5) != 0)
        return send_page(http, c, url);
    int status = api_get(http->api, c, url, &doc);
    if (status < 0 && call_path(url, id, sizeof id, &events)) {
        if (events)
            return send_events(http, c, id);
        status = mst_web_api_call(http->api, id, &doc);
    }
    if (status < 0)
        return send_error(c, 404, "no route %s", url);
    return send_json(c, status, doc);
}

static enum MHD_Result route(const struct mst_web_http *http,
                             struct MHD_Connection *c, const char *url,
                             const char *method, const struct pending *p) {
    if (strcmp(method, "GET") == 0)
        return route_get(http, c, url);
    if (strcmp(method, "POST") != 0 || strcmp(url, "/api/calls") != 0)
        return send_error(c, 405, "%s %s: not a route of this console", method,
                          url);
    if (!token_ok(http, c))
        return send_error(c, 403,
                          "missing or wrong X-Muster-Token: reload the page "
                          "for this console's session token");
    if (p->too_big)
        return send_error(c, 413, "the body is over %d bytes",
                          MST_WEB_HTTP_BODY_MAX);
    json_t *doc = NULL;
    int status =
        mst_web_api_call_start(http->api, p->body ? p->body : "", p->len, &doc);
    return send_json(c, status, doc);
}

/* Append a piece of the body, keeping at most MST_WEB_HTTP_BODY_MAX. */
static void take_body(struct pending *p, const char *data, size_t n) {
    char *grown = NULL;
    if (!p->too_big && p->len + n <= MST_WEB_HTTP_BODY_MAX)
        grown = realloc(p->body, p->len + n);
    if (grown == NULL) {
        p->too_big = 1;
        return;
    }
    memcpy(grown + p->len, data, n);
    p->body = grown;
    p->len += n;
}

/* A Content-Length over the bound: refused before the body is read. */
static int too_long(struct MHD_Connection *c) {
    const char *len =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    return len != NULL && strtoull(len, NULL, 10) > MST_WEB_HTTP_BODY_MAX;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *data,
                              size_t *size, void **con_cls) {
    const struct mst_web_http *http = cls;
    struct pending *p = *con_cls;
    (void)version;
    if (p == NULL) { /* the headers: checked before any body is read */
        if ((*con_cls = calloc(1, sizeof *p)) == NULL)
            return MHD_NO;
        const char *host =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        if (!host_ok(http, host))
            return send_error(c, 421,
                              "Host '%s' is not this console's address (%s)",
                              host ? host : "", http->host);
        if (too_long(c))
            return send_error(c, 413, "the body is over %d bytes",
                              MST_WEB_HTTP_BODY_MAX);
        return MHD_YES;
    }
    if (*size > 0) {
        take_body(p, data, *size);
        *size = 0;
        return MHD_YES;
    }
    return route(http, c, url, method, p);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why) {
    struct pending *p = *con_cls;
    (void)cls, (void)c, (void)why;
    if (p != NULL)
        free(p->body);
    free(p);
    *con_cls = NULL;
}

static int is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >>
                24) == 127;
    return sa->sa_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* "ADDR:PORT" or "[ADDR6]:PORT" resolved into *ai_r (freeaddrinfo). */
static int resolve(const char *listen, char *port_r, size_t port_size,
                   struct addrinfo **ai_r, struct muster_error *err) {
    char host[HOST_LEN];
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t n = colon ? (size_t)(colon - listen) : 0;
    if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (colon == NULL || n == 0 || n >= sizeof host || colon[1] == '\0' ||
        strlen(colon + 1) >= port_size ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return mst_rpc_error(err, MUSTER_EINVAL,
                             "listen address '%s': expected ADDR:PORT "
                             "([ADDR]:PORT for IPv6)",
                             listen);
    snprintf(host, sizeof host, "%.*s", (int)n, h);
    snprintf(port_r, port_size, "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    int rc = getaddrinfo(host, port_r, &hints, ai_r);
    if (rc != 0)
        return mst_rpc_error(err, MUSTER_EINVAL, "listen address '%s': %s",
                             listen, gai_strerror(rc));
    return 0;
}

/* Start the daemon on `sa`, with TLS when o has a certificate. */
static struct MHD_Daemon *start_daemon(struct mst_web_http *http,
                                       const struct mst_web_http_options *o,
                                       const struct sockaddr *sa) {
    /* ITC: what MHD_quiesce_daemon needs in this mode */
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (sa->sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, (void *)sa},
        {MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, NULL},
        {MHD_OPTION_END, 0, NULL}, /* or the certificate: */
        {MHD_OPTION_END, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (o->tls_cert != NULL) {
        flags |= MHD_USE_TLS;
        opts[4] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                          (void *)o->tls_cert};
        opts[5] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                          (void *)o->tls_key};
    }
    return MHD_start_daemon(flags, 0, NULL, NULL, answer, http,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

int mst_web_http_start(const struct mst_web_http_options *o,
                       struct mst_web_http **http_r, struct muster_error *err) {
    char port[16];
    struct addrinfo *ai = NULL;
    int rc = resolve(o->listen, port, sizeof port, &ai, err);
    if (rc != 0)
        return rc;
    int loopback = is_loopback(ai->ai_addr);
    struct mst_web_http *http = calloc(1, sizeof *http);
    if (http == NULL)
        rc = mst_rpc_error(err, MUSTER_ENOMEM, "out of memory");
    else if (!loopback && o->tls_cert == NULL)
        rc =
            mst_rpc_error(err, MUSTER_EINVAL,
                          "listen address '%s' is not loopback: it needs HTTPS "
                          "(web.tls_cert and web.tls_key in the configuration)",
                          o->listen);
    else if (o->tls_cert != NULL &&
             MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        rc = mst_rpc_error(
            err, MUSTER_EUNSUPPORTED,
            "this libmicrohttpd has no TLS: web.tls_cert cannot be "
            "served");
    if (rc == 0) {
        http->api = o->api;
        snprintf(http->host, sizeof http->host, "%s", o->listen);
        if (loopback)
            snprintf(http->localhost, sizeof http->localhost, "localhost:%s",
                     port);
        snprintf(http->url, sizeof http->url, "%s://%s/",
                 o->tls_cert ? "https" : "http", o->listen);
        http->daemon = start_daemon(http, o, ai->ai_addr);
        if (http->daemon == NULL)
            rc = mst_rpc_error(
                err, MUSTER_EIO,
                "cannot listen on %s: in use, not an address of this "
                "host, or a certificate and key that do not load "
                "(libmicrohttpd's reason above)",
                o->listen);
    }
    freeaddrinfo(ai);
    if (rc != 0) {
        free(http);
        return rc;
    }
    *http_r = http;
    return 0;
}

const char *mst_web_http_url(const struct mst_web_http *http) {
    return http->url;
}

void mst_web_http_quiesce(struct mst_web_http *http) {
    MHD_socket fd = MHD_quiesce_daemon(http->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

void mst_web_http_stop(struct mst_web_http **http) {
    if (http == NULL || *http == NULL)
        return;
    MHD_stop_daemon((*http)->daemon);
    free(*http);
    *http = NULL;
}
