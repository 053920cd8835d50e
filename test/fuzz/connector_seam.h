/*
 * connector_seam.h - a test seam into connectors/rabbitmq.c for the fuzz
 * target fuzz_connector (implemented in connector_seam.c).  Never part of
 * the daemon, the client library or their headers.
 */
#ifndef MST_CONNECTOR_SEAM_H
#define MST_CONNECTOR_SEAM_H

#include "connector.h"

/*
 * mst_connector_attach_fd_for_test - make `conn` consume from `fd` as if it
 * were a broker connection after login and declare: whatever the peer
 * writes on `fd` is read as AMQP frames by mst_connector_consume().  No
 * handshake is sent or expected.  Takes ownership of `fd` (closed with the
 * connection), even on failure.  0 or MST_ENOMEM.
 */
int mst_connector_attach_fd_for_test(struct mst_connector *conn, int fd,
                                     struct mst_err *err);

#endif
