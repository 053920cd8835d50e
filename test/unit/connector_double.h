/*
 * connector_double.h - an in-memory broker behind connectors/connector.h,
 * for unit tests of the daemon's dispatch and the client's collection.
 *
 * connector_double.c implements every function of connector.h with the
 * contract written there (return codes, ownership of views, generations,
 * server-named queues that change on reconnect), and adds the controls
 * below so that a test can play the broker: queue messages for the next
 * mst_connector_consume, read back what was published, make an operation
 * fail, drop the connection.  Nothing touches the network.
 *
 * The broker it plays: one queue of messages for the connector's consumer
 * (node or reply queue alike; a connector only ever has one), emptied when
 * the connection is lost, as an exclusive auto-delete queue is.  Queue
 * names are "amq.gen-node-G" and "amq.gen-reply-G" for connection
 * generation G (1, 2, ...); delivery tags restart at 1 on each connection.
 *
 * Differences from rabbitmq.c, on purpose:
 * - Connecting always succeeds unless a failure was armed; URLs are
 *   checked only for being present.
 * - Exchanges are not modelled: a publish to any collective is recorded
 *   (a real broker closes the channel for an exchange nobody declared).
 * - mst_connector_consume waits (really sleeps, up to `timeout_ms`) only
 *   for messages queued with a delay; with nothing queued at all and
 *   `timeout_ms` < 0 it drops the connection and returns MST_ECONNECT
 *   ("would wait for ever") instead of hanging the test.
 * - mst_connector_reconnect and _retry never sleep: an armed failure of
 *   MST_DOUBLE_OP_CONNECT fails one pass (_retry reports the delay it would
 *   have slept, 1000 ms doubling to 30000 ms, without jitter).
 * - mst_connector_fd is a pipe that is readable while messages are queued.
 * - mst_connector_url shows the first URL without its user info.
 *
 * Not thread-safe, like the real connector.  Test code only.
 */
#ifndef MST_CONNECTOR_DOUBLE_H
#define MST_CONNECTOR_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#include "connector.h"

/* Operations whose next call can be made to fail (mst_double_fail_next). */
enum mst_double_op {
    MST_DOUBLE_OP_CONNECT, /* _connect, and one pass of _retry/_reconnect */
    MST_DOUBLE_OP_DECLARE, /* _declare_node, _reply_queue, _collector */
    MST_DOUBLE_OP_PUBLISH, /* _publish_request, _reply, _registration */
    MST_DOUBLE_OP_CONSUME, /* _consume */
    MST_DOUBLE_OP_ACK,     /* _ack, _ack_through */
    MST_DOUBLE_OP_COUNT
};

/* A message for mst_double_queue: what the broker would hand the consumer.
 * Everything is copied; NULL strings mean "absent" (length 0). */
struct mst_double_message {
    enum mst_message_kind kind; /* delivery, or a returned mandatory publish */
    struct mst_bytes body;
    const char *reply_to;
    const char *correlation_id;
    const char *routing_key; /* returned: the identity that was addressed */
    int reply_code;          /* returned: 0 means 312 (NO_ROUTE) */
    int oversized;           /* deliver with no body, as over max_body
                                (a body over max_body is dropped anyway);
                                body_size is body.len either way */
    int64_t after_ms;        /* not available before now + after_ms */
};

/* One publish, as the broker saw it.  Owned by the connector. */
struct mst_double_published {
    char *exchange;    /* "C.broadcast", "C.direct"; "" for replies */
    char *routing_key; /* identity, reply queue, or "" for broadcast */
    char *reply_to;    /* NULL when the property was not set (replies) */
    char *correlation_id;
    int64_t expiration_ms; /* 0 when not set (replies) */
    int mandatory;
    unsigned generation; /* the connection it went out on */
    uint8_t *body;
    size_t len;
};

/*
 * mst_double_on_new - call `fn(conn, ud)` for every connector made by
 * mst_connector_new from now on (NULL: stop), so that a test can arm
 * failures or set a publish hook on a connector created inside the code
 * under test (mst_client_new).  mst_double_latest() returns the last one made
 * and not yet freed, or NULL.
 */
void mst_double_on_new(void (*fn)(struct mst_connector *conn, void *ud),
                       void *ud);
struct mst_connector *mst_double_latest(void);

/*
 * mst_double_on_publish - call `fn(conn, pub, ud)` after each successful
 * publish is recorded (NULL: stop): the place for a test broker to answer
 * requests (pub->correlation_id is the request id) with mst_double_queue.
 * `pub` is borrowed until the next publish or mst_double_clear_published.
 */
void mst_double_on_publish(struct mst_connector *conn,
                           void (*fn)(struct mst_connector *conn,
                                      const struct mst_double_published *pub,
                                      void *ud),
                           void *ud);

/*
 * mst_double_on_idle - call `fn(conn, ud)` whenever mst_connector_consume
 * finds no message available, before it waits (NULL: stop): the place for
 * a test to queue the next message or to end a loop under test (set its
 * stop flag).  Messages queued by `fn` are handed out by the same consume.
 */
void mst_double_on_idle(struct mst_connector *conn,
                        void (*fn)(struct mst_connector *conn, void *ud),
                        void *ud);

/*
 * mst_double_queue - append `m` to the consumer's queue (FIFO among messages
 * already available).  Returns MST_OK or MST_ENOMEM.
 */
int mst_double_queue(struct mst_connector *conn,
                     const struct mst_double_message *m);

/* mst_double_queued - messages queued and not consumed yet. */
size_t mst_double_queued(const struct mst_connector *conn);

/* mst_double_published_count / mst_double_published - what was published so
 * far, in order, since the last mst_double_clear_published.  NULL past the end.
 */
size_t mst_double_published_count(const struct mst_connector *conn);
const struct mst_double_published *
mst_double_published_at(const struct mst_connector *conn, size_t i);
void mst_double_clear_published(struct mst_connector *conn);

/*
 * mst_double_fail_next - make the next call of `op` fail with `code` (a
 * negative MST_E* status) and the message "double: injected failure".
 * MST_ECONNECT also drops the connection, as the real connector does.
 * `times` calls in a row fail (0 disarms).
 */
void mst_double_fail_next(struct mst_connector *conn, enum mst_double_op op,
                          int code, unsigned times);

/*
 * mst_double_drop - the broker goes away: the connection is down, queued
 * messages are lost and the next mst_connector_consume (or publish, ack)
 * returns MST_ECONNECT with `why`.  Reconnect with mst_connector_retry or
 * _reconnect: a new generation, new queue names.
 */
void mst_double_drop(struct mst_connector *conn, const char *why);

/* State, for assertions. */
int mst_double_connected(const struct mst_connector *conn);
unsigned mst_double_generation(const struct mst_connector *conn);
const char *
mst_double_node_queue(const struct mst_connector *conn); /* or NULL */
/* The last tag acknowledged on the current connection (0: none) and
 * whether that ack was "multiple". */
uint64_t mst_double_acked_tag(const struct mst_connector *conn,
                              int *multiple_r);
/* The last tag acknowledged by any connector, also one since freed (for
 * code under test that makes and frees its own). */
uint64_t mst_double_last_ack(void);

#endif
