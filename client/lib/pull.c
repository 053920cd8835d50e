/*
 * pull.c - `muster collect --poll`: rpcutil inventory answers into the
 * store, and the expected nodes that did not answer recorded as missed.
 */
#include "pull.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "client.h"
#include "inventory.h"
#include "known.h"

#define DAY_MS (86400 * 1000LL)

static json_t *agents_of(const json_t *names) {
    json_t *a = json_array();
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n) {
        if (!json_is_string(n) ||
            json_array_append_new(
                a, json_pack("{s:O, s:s}", "name", n, "version", "")) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int mst_pull_registration(const char *sender, int64_t time_ms,
                          const json_t *data, struct mst_registration *reg,
                          struct mst_err *err) {
    const char *version = json_string_value(json_object_get(data, "version"));
    json_int_t uptime = json_integer_value(json_object_get(data, "uptime"));
    reg->sender = strdup(sender);
    reg->version = strdup(version ? version : "");
    reg->time_ms = time_ms;
    reg->started_ms = time_ms - (int64_t)uptime * 1000;
    if (reg->started_ms < 0 || uptime < 0)
        reg->started_ms = 0;
    reg->interval_s = 0; /* a poll promises nothing */
    reg->collectives = json_incref(json_object_get(data, "collectives"));
    reg->facts = json_incref(json_object_get(data, "facts"));
    reg->classes = json_incref(json_object_get(data, "classes"));
    reg->agents = agents_of(json_object_get(data, "agents"));
    int rc = MST_EINVAL;
    if (reg->sender && reg->version && reg->facts && reg->classes &&
        reg->agents && json_is_object(reg->facts) &&
        json_is_array(reg->classes))
        rc = mst_registration_digest(reg->facts, reg->classes, reg->agents,
                                     reg->digest, err);
    if (rc == MST_OK)
        rc = mst_registration_check(reg, err);
    if (rc != MST_OK) {
        mst_registration_clear(reg);
        return mst_err_set(err, MST_EINVAL,
                           "inventory of %.100s: not what a node sends",
                           sender);
    }
    return MST_OK;
}

struct poll_run {
    struct mst_store *st;
    const struct mst_collect_handlers *h;
    struct mst_collect_stats *stats;
    struct mst_strv answered; /* sorted at the end */
    int rc;                   /* the first store failure */
    struct mst_err err;
};

static void on_answer(void *ud, const struct mst_reply *rep, const char *signer,
                      int64_t rtt_us) {
    (void)signer, (void)rtt_us;
    struct poll_run *p = ud;
    struct mst_registration reg = {0};
    struct mst_err e = {0};
    mst_strv_push(&p->answered, rep->sender);
    if (rep->status != MUSTER_OK) {
        p->stats->failed++;
        return;
    }
    if (mst_pull_registration(rep->sender, rep->time_ms, rep->data, &reg, &e) !=
        MST_OK) {
        p->stats->refused++;
        if (p->h && p->h->refused)
            p->h->refused(p->h->ud, e.msg);
        return;
    }
    int rc =
        p->rc == MST_OK ? mst_store_put(p->st, &reg, mst_wall_ms(), &e) : p->rc;
    if (rc == MST_OK) {
        p->stats->stored++;
        if (p->h && p->h->stored)
            p->h->stored(p->h->ud, reg.sender, 1);
    } else if (p->rc == MST_OK) {
        p->rc = rc;
        p->err = e;
    }
    mst_registration_clear(&reg);
}

static void on_invalid(void *ud, const char *why) {
    struct poll_run *p = ud;
    p->stats->refused++;
    if (p->h && p->h->refused)
        p->h->refused(p->h->ud, why);
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every expected node that did not answer, into the store. */
static int record_missed(struct poll_run *p, const struct mst_strv *expected,
                         struct mst_err *err) {
    qsort(p->answered.v, p->answered.n, sizeof *p->answered.v, cmp_name);
    int64_t now = mst_wall_ms();
    for (size_t i = 0; expected != NULL && i < expected->n; i++) {
        const char *who = expected->v[i];
        if (p->answered.n > 0 && bsearch(&who, p->answered.v, p->answered.n,
                                         sizeof *p->answered.v, cmp_name))
            continue;
        int rc = mst_store_missed(p->st, who, now, err);
        if (rc != MST_OK)
            return rc;
        p->stats->missed++;
        if (p->h && p->h->missed)
            p->h->missed(p->h->ud, who);
    }
    return MST_OK;
}

/* The store as the replies' trusted key source, as for registrations
 * (inventory.known_certs; only where certificates are checked). */
static int open_known(const struct mst_config *cfg, struct mst_store *st,
                      struct mst_known **k_r, struct mst_err *err) {
    if (!cfg->inventory_known_certs ||
        strcmp(cfg->security_provider, "x509") != 0)
        return MST_OK;
    return mst_known_new(st, k_r, err);
}

/* The certificates verified in full during the poll, into its
 * transaction; the counts into `stats`. */
static int close_known(struct mst_known *k, struct mst_store *st,
                       struct mst_collect_stats *stats, struct mst_err *err) {
    if (k == NULL)
        return MST_OK;
    mst_known_counts(k, &stats->certs_known, &stats->certs_verified);
    return mst_known_flush(k, st, mst_wall_ms(), err);
}

int mst_pull_run(const struct mst_config *cfg, struct mst_store *st,
                 const json_t *filter, const struct mst_strv *nodes,
                 const struct mst_collect_handlers *h,
                 struct mst_collect_stats *stats, struct mst_err *err) {
    /* Who should answer: the list, else what the store knows matches. */
    struct mst_strv known = {0};
    struct mst_known *certs = NULL;
    int rc =
        nodes == NULL ? mst_inventory_select(st, filter, &known, err) : MST_OK;
    const struct mst_strv *expected = nodes != NULL ? nodes : &known;
    struct mst_client *cl = NULL;
    if (rc == MST_OK)
        rc = open_known(cfg, st, &certs, err);
    if (rc == MST_OK)
        rc = mst_client_new_known(cfg, certs ? mst_known_source(certs) : NULL,
                                  &cl, err);
    if (rc != MST_OK) {
        mst_known_free(&certs);
        mst_strv_free(&known);
        return rc;
    }
    struct poll_run p = {.st = st, .h = h, .stats = stats};
    struct mst_call_spec spec = {.agent = "rpcutil",
                                 .action = "inventory",
                                 .filter = filter,
                                 .nodes = nodes};
    struct mst_call_handlers ch = {
        .reply = on_answer, .invalid = on_invalid, .ud = &p};
    struct mst_call_stats cs = {0};
    rc = mst_store_begin(st, err);
    if (rc == MST_OK)
        rc = mst_client_call(cl, &spec, &ch, &cs, err);
    if (rc == MST_OK && p.rc != MST_OK)
        rc = mst_err_set(err, p.rc, "%s", p.err.msg);
    if (rc == MST_OK)
        rc = record_missed(&p, expected, err);
    if (rc == MST_OK)
        rc = mst_store_expire(st, mst_wall_ms(),
                              cfg->inventory_history_days * DAY_MS, err);
    if (rc == MST_OK)
        rc = close_known(certs, st, stats, err);
    if (rc == MST_OK)
        rc = mst_store_commit(st, err);
    if (rc == MST_OK)
        stats->batches++;
    mst_call_stats_clear(&cs);
    mst_strv_free(&p.answered);
    mst_strv_free(&known);
    mst_client_free(&cl);
    mst_known_free(&certs); /* after the client whose provider calls it */
    return rc;
}
