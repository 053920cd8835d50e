/*
 * web_api.h - the JSON API of `muster web` (docs/web.md "The API"): each
 * function answers one route with an HTTP status and a JSON document,
 * {"error": "one line"} when the status is not 2xx.  The HTTP side
 * (web_http.c) has checked the Host, the token and the body's size.
 */
#ifndef MST_WEB_API_H
#define MST_WEB_API_H

#include <muster/client.h>

#include "web_calls.h"

/* What the API acts with; borrowed for the server's life. */
struct mst_web_api {
    const struct muster_config *cfg;
    struct mst_web_calls *calls;
    const char *token;    /* the session's token */
    const char *identity; /* the caller nodes see ("cert=NAME") */
    int read_only;        /* --read-only: no calls */
    int confirm_all;      /* web.confirm_all */
};

/* Every function returns the HTTP status and sets *doc_r to a new JSON
 * document (NULL only when out of memory: the caller answers 500). */

/* GET /api/session: {token, read_only, confirm_all, identity}. */
int mst_web_api_session(const struct mst_web_api *api, json_t **doc_r);

/* GET /api/agents: {"agents": [names]}, the agents with a DDL. */
int mst_web_api_agents(const struct mst_web_api *api, json_t **doc_r);

/* GET /api/agents/NAME: the DDL file as loaded (404 without one). */
int mst_web_api_agent(const struct mst_web_api *api, const char *name,
                      json_t **doc_r);

/*
 * GET /api/nodes?filter=&fields=: {"nodes": [...], "source": "store" or
 * "discovery"}; filter and fields may be NULL.  Without a store the
 * fields are facts, asked of the nodes live (rpcutil get_facts).
 */
int mst_web_api_nodes(const struct mst_web_api *api, const char *filter,
                      const char *fields, json_t **doc_r);

/* POST /api/calls with `body` (len bytes of JSON): {"id"} (202). */
int mst_web_api_call_start(const struct mst_web_api *api, const char *body,
                           size_t len, json_t **doc_r);

/* GET /api/calls/ID: mst_web_calls_state (404 for an unknown id). */
int mst_web_api_call(const struct mst_web_api *api, const char *id,
                     json_t **doc_r);

/* mst_web_api_error - {"error": MESSAGE} for the status `status`. */
int mst_web_api_error(json_t **doc_r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
