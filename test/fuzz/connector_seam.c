/*
 * connector_seam.c - connectors/rabbitmq.c plus the test seam of
 * connector_seam.h, for fuzz_connector only.  The seam needs the
 * connector's private state (struct mst_connector, drop()), so it is
 * compiled in the same translation unit here instead of being exported
 * from the production file.
 */
#include "../../connectors/rabbitmq.c"

#include "connector_seam.h"

int mst_connector_attach_fd_for_test(struct mst_connector *conn, int fd,
                                     struct mst_err *err) {
    drop(conn);
    conn->amqp = amqp_new_connection();
    amqp_socket_t *sock = conn->amqp ? amqp_tcp_socket_new(conn->amqp) : NULL;
    if (sock == NULL) {
        drop(conn);
        close(fd);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    amqp_tcp_socket_set_sockfd(sock, fd);
    conn->generation++;
    return MST_OK;
}
