/*
 * registration.c - build, size, seal and publish musterd's registration.
 */
#include "registration.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "mst_build.h"
#include "musterd.h"
#include "registry.h"
#include "targeting/facts.h"

static json_t *agents_json(const struct musterd *d) {
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < d->n_agents; i++) {
        const struct muster_agent *ag = d->agents[i].agent;
        if (json_array_append_new(a, json_pack("{s:s, s:s}", "name", ag->name,
                                               "version", ag->version)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int musterd_registration_build(const struct musterd *d,
                               struct mst_registration *reg,
                               struct mst_err *err) {
    const struct mst_config *cfg = d->cfg;
    reg->sender = strdup(cfg->identity);
    reg->version = strdup(MST_VERSION);
    reg->time_ms = mst_wall_ms();
    reg->started_ms = d->started_ms;
    reg->interval_s = cfg->registration_interval_s;
    reg->collectives = mst_strv_to_json(&cfg->collectives);
    reg->facts = json_deep_copy(mst_facts_root(d->facts));
    reg->classes = mst_strv_to_json(&d->classes);
    reg->agents = agents_json(d);
    int rc = MST_ENOMEM;
    if (reg->sender && reg->version && reg->collectives && reg->facts &&
        reg->classes && reg->agents)
        rc = mst_registration_digest(reg->facts, reg->classes, reg->agents,
                                     reg->digest, err);
    if (rc != MST_OK) {
        mst_registration_clear(reg);
        return mst_err_set(err, MST_ENOMEM, "registration: out of memory");
    }
    return MST_OK;
}

/* Drop the body: what is left says "still here, unchanged since DIGEST". */
static void shorten(struct mst_registration *reg) {
    json_decref(reg->facts);
    json_decref(reg->classes);
    json_decref(reg->agents);
    reg->facts = reg->classes = reg->agents = NULL;
}

/*
 * Seal `reg` within registration.max_bytes.  A full body too big for it
 * goes out as a "still here" with its (true) digest: collectors count it
 * as a body they do not have, and the node shows up as stale there until
 * the facts shrink or max_bytes grows.  Logged once per digest.
 */
static int seal(struct musterd *d, struct mst_registration *reg,
                struct mst_buf *out, struct mst_err *err) {
    struct musterd_registration *r = &d->registration;
    int rc = mst_registration_seal(d->sec, reg, out, err);
    if (rc != MST_ETOOBIG || !mst_registration_full(reg))
        return rc;
    musterd_counters_bump(&d->counters, MUSTERD_COUNTER_REGISTRATION_TOO_BIG);
    if (strcmp(r->big_digest, reg->digest) != 0) {
        memcpy(r->big_digest, reg->digest, MST_DIGEST_LEN);
        MST_LOG(MST_LOG_WARNING,
                "registration: facts, classes and agents do not fit "
                "registration.max_bytes (%d bytes); sending \"still here\" "
                "only, collectors will not have this node's facts: raise "
                "registration.max_bytes or trim the facts",
                d->cfg->registration_max_bytes);
    }
    shorten(reg);
    return mst_registration_seal(d->sec, reg, out, err);
}

/* One publish per collective: each has its own collectors. */
static int publish(struct musterd *d, struct mst_bytes body,
                   struct mst_err *err) {
    const struct mst_strv *cs = &d->cfg->collectives;
    for (size_t i = 0; i < cs->n; i++) {
        int rc =
            mst_connector_publish_registration(d->conn, cs->v[i], body, err);
        if (rc != MST_OK)
            return rc;
    }
    return MST_OK;
}

/* Build and send one; `full` or "still here".  Returns the status. */
static int send_one(struct musterd *d, int full, struct mst_err *err) {
    struct musterd_registration *r = &d->registration;
    struct mst_registration reg = {0};
    int rc = musterd_registration_build(d, &reg, err);
    if (rc != MST_OK)
        return rc;
    /* Something changed that nobody was told about: tell it all. */
    if (strcmp(reg.digest, r->sent_digest) != 0)
        full = 1;
    if (!full)
        shorten(&reg);
    struct mst_buf out;
    mst_buf_init(&out, (size_t)d->cfg->registration_max_bytes);
    rc = seal(d, &reg, &out, err);
    if (rc == MST_OK)
        rc = publish(d, mst_buf_view(&out), err);
    if (rc == MST_OK && mst_registration_full(&reg)) {
        memcpy(r->sent_digest, reg.digest, MST_DIGEST_LEN);
        r->periodic = 0;
    }
    if (rc == MST_OK)
        MST_LOG(MST_LOG_DEBUG, "registration: sent %s (%zu bytes)",
                mst_registration_full(&reg) ? "in full" : "\"still here\"",
                out.len);
    mst_buf_free(&out);
    mst_registration_clear(&reg);
    return rc;
}

/* interval +- 10 %, so that a fleet started together drifts apart. */
static int64_t next_delay_ms(struct musterd_registration *r, int interval_s) {
    if (r->rng == 0)
        r->rng = mst_hash_seed() | 1;
    r->rng ^= r->rng << 13;
    r->rng ^= r->rng >> 7;
    r->rng ^= r->rng << 17;
    int64_t base = (int64_t)interval_s * 1000;
    int64_t spread = base / 10;
    return base - spread + (int64_t)(r->rng % (uint64_t)(2 * spread + 1));
}

void musterd_registration_connected(struct musterd *d) {
    if (d->cfg->registration_interval_s == 0)
        return;
    d->registration.want_full = 1;
    d->registration.due_ms = mst_now_ms();
}

void musterd_registration_changed(struct musterd *d) {
    struct musterd_registration *r = &d->registration;
    if (d->cfg->registration_interval_s == 0)
        return;
    struct mst_registration reg = {0};
    if (musterd_registration_build(d, &reg, NULL) != MST_OK)
        return;
    if (strcmp(reg.digest, r->sent_digest) != 0)
        r->due_ms = mst_now_ms(); /* send_one sees the new digest */
    mst_registration_clear(&reg);
}

void musterd_registration_tick(struct musterd *d) {
    struct musterd_registration *r = &d->registration;
    int interval = d->cfg->registration_interval_s;
    if (interval == 0 || r->due_ms == 0 || d->retry_at_ms != 0 ||
        mst_now_ms() < r->due_ms)
        return;
    int full = r->want_full || ++r->periodic >= MUSTERD_REGISTRATION_FULL_EVERY;
    struct mst_err err = {0};
    if (send_one(d, full, &err) == MST_OK) {
        musterd_counters_bump(&d->counters, MUSTERD_COUNTER_REGISTRATIONS);
        r->want_full = 0;
    } else {
        musterd_counters_bump(&d->counters,
                              MUSTERD_COUNTER_REGISTRATION_FAILED);
        MST_LOG(MST_LOG_WARNING, "registration: not sent: %s", err.msg);
    }
    /* A failure is retried at the next interval or reconnect, not in a
     * loop: a lost connection announces itself to the I/O loop anyway. */
    r->due_ms = mst_now_ms() + next_delay_ms(r, interval);
}
