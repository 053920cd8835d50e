/*
 * doctor.h - `musterd --check`: read the configuration the daemon would use
 * and check it end to end without starting: every key (file:line), the
 * node's certificate, key and CA, every broker URL with TLS as the daemon
 * connects and the broker's clock, the agents' DDLs in agents.dir, facts
 * and classes as at start-up, the policy files and groups, and that the
 * audit and log files can be written.  One line per problem on stdout with
 * the command that fixes it (docs/doctor.md).
 */
#ifndef MUSTERD_DOCTOR_H
#define MUSTERD_DOCTOR_H

/*
 * musterd_doctor_check - run every check on the server configuration at
 * `cfg_path`; with `verbose` print the checks that passed too.  Returns
 * the exit status: 0 when no check found an error (warnings are printed
 * but do not count), 1 when one did.
 */
int musterd_doctor_check(const char *cfg_path, int verbose);

#endif
