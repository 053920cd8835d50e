/*
 * exit_status.h - the exit statuses of muster, shared by the option parser, the
 * commands and the output (which turns a call's statistics into one).
 */
#ifndef MST_CLI_EXIT_H
#define MST_CLI_EXIT_H

/* Exit statuses of muster (documented in --help). */
enum mst_exit {
    MST_EXIT_GO_ON = -1, /* not an exit status: the command carries on */
    MST_EXIT_OK = 0,     /* every targeted node answered OK */
    MST_EXIT_FAILED = 1, /* a node failed, did not answer, or none did */
    MST_EXIT_USAGE = 2,  /* bad arguments, filter or configuration */
    MST_EXIT_BROKER = 3, /* broker or security set-up failed */
};

#endif
