/*
 * probe.h - the broker checks of `muster doctor` and `musterd --check`:
 * each configured URL on its own, with the TLS settings the side connects
 * with (CA verified, host name checked, its certificate presented), and
 * the clock against each broker that answered (connector.h,
 * mst_connector_broker_clock).  Each URL gives one finding, and one more
 * for its clock.
 */
#ifndef MST_PROBE_H
#define MST_PROBE_H

#include "base/config.h"
#include "base/finding.h"

/* A clock off by less than this is not worth a word. */
#define MST_PROBE_CLOCK_WARN_MS 1000

/*
 * mst_probe_brokers - connect to every URL of cfg->broker.urls in turn as
 * `connection_name` (shown in the management UI), report whether it
 * answered (with the broker's product and version) or why not, with a
 * fix, then its clock: an error when ours is further off than
 * security.skew (nodes refuse such requests), a warning past
 * MST_PROBE_CLOCK_WARN_MS.  Also a warning for amqp:// to a host other
 * than the loopback (passwords in clear).  Each connection is closed
 * before the next; each attempt is bounded as mst_connector_connect's.
 */
void mst_probe_brokers(const struct mst_config *cfg,
                       const char *connection_name, struct mst_findings *fs);

#endif
