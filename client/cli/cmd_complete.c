/*
 * cmd_complete.c - muster complete WHAT [ARGS]: the words the shell
 * completion scripts (completion/) offer, one a line, asked of the
 * installed muster itself so that they follow its DDLs and options
 * instead of parsing JSON in the shell:
 *
 *   muster complete commands            the subcommands
 *   muster complete options             every option of the common line
 *                                       ("-c<TAB>arg": takes an argument)
 *   muster complete agents              agents with a DDL on the DDL path
 *   muster complete actions AGENT       that agent's actions
 *   muster complete inputs AGENT ACTION that action's inputs, as "NAME="
 *   muster complete facts               the dotted fact names of the nodes
 *                                       in the inventory store (--db PATH
 *                                       or inventory.db)
 *
 * Not for people (not in --help); the man page documents it.  Prints
 * nothing and exits 1 for what it does not know: a completion offers
 * nothing rather than an error.  Without a readable configuration the
 * defaults (the built-in DDL directory, the default inventory.db) are
 * used; without a store (no muster collect on this machine) `facts`
 * prints nothing and exits 0, having only looked for the file.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static struct muster_config *quiet_config(const struct mst_cli *cli) {
    struct muster_config *cfg = NULL;
    if (muster_config_load(cli->config_path, &cfg, NULL) != 0)
        muster_config_new(&cfg, NULL);
    return cfg;
}

static void print_list(const struct muster_list *words) {
    for (size_t i = 0; i < muster_list_count(words); i++)
        puts(muster_list_get(words, i));
}

static int print_agents(const struct muster_config *cfg) {
    struct muster_list *names = muster_list_new();
    if (names == NULL || muster_ddl_list(cfg, names) != 0) {
        muster_list_free(&names);
        return MST_EXIT_FAILED;
    }
    print_list(names);
    muster_list_free(&names);
    return MST_EXIT_OK;
}

/* `db`: --db PATH, else the configuration's inventory.db. */
static int print_facts(const struct muster_config *cfg, const char *db) {
    struct muster_inventory *inv = NULL;
    struct muster_list *names = muster_list_new();
    int rc = names ? muster_inventory_open(cfg, db, &inv, NULL) : MUSTER_ENOMEM;
    if (rc == 0)
        rc = muster_inventory_fact_names(inv, names, NULL);
    if (rc == 0)
        print_list(names);
    muster_inventory_close(&inv);
    muster_list_free(&names);
    return rc == 0 || rc == MUSTER_ENOTFOUND ? MST_EXIT_OK : MST_EXIT_FAILED;
}

/* Actions of args[0], or with args[1] the inputs of that action. */
static int print_ddl(const struct muster_config *cfg, char **args, int n) {
    struct muster_ddl *ddl = NULL;
    if (muster_ddl_find(cfg, args[0], &ddl, NULL) != 0)
        return MST_EXIT_FAILED;
    const struct muster_ddl_action *act;
    struct muster_ddl_action_about a;
    if (n == 1) {
        for (size_t i = 0; (act = muster_ddl_action_at(ddl, i)) != NULL; i++) {
            muster_ddl_action_about(act, &a);
            puts(a.name);
        }
    } else if ((act = muster_ddl_action(ddl, args[1])) != NULL) {
        muster_ddl_action_about(act, &a);
        for (size_t i = 0; i < a.n_inputs; i++) {
            struct muster_ddl_input in;
            muster_ddl_input_at(act, i, &in);
            printf("%s=\n", in.name);
        }
    }
    muster_ddl_free(&ddl);
    return act != NULL ? MST_EXIT_OK : MST_EXIT_FAILED;
}

int mst_cmd_complete(struct mst_cli *cli, const char *const *commands) {
    const char *what = cli->nargs > 1 ? cli->args[1] : "";
    char **rest = cli->args + 2;
    int n = cli->nargs - 2;
    if (strcmp(what, "commands") == 0 && n == 0) {
        for (size_t i = 0; commands[i] != NULL; i++)
            puts(commands[i]);
        return MST_EXIT_OK;
    }
    if (strcmp(what, "options") == 0 && n == 0) {
        mst_cli_print_options(stdout);
        return MST_EXIT_OK;
    }
    int agents = strcmp(what, "agents") == 0 && n == 0;
    int facts = strcmp(what, "facts") == 0 && n == 0;
    int ddl = (strcmp(what, "actions") == 0 && n == 1) ||
              (strcmp(what, "inputs") == 0 && n == 2);
    if (!agents && !facts && !ddl)
        return MST_EXIT_FAILED;
    struct muster_config *cfg = quiet_config(cli);
    int rc = cfg == NULL ? MST_EXIT_FAILED
             : agents    ? print_agents(cfg)
             : facts     ? print_facts(cfg, cli->db)
                         : print_ddl(cfg, rest, n);
    muster_config_free(&cfg);
    return rc;
}
