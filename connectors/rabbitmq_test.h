/*
 * rabbitmq_test.h - a test seam of rabbitmq.c, compiled in only when
 * MST_CONNECTOR_TEST_SEAM is defined (the fuzz target fuzz_connector).
 * Never part of the daemon, the client library or their headers.
 */
#ifndef MST_RABBITMQ_TEST_H
#define MST_RABBITMQ_TEST_H

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
