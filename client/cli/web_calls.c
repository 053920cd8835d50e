/*
 * web_calls.c - the console's calls (web_calls.h).  One lock guards the
 * table and every call's replies; a condition variable wakes the streams
 * when a reply arrives or a call ends.  A call is freed when it has left
 * the table and no stream holds it.
 */
#include "web_calls.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "rpc_check.h"

enum call_state { CALL_RUNNING, CALL_ENDED, CALL_FAILED };

struct mst_web_call {
    struct mst_web_calls *calls;
    char id[MST_WEB_CALLS_ID_LEN];
    struct mst_web_calls_spec spec;
    pthread_t thread;
    int refs;              /* the table's and each holder's */
    enum call_state state; /* set last by the thread */
    json_t *replies;       /* the -j replies, in arrival order */
    json_t *ok_data;       /* the OK replies' data, for the aggregates */
    json_t *end;           /* {stats, aggregates} once ended */
    char error[MUSTER_ERROR_LEN];
};

struct mst_web_calls {
    const struct muster_config *cfg;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct mst_web_call *kept[MST_WEB_CALLS_KEPT]; /* oldest first */
    size_t n_kept;
    size_t running;
    size_t held;                /* holds by streams (and API reads) */
    unsigned long long started; /* calls so far: the ids */
    int stopping;
};

void mst_web_calls_spec_clear(struct mst_web_calls_spec *spec) {
    muster_ddl_free(&spec->ddl);
    json_decref(spec->data);
    muster_filter_free(&spec->filter);
    muster_list_free(&spec->nodes);
    memset(spec, 0, sizeof *spec);
}

int mst_web_calls_new(const struct muster_config *cfg,
                      struct mst_web_calls **calls_r) {
    struct mst_web_calls *calls = calloc(1, sizeof *calls);
    if (calls == NULL)
        return MUSTER_ENOMEM;
    calls->cfg = cfg;
    pthread_mutex_init(&calls->lock, NULL);
    pthread_cond_init(&calls->changed, NULL);
    *calls_r = calls;
    return 0;
}

/* Free a call no one holds; its thread has ended or is ending. */
static void call_free(struct mst_web_call *call) {
    pthread_join(call->thread, NULL);
    mst_web_calls_spec_clear(&call->spec);
    json_decref(call->replies);
    json_decref(call->ok_data);
    json_decref(call->end);
    free(call);
}

void mst_web_calls_stop(struct mst_web_calls *calls) {
    pthread_mutex_lock(&calls->lock);
    calls->stopping = 1;
    pthread_cond_broadcast(&calls->changed);
    pthread_mutex_unlock(&calls->lock);
}

size_t mst_web_calls_wait(struct mst_web_calls *calls, int wait_s) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_s;
    pthread_mutex_lock(&calls->lock);
    int rc = 0;
    while ((calls->running > 0 || calls->held > 0) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&calls->changed, &calls->lock, &until);
    size_t running = calls->running;
    pthread_mutex_unlock(&calls->lock);
    return running;
}

void mst_web_calls_free(struct mst_web_calls **calls) {
    if (calls == NULL || *calls == NULL)
        return;
    struct mst_web_calls *c = *calls;
    for (size_t i = 0; i < c->n_kept; i++)
        call_free(c->kept[i]);
    pthread_cond_destroy(&c->changed);
    pthread_mutex_destroy(&c->lock);
    free(c);
    *calls = NULL;
}

static void on_reply(void *ud, const struct muster_reply *rep) {
    struct mst_web_call *call = ud;
    json_t *r = mst_output_reply_json(rep);
    pthread_mutex_lock(&call->calls->lock);
    json_array_append_new(call->replies, r);
    if (rep->status == MUSTER_OK)
        json_array_append(call->ok_data, (json_t *)rep->data);
    pthread_cond_broadcast(&call->calls->changed);
    pthread_mutex_unlock(&call->calls->lock);
}

/* Who a broadcast goes to when it cannot simply be broadcast: batches,
 * or discovery from the inventory store, need the node list first (as
 * muster rpc does). */
static int settle_nodes(struct mst_web_call *call, struct muster_client *cl,
                        struct muster_request *req, struct muster_error *err) {
    char method[16] = "";
    muster_config_get(call->calls->cfg, "discovery_method", method,
                      sizeof method, NULL);
    if (req->nodes != NULL || (call->spec.rollout.batch_size == 0 &&
                               strcmp(method, "inventory") != 0))
        return 0;
    call->spec.nodes = muster_list_new();
    if (call->spec.nodes == NULL)
        return mst_rpc_error(err, MUSTER_ENOMEM, "out of memory");
    int rc = muster_client_discover(cl, req, call->spec.nodes, err);
    if (rc == 0 && muster_list_count(call->spec.nodes) == 0)
        rc = mst_rpc_error(err, MUSTER_ENOTFOUND, "no nodes matched");
    req->nodes = call->spec.nodes;
    return rc;
}

/* Send the call and collect its replies; *end_r gets the summary. */
static int send_call(struct mst_web_call *call, struct muster_client *cl,
                     json_t **end_r, struct muster_error *err) {
    struct muster_ddl_about about;
    struct muster_ddl_action_about act;
    muster_ddl_about(call->spec.ddl, &about);
    muster_ddl_action_about(call->spec.act, &act);
    struct muster_request req = {.agent = about.name,
                                 .action = act.name,
                                 .data = call->spec.data,
                                 .filter = call->spec.filter,
                                 .nodes = call->spec.nodes};
    struct muster_handlers h = {.reply = on_reply, .ud = call};
    struct muster_stats st = {0};
    int rc = settle_nodes(call, cl, &req, err);
    if (rc == 0 && req.nodes != NULL)
        rc = muster_client_rollout(cl, &req, &call->spec.rollout, &h, &st, err);
    else if (rc == 0)
        rc = muster_client_call(cl, &req, &h, &st, err);
    if (rc == 0) /* ok_data is only written by this thread */
        *end_r = json_pack("{s:o, s:o}", "stats",
                           mst_output_stats_json(&st, NULL), "aggregates",
                           muster_ddl_aggregate(call->spec.act, call->ok_data));
    muster_stats_clear(&st);
    return rc;
}

static void *run_call(void *arg) {
    struct mst_web_call *call = arg;
    struct muster_error err = {0};
    struct muster_client *cl = NULL;
    json_t *end = NULL;
    int rc = muster_client_new(call->calls->cfg, &cl, &err);
    if (rc == 0)
        rc = send_call(call, cl, &end, &err);
    if (rc == 0 && end == NULL)
        rc = mst_rpc_error(&err, MUSTER_ENOMEM, "out of memory");
    muster_client_free(&cl);
    pthread_mutex_lock(&call->calls->lock);
    call->end = end;
    snprintf(call->error, sizeof call->error, "%s", err.message);
    call->state = rc == 0 ? CALL_ENDED : CALL_FAILED;
    call->calls->running--;
    pthread_cond_broadcast(&call->calls->changed);
    pthread_mutex_unlock(&call->calls->lock);
    return NULL;
}

/* Drop the table's hold on its oldest ended call to make room (under the
 * lock); the call to free when no one else holds it, else NULL.  There
 * is always one: fewer calls run than are kept. */
static struct mst_web_call *evict(struct mst_web_calls *calls) {
    size_t i = 0;
    while (i < calls->n_kept && calls->kept[i]->state == CALL_RUNNING)
        i++;
    struct mst_web_call *old = calls->kept[i];
    memmove(calls->kept + i, calls->kept + i + 1,
            (calls->n_kept - i - 1) * sizeof calls->kept[0]);
    calls->n_kept--;
    return --old->refs == 0 ? old : NULL;
}

int mst_web_calls_start(struct mst_web_calls *calls,
                        struct mst_web_calls_spec *spec,
                        char id_r[MST_WEB_CALLS_ID_LEN],
                        struct muster_error *err) {
    struct mst_web_call *call = calloc(1, sizeof *call);
    if (call == NULL || (call->replies = json_array()) == NULL ||
        (call->ok_data = json_array()) == NULL) {
        mst_web_calls_spec_clear(spec);
        free(call);
        return mst_rpc_error(err, MUSTER_ENOMEM, "out of memory");
    }
    call->calls = calls;
    call->spec = *spec;
    memset(spec, 0, sizeof *spec);
    call->refs = 1;
    struct mst_web_call *old = NULL;
    int rc = 0;
    pthread_mutex_lock(&calls->lock);
    if (calls->stopping) {
        rc = mst_rpc_error(err, MUSTER_ESTOPPED,
                           "the console is stopping: it starts no calls");
    } else if (calls->running >= MST_WEB_CALLS_RUNNING) {
        rc = mst_rpc_error(err, MUSTER_EFULL,
                           "%d calls are running, the most there may be: "
                           "wait for one to end",
                           MST_WEB_CALLS_RUNNING);
    } else {
        if (calls->n_kept == MST_WEB_CALLS_KEPT)
            old = evict(calls);
        snprintf(call->id, sizeof call->id, "%llu", ++calls->started);
        if (pthread_create(&call->thread, NULL, run_call, call) != 0)
            rc = mst_rpc_error(err, MUSTER_EIO,
                               "cannot start a thread for the call");
    }
    if (rc == 0) {
        calls->kept[calls->n_kept++] = call;
        calls->running++;
        snprintf(id_r, MST_WEB_CALLS_ID_LEN, "%s", call->id);
    }
    pthread_mutex_unlock(&calls->lock);
    if (old != NULL)
        call_free(old);
    if (rc != 0) {
        mst_web_calls_spec_clear(&call->spec);
        json_decref(call->replies);
        json_decref(call->ok_data);
        free(call);
    }
    return rc;
}

struct mst_web_call *mst_web_calls_get(struct mst_web_calls *calls,
                                       const char *id) {
    struct mst_web_call *found = NULL;
    pthread_mutex_lock(&calls->lock);
    for (size_t i = 0; i < calls->n_kept && found == NULL; i++)
        if (strcmp(calls->kept[i]->id, id) == 0)
            found = calls->kept[i];
    if (found != NULL) {
        found->refs++;
        calls->held++;
    }
    pthread_mutex_unlock(&calls->lock);
    return found;
}

void mst_web_calls_put(struct mst_web_calls *calls,
                       struct mst_web_call **call) {
    if (call == NULL || *call == NULL)
        return;
    pthread_mutex_lock(&calls->lock);
    int last = --(*call)->refs == 0;
    calls->held--;
    pthread_cond_broadcast(&calls->changed); /* for mst_web_calls_wait */
    pthread_mutex_unlock(&calls->lock);
    if (last)
        call_free(*call);
    *call = NULL;
}

json_t *mst_web_calls_state(struct mst_web_calls *calls,
                            struct mst_web_call *call) {
    static const char *const names[] = {"running", "ended", "failed"};
    struct muster_ddl_about about;
    struct muster_ddl_action_about act;
    muster_ddl_about(call->spec.ddl, &about);
    muster_ddl_action_about(call->spec.act, &act);
    pthread_mutex_lock(&calls->lock);
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", call->id, "agent",
                  about.name, "action", act.name, "state", names[call->state],
                  "replies", json_deep_copy(call->replies));
    /* a copy: the caller may drop it while another thread reads ours */
    json_t *end = call->state == CALL_ENDED ? json_deep_copy(call->end) : NULL;
    if (doc != NULL && end != NULL)
        json_object_update(doc, end);
    json_decref(end);
    if (doc != NULL && call->state == CALL_FAILED)
        json_object_set_new(doc, "error", json_string(call->error));
    pthread_mutex_unlock(&calls->lock);
    return doc;
}

/* The event text "event: NAME\ndata: DATA\n\n" (DATA is one line). */
static char *event_text(const char *name, const char *data) {
    size_t n = strlen(name) + strlen(data) + 20;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "event: %s\ndata: %s\n\n", name, data);
    return s;
}

static char *json_event(const char *name, const json_t *doc) {
    char *data = json_dumps(doc, JSON_COMPACT | MUSTER_JSON_REAL);
    char *s = data ? event_text(name, data) : NULL;
    free(data);
    return s;
}

/* The event due now for a stream at *next, or NULL (under the lock). */
static char *due_event(struct mst_web_call *call, size_t *next, int *done) {
    if (*next < json_array_size(call->replies))
        return json_event("reply", json_array_get(call->replies, (*next)++));
    if (call->state == CALL_RUNNING)
        return NULL;
    *done = 1;
    return call->state == CALL_ENDED ? json_event("end", call->end)
                                     : event_text("error", call->error);
}

char *mst_web_calls_event(struct mst_web_calls *calls,
                          struct mst_web_call *call, size_t *next, int *done,
                          int wait_s) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_s;
    pthread_mutex_lock(&calls->lock);
    char *ev = NULL;
    int rc = 0;
    while (!*done && (ev = due_event(call, next, done)) == NULL &&
           !calls->stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&calls->changed, &calls->lock, &until);
    if (ev == NULL && calls->stopping) { /* the call is still running */
        *done = 1;
        ev = event_text("error", "the console is stopping: this call is "
                                 "not waited for (the nodes may still "
                                 "run it)");
    }
    pthread_mutex_unlock(&calls->lock);
    return ev;
}
