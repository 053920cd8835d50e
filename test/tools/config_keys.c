/*
 * config_keys.c - print every key of the configuration schema
 * (common/base/config.c) as "KEY = TYPE (ROLES)", the form each key takes
 * in man/muster.cfg.5.scd: test/man/check_cfg_keys.py compares the two so
 * that the page and the code cannot drift.  Not installed.
 */
#include <stdio.h>

#include "base/config.h"

static void print_key(void *ud, const struct mst_config_key *k) {
    (void)ud;
    printf("%s = %s (%s)\n", k->key, k->type,
           k->server && k->client ? "server, client"
           : k->server            ? "server"
                                  : "client");
}

int main(void) {
    mst_config_keys(print_key, NULL);
    return 0;
}
