/*
 * cmd_doctor.c - muster doctor: check this client's setup end to end
 * (muster_doctor) and print one line per problem with the command that
 * fixes it; -v prints the checks that passed too.
 */
#include <stdio.h>

#include "commands.h"

struct tally {
    int verbose;
    unsigned errors, warnings;
};

static void print_finding(void *ud, const struct muster_finding *f) {
    struct tally *t = ud;
    t->errors += f->level == MUSTER_FINDING_ERROR;
    t->warnings += f->level == MUSTER_FINDING_WARNING;
    if (f->level == MUSTER_FINDING_OK && !t->verbose)
        return;
    char line[2048];
    muster_finding_format(f, line, sizeof line);
    puts(line);
}

int mst_cmd_doctor(struct mst_cli *cli) {
    if (cli->nargs != 1)
        return mst_cli_error(MST_EXIT_USAGE,
                             "doctor takes no arguments; try 'muster --help'");
    struct tally t = {.verbose = cli->verbose};
    muster_doctor(cli->config_path, print_finding, &t);
    printf("muster doctor: %u error%s, %u warning%s\n", t.errors,
           t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s");
    fflush(stdout);
    return t.errors > 0 ? MST_EXIT_FAILED : MST_EXIT_OK;
}
