/*
 * commands.h - the muster subcommands.  Each takes the parsed command line
 * (cli->args[0] is the command name) and returns an exit status.
 */
#ifndef MST_COMMANDS_H
#define MST_COMMANDS_H

#include "options.h"

int mst_cmd_ping(struct mst_cli *cli);
int mst_cmd_rpc(struct mst_cli *cli);
int mst_cmd_find(struct mst_cli *cli);
int mst_cmd_facts(struct mst_cli *cli);
int mst_cmd_inventory(struct mst_cli *cli);
/* mst_cmd_inventory_node - muster inventory NODE: live, or --from-store. */
int mst_cmd_inventory_node(struct mst_cli *cli);
int mst_cmd_help(struct mst_cli *cli);
int mst_cmd_doctor(struct mst_cli *cli);

/*
 * mst_cmd_complete - `muster complete WHAT ...`, the words the shell
 * completion offers (cmd_complete.c); `commands` is every subcommand's
 * name, NULL-terminated.
 */
int mst_cmd_complete(struct mst_cli *cli, const char *const *commands);
int mst_cmd_collect(struct mst_cli *cli);
/* mst_cmd_web - `muster web`, the web console (cmd_web.c). */
int mst_cmd_web(struct mst_cli *cli);

/*
 * mst_cli_find_ddl - load `agent`'s DDL from $MUSTER_DDL_PATH and the
 * configured ddl_path into *ddl_r (the caller frees it).  Returns
 * MST_EXIT_GO_ON when found, else prints one line and returns the exit status.
 */
int mst_cli_find_ddl(const struct mst_cli *cli, const char *agent,
                     struct muster_ddl **ddl_r);

/* mst_cmd_cert - `muster cert ...`; argv[0] is "cert".  No config used. */
int mst_cmd_cert(int argc, char **argv);

/* mst_cmd_ddl - `muster ddl convert ...`; argv[0] is "ddl".  No config. */
int mst_cmd_ddl(int argc, char **argv);

/*
 * mst_cmd_run_call - connect, send `spec`, print with `style`, return the
 * exit status.  Shared by the commands that send one request.
 */
int mst_cmd_run_call(struct mst_cli *cli, struct muster_request *req,
                     int style);

#endif
