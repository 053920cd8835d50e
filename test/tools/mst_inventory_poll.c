/*
 * mst_inventory_poll - fill the inventory store from one broadcast of
 * rpcutil inventory: every reply stored as a registration, every node the
 * store knows that did not answer recorded as missed.  A test helper for
 * the store's integration tests (test/integration/18-*), standing in for
 * `muster collect --poll` where that is not built.
 *
 *   mst_inventory_poll CLIENT_CFG DB
 *
 * Exits 0 when stored, 1 when some known node did not answer, 2 on bad
 * arguments, 3 on broker or store trouble.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/status.h"
#include "base/util.h"
#include "client.h"
#include "store.h"

struct poll {
    struct mst_store *st;
    json_t *answered; /* {identity: true} */
    int failed;
};

/* rpcutil's agent names as the registration's [{name, version}]. */
static json_t *agents_of(const json_t *names) {
    json_t *a = json_array(), *n;
    size_t i;
    json_array_foreach(names, i, n) {
        json_array_append_new(
            a, json_pack("{s:O, s:s}", "name", n, "version", ""));
    }
    return a;
}

/* Any digest that changes with the body will do for the store. */
static void digest_of(const struct mst_registration *r,
                      char out[MST_DIGEST_LEN]) {
    json_t *body = json_pack("{s:O, s:O, s:O}", "facts", r->facts, "classes",
                             r->classes, "agents", r->agents);
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    free(text);
    json_decref(body);
}

static void store_reply(void *ud, const struct mst_reply *rep,
                        const char *signer, int64_t rtt_us) {
    (void)signer;
    (void)rtt_us;
    struct poll *p = ud;
    const json_t *d = rep->data;
    json_int_t uptime = json_integer_value(json_object_get(d, "uptime"));
    int64_t now = mst_wall_ms();
    struct mst_registration r = {
        .sender = rep->sender,
        .time_ms = rep->time_ms,
        .started_ms = now - (int64_t)uptime * 1000,
        .version = (char *)json_string_value(json_object_get(d, "version")),
        .collectives = json_object_get(d, "collectives"),
        .facts = json_object_get(d, "facts"),
        .classes = json_object_get(d, "classes"),
    };
    r.agents = agents_of(json_object_get(d, "agents"));
    digest_of(&r, r.digest);
    struct mst_err err = {0};
    if (rep->status != 0 || mst_store_put(p->st, &r, now, &err) != MST_OK) {
        fprintf(stderr, "mst_inventory_poll: %s: %s\n", rep->sender,
                rep->status ? rep->statusmsg : err.msg);
        p->failed = 1;
    }
    json_object_set_new(p->answered, rep->sender, json_true());
    json_decref(r.agents);
}

static int mark_missed(const struct mst_store_node *n, void *ud,
                       struct mst_err *err) {
    (void)err;
    json_t *silent = ud;
    json_array_append_new(silent, json_string(n->identity));
    return MST_OK;
}

/* Every stored node not in p->answered: missed at `now`. */
static int record_missed(struct poll *p, struct mst_err *err) {
    json_t *all = json_array(), *id;
    size_t i;
    struct mst_strv no_facts = {0};
    int rc = mst_store_nodes(p->st, &no_facts, mark_missed, all, err);
    json_array_foreach(all, i, id) {
        const char *name = json_string_value(id);
        if (rc == MST_OK && json_object_get(p->answered, name) == NULL) {
            rc = mst_store_missed(p->st, name, mst_wall_ms(), err);
            p->failed = 1;
        }
    }
    json_decref(all);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mst_inventory_poll CLIENT_CFG DB\n");
        return 2;
    }
    struct mst_config *cfg = NULL;
    struct mst_err err = {0};
    if (mst_config_load(argv[1], MST_CONFIG_CLIENT, &cfg, &err) != MST_OK) {
        fprintf(stderr, "mst_inventory_poll: %s\n", err.msg);
        return 2;
    }
    struct poll p = {.answered = json_object()};
    struct mst_call_spec spec = {.agent = "rpcutil", .action = "inventory"};
    struct mst_call_handlers h = {.reply = store_reply, .ud = &p};
    struct mst_call_stats stats = {0};
    struct mst_client *cl = NULL;
    int rc = mst_store_open(argv[2], MST_STORE_WRITE, &p.st, &err);
    if (rc == MST_OK)
        rc = mst_client_new(cfg, &cl, &err);
    if (rc == MST_OK)
        rc = mst_store_begin(p.st, &err);
    if (rc == MST_OK)
        rc = mst_client_call(cl, &spec, &h, &stats, &err);
    if (rc == MST_OK)
        rc = record_missed(&p, &err);
    if (rc == MST_OK)
        rc = mst_store_expire(p.st, mst_wall_ms(),
                              cfg->inventory_history_days * 86400000LL, &err);
    if (rc == MST_OK)
        rc = mst_store_commit(p.st, &err);
    if (rc != MST_OK)
        fprintf(stderr, "mst_inventory_poll: %s\n", err.msg);
    mst_call_stats_clear(&stats);
    mst_client_free(&cl);
    mst_store_close(&p.st);
    json_decref(p.answered);
    mst_config_free(&cfg);
    return rc != MST_OK ? 3 : p.failed;
}
