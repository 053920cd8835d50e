/*
 * mst_rawreq - send one request with inputs exactly as given, skipping the
 * CLI's DDL validation, and print each reply: what a hostile or buggy
 * client could send, so that tests can check what musterd does with it.
 *
 *   mst_rawreq CLIENT_CFG NODE AGENT ACTION DATA_JSON
 *
 * DATA_JSON is any JSON object.  Prints one JSON line per reply
 * ({"sender", "statuscode", "statusmsg", "data"}); exits 0 when NODE
 * answered, 1 when it did not, 2 on bad arguments.
 */
#include <stdio.h>

#include "base/config.h"
#include "base/status.h"
#include "client.h"

static void print_reply(void *ud, const struct mst_reply *rep,
                        const char *signer, int64_t rtt_us) {
    (void)ud;
    (void)signer;
    (void)rtt_us;
    json_t *o =
        json_pack("{s:s, s:i, s:s, s:O}", "sender", rep->sender, "statuscode",
                  rep->status, "statusmsg", rep->statusmsg, "data", rep->data);
    json_dumpf(o, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(o);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: mst_rawreq CLIENT_CFG NODE AGENT ACTION "
                        "DATA_JSON\n");
        return 2;
    }
    json_error_t je;
    json_t *data = json_loads(argv[5], JSON_ALLOW_NUL, &je);
    struct mst_config *cfg = NULL;
    struct mst_err err = {0};
    if (data == NULL || !json_is_object(data) ||
        mst_config_load(argv[1], MST_CONFIG_CLIENT, &cfg, &err) != MST_OK) {
        fprintf(stderr, "mst_rawreq: %s\n", data ? err.msg : je.text);
        json_decref(data);
        return 2;
    }
    struct mst_strv nodes = {0};
    mst_strv_push(&nodes, argv[2]);
    struct mst_call_spec spec = {.agent = argv[3],
                                 .action = argv[4],
                                 .data = data,
                                 .nodes = &nodes}; /* times: config */
    struct mst_call_handlers h = {.reply = print_reply};
    struct mst_call_stats st = {0};
    struct mst_client *cl = NULL;
    int rc = mst_client_new(cfg, &cl, &err);
    if (rc == MST_OK)
        rc = mst_client_call(cl, &spec, &h, &st, &err);
    if (rc != MST_OK)
        fprintf(stderr, "mst_rawreq: %s\n", err.msg);
    int answered = rc == MST_OK && st.responses > 0;
    mst_call_stats_clear(&st);
    mst_client_free(&cl);
    mst_strv_free(&nodes);
    mst_config_free(&cfg);
    json_decref(data);
    return answered ? 0 : 1;
}
