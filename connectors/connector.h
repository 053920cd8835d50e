/*
 * connector.h - how muster talks to its broker.
 *
 * An opaque connection with the operations the daemon and the client need:
 * connect (trying each URL in order), declare the node topology or a reply
 * queue, publish requests and replies, consume with a timeout, acknowledge,
 * and reconnect with capped exponential backoff, re-declaring everything
 * that was declared before.  The RabbitMQ implementation lives in
 * rabbitmq.c; nothing above this header includes a broker library.
 *
 * A connector is not thread-safe: one thread owns it.
 */
#ifndef MST_CONNECTOR_H
#define MST_CONNECTOR_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/config.h"
#include "base/err.h"

struct mst_connector;

struct mst_connector_options {
    const struct mst_strv *urls; /* tried in order; at least one */
    int heartbeat_s;             /* 0 disables (not recommended); <0: 30 */
    int prefetch;                /* unacknowledged deliveries; 0 = no limit */
    const char *connection_name; /* shown in the management UI */
    const char *tls_ca;          /* for amqps:// (NULL: system default) */
    const char *tls_cert;        /* optional client certificate */
    const char *tls_key;         /* its key */
    uint32_t max_body;           /* larger deliveries are dropped; 0 = 1 MiB */
    /* Bounds of the queue this connector declares (node or reply queue):
     * x-max-length (0: unbounded), x-overflow "drop-head" or
     * "reject-publish" (NULL: "drop-head"), x-message-ttl in ms (0: none). */
    int queue_max_length;
    const char *queue_overflow;
    int64_t queue_ttl_ms;
    int64_t reconnect_max_ms; /* backoff cap, jitter included; <=0: 30 s */
};

enum mst_message_kind {
    MST_MESSAGE_DELIVERY, /* a message from our queue */
    MST_MESSAGE_RETURNED, /* a mandatory publish nobody could take */
};

/*
 * A received message.  Views point into memory owned by the connector and
 * stay valid until mst_connector_release() or the next consume.
 */
struct mst_message {
    enum mst_message_kind kind;
    struct mst_bytes body;
    struct mst_bytes reply_to;       /* len 0 when absent */
    struct mst_bytes correlation_id; /* len 0 when absent */
    struct mst_bytes routing_key;    /* returned: the identity addressed */
    uint64_t delivery_tag;           /* for mst_connector_ack */
    int reply_code;                  /* returned: 312 NO_ROUTE, ... */
    int oversized;                   /* body was over max_body: not read into
                                        memory, only skipped (body empty) */
    uint64_t body_size;              /* the size the message announced */
    unsigned generation;             /* private: the connection it came on */
};

/*
 * mst_connector_new - a connector that has not connected yet.  The options
 * are copied.  Returns MST_OK and *conn_r (free with mst_connector_free), or
 * MST_EINVAL for a malformed URL (named in `err`, password hidden), which
 * includes a trailing "/" after host:port: that selects the empty vhost.
 * For the default vhost "/" leave the path out or write "/%2f".  Also
 * MST_EINVAL for a client certificate without a key or the reverse, an
 * unknown queue_overflow, a negative bound or a queue TTL over 2^31-1 ms,
 * and MST_ENOMEM.
 */
int mst_connector_new(const struct mst_connector_options *opts,
                      struct mst_connector **conn_r, struct mst_err *err);

/*
 * mst_connector_free - close the connection politely if it is up (bounded
 * by a short timeout), free everything, set *conn to NULL.  NULL is fine.
 */
void mst_connector_free(struct mst_connector **conn);

/*
 * mst_connector_connect - one pass over the URLs in order; the first that
 * accepts login wins.  Each attempt is bounded: 5 s for the socket (and
 * TLS), 10 s for the AMQP handshake.  Declares nothing: call the declare
 * functions next (mst_connector_reconnect re-declares by itself).  Returns
 * MST_OK, or MST_ECONNECT with every URL's failure summarised in `err`, or
 * MST_EPROTO when a single URL refused the login (403 ACCESS_REFUSED,
 * 530 NOT_ALLOWED for an unknown vhost).
 */
int mst_connector_connect(struct mst_connector *conn, struct mst_err *err);

/*
 * mst_connector_reconnect - after a lost connection: retry passes over the
 * URLs, sleeping with capped exponential backoff and jitter
 * (mst_connector_backoff_ms) between passes, until connected and every earlier
 * declaration (node topology, reply queue and consumers) is made again, or
 * until *stop (may be NULL) becomes non-zero: MST_ESTOPPED.  The first pass
 * starts at once; sleeps are cut in 100 ms slices so that *stop is noticed
 * quickly.  Queues are server-named, so the node and reply queues get NEW
 * names; a message from before is released and cannot be acked.
 * Returns MST_OK; `err` then holds the last failure, if any.
 */
int mst_connector_reconnect(struct mst_connector *conn,
                            volatile sig_atomic_t *stop, struct mst_err *err);

/*
 * mst_connector_backoff_ms - the delay before reconnect pass `pass` (1, 2,
 * ...): 1 s doubling up to `cap_ms`, with +-20 % jitter drawn from
 * `rnd`, but never above `cap_ms` (at the cap: 80 % to 100 % of it).
 * Pure; `cap_ms` below 1 s caps the first delay too.
 */
int64_t mst_connector_backoff_ms(unsigned pass, int64_t cap_ms, uint64_t rnd);

/*
 * mst_connector_retry - one pass of mst_connector_reconnect, for a caller
 * that keeps serving other work between passes (musterd's workers): drops
 * what is left of the connection, tries each URL once and declares again
 * everything declared before.  Returns MST_OK (*delay_ms_r = 0), or the
 * failure (MST_ECONNECT, MST_EPROTO, ...) with *delay_ms_r = how long to
 * wait before the next pass: the same backoff, growing with each failed
 * pass in a row and reset by a success.
 */
int mst_connector_retry(struct mst_connector *conn, int64_t *delay_ms_r,
                        struct mst_err *err);

/*
 * mst_connector_declare_node - the daemon's topology: for each collective C
 * the exchanges C.broadcast (fanout), C.direct (direct) and C.registration
 * (fanout), all durable,
 * one exclusive, auto-delete, server-named queue with the options' bounds
 * (x-max-length, x-overflow, x-message-ttl; what it drops is dead-lettered
 * and counted, see mst_connector_dropped) bound to both (to C.direct
 * with routing key = identity), qos prefetch, and a consumer with
 * acknowledgements.  `identity` and `collectives` are copied and remembered
 * for mst_connector_reconnect/_retry, also when there is no connection yet
 * (then MST_ECONNECT: the next pass declares them).  Returns MST_OK;
 * MST_EINVAL (empty or over-long names); MST_EPROTO when the broker
 * refused a declaration (e.g. 406 PRECONDITION_FAILED for an exchange that
 * exists with another type);
 * MST_ECONNECT.  After MST_EPROTO or MST_ECONNECT the connection has been
 * dropped: call mst_connector_reconnect (or give up).
 */
int mst_connector_declare_node(struct mst_connector *conn, const char *identity,
                               const struct mst_strv *collectives,
                               struct mst_err *err);

/*
 * mst_connector_declare_reply_queue - the client's exclusive, auto-delete,
 * server-named reply queue (with the options' bounds) and a no-ack consumer on
 * it.  Its name is then mst_connector_reply_queue().  Also makes sure the
 * exchanges of `collectives` exist, so a publish to a fresh broker does not
 * fail. Return codes as mst_connector_declare_node.
 */
int mst_connector_declare_reply_queue(struct mst_connector *conn,
                                      const struct mst_strv *collectives,
                                      struct mst_err *err);

/*
 * mst_connector_declare_collector - an inventory collector's topology: for
 * each collective C the exchanges (C.registration among them, a durable
 * fanout), then the durable, non-exclusive queue `queue` with the
 * options' bounds (x-max-length, x-overflow, x-message-ttl) bound to every
 * C.registration, qos prefetch, and one exclusive consumer with
 * acknowledgements.  Remembered for mst_connector_reconnect/_retry.  The
 * queue stays when the collector goes, so registrations wait for it.
 * Return codes as mst_connector_declare_node (MST_EPROTO also when the
 * queue exists with other bounds, or another consumer holds it).
 */
int mst_connector_declare_collector(struct mst_connector *conn,
                                    const char *queue,
                                    const struct mst_strv *collectives,
                                    struct mst_err *err);

/*
 * mst_connector_backlog - how many messages the collector queue held when
 * it was last declared (the broker's declare-ok count): what a one-shot
 * collection has to drain.  0 before a declaration.
 */
uint64_t mst_connector_backlog(const struct mst_connector *conn);

/*
 * mst_connector_publish_registration - publish `body` to the fanout
 * exchange C.registration (C = `collective`), persistent, with no routing
 * key.  Nobody bound is fine: the broker drops it.  Returns MST_OK,
 * MST_EINVAL (bad collective) or MST_ECONNECT (connection dropped).
 */
int mst_connector_publish_registration(struct mst_connector *conn,
                                       const char *collective,
                                       struct mst_bytes body,
                                       struct mst_err *err);

/*
 * mst_connector_dropped - how many requests the broker dropped from the node
 * queue (over x-max-length with drop-head, or expired there) since the
 * connector was made: the node queue dead-letters them to a small exclusive
 * queue of the daemon's, which the connector reads and counts inside
 * mst_connector_consume (they are never handed out).  That queue is bounded
 * too (100,000 messages, 16 MiB): past that, drops while the daemon is
 * stalled go uncounted.  Always 0 for a client.
 */
uint64_t mst_connector_dropped(const struct mst_connector *conn);

/*
 * mst_connector_reply_queue - the reply queue name, or NULL before one.
 * Owned by the connector; changes on reconnect.
 */
const char *mst_connector_reply_queue(const struct mst_connector *conn);

/*
 * mst_connector_publish_request - publish `body` to C.broadcast (identity ==
 * NULL) or to C.direct with routing key = identity and mandatory set, so
 * that a request nobody can take comes back as MST_MESSAGE_RETURNED.
 * Properties: reply_to = mst_connector_reply_queue(), correlation_id,
 * expiration = ttl_ms (must be > 0), content type application/x-msgpack,
 * transient delivery.  Returns MST_OK, MST_EINVAL (no reply queue yet, bad
 * collective or ttl) or MST_ECONNECT (connection dropped).  MST_OK only
 * says the bytes were written.
 */
int mst_connector_publish_request(struct mst_connector *conn,
                                  const char *collective, const char *identity,
                                  const char *correlation_id, int64_t ttl_ms,
                                  struct mst_bytes body, struct mst_err *err);

/*
 * mst_connector_publish_reply - publish `body` to the default exchange with
 * routing key `reply_to` and the given correlation id.  The views may point
 * into the message being answered.  A reply to a queue that no longer
 * exists is silently dropped by the broker.  Returns MST_OK, MST_EINVAL or
 * MST_ECONNECT (connection dropped).
 */
int mst_connector_publish_reply(struct mst_connector *conn,
                                struct mst_bytes reply_to,
                                struct mst_bytes correlation_id,
                                struct mst_bytes body, struct mst_err *err);

/*
 * mst_connector_consume - wait up to `timeout_ms` (0: do not wait, < 0:
 * wait for ever) for the next message.  Returns 1 with *msg_r filled, 0 on
 * timeout (heartbeats are still served), or a negative status: MST_ECONNECT
 * when the connection is lost or closed by the broker (320
 * CONNECTION_FORCED at shutdown, a channel error, our consumer cancelled),
 * with the broker's reason in `err`; the connection has then been dropped
 * and the caller decides whether to mst_connector_reconnect.  The previous
 * message is released automatically.  A delivery with `oversized` set has
 * no body but must still be acked.
 */
int mst_connector_consume(struct mst_connector *conn, int timeout_ms,
                          struct mst_message *msg_r, struct mst_err *err);

/*
 * mst_connector_ack - acknowledge a delivery (daemon queues only).  May be
 * called after the message was released.  Returns MST_OK; MST_EINVAL for a
 * returned message; MST_ENOTFOUND for a delivery from a connection that has
 * since been lost (the broker has already dropped or requeued it);
 * MST_ECONNECT (connection dropped).
 */
int mst_connector_ack(struct mst_connector *conn, const struct mst_message *msg,
                      struct mst_err *err);

/*
 * mst_connector_ack_through - acknowledge every delivery up to and
 * including `tag` at once (AMQP multiple = true), if they came on the
 * connection `generation` names; a daemon under load sends one ack for a
 * run of requests instead of one each.  MST_ENOTFOUND when that connection
 * has been lost since.
 */
int mst_connector_ack_through(struct mst_connector *conn, uint64_t tag,
                              unsigned generation, struct mst_err *err);

/*
 * mst_connector_ack_later - acknowledge every delivery up to and including
 * `tag` (AMQP multiple) with the next thing this connection writes: the
 * ack travels in front of the next publish, in the same write, or goes
 * alone at mst_connector_flush_acks (and at mst_connector_free).  A daemon
 * answering a request thus sends one packet for the ack and the reply.
 * MST_ENOTFOUND when the connection `generation` names has been lost
 * (the broker requeued those deliveries); MST_ECONNECT when not connected.
 */
int mst_connector_ack_later(struct mst_connector *conn, uint64_t tag,
                            unsigned generation, struct mst_err *err);

/*
 * mst_connector_flush_acks - send the ack mst_connector_ack_later deferred,
 * if it covers at least `min` deliveries (at least one).  Call it before
 * waiting for input.  MST_OK (also when there was nothing to send) or
 * MST_ECONNECT (connection dropped).
 */
int mst_connector_flush_acks(struct mst_connector *conn, unsigned min,
                             struct mst_err *err);

/* mst_connector_release - free the memory behind `msg` early. */
void mst_connector_release(struct mst_connector *conn, struct mst_message *msg);

/*
 * mst_connector_fd - the socket to poll(2) for input, or -1 when not
 * connected.  Check mst_connector_has_buffered() first: frames already read
 * into the library's buffer do not make the socket readable.
 */
int mst_connector_fd(const struct mst_connector *conn);

/* mst_connector_has_buffered - non-zero if a message may be read now. */
int mst_connector_has_buffered(const struct mst_connector *conn);

/* A reading of the broker's clock against ours (mst_connector_broker_clock). */
struct mst_broker_clock {
    int64_t broker_ms;      /* the broker's wall clock, ms since the epoch */
    int64_t local_ms;       /* ours at the same moment */
    int64_t uncertainty_ms; /* how far off the difference may be */
};

/*
 * mst_connector_broker_clock - read the broker's clock.  RabbitMQ shows its
 * time to an AMQP client in one place only: the x-death header of a message
 * it dead-lettered, whose "time" it stamps itself (whole seconds; neither
 * connection.start nor a delivery carries a time without the
 * message-timestamp plugin).  So: a message is published to a fresh
 * exclusive queue with x-message-ttl 0, which the broker dead-letters at
 * once into a second fresh queue; it is fetched back (basic.get) and the
 * time read.  local_ms is the middle of our clock before publishing and
 * after receipt; broker_ms the middle of the broker's second; the
 * uncertainty half a second plus half the round trip.  Both queues are
 * deleted.  Only on a connector that declared nothing (no consumer may
 * deliver meanwhile): MST_EINVAL otherwise.  Returns MST_OK; MST_ETIMEOUT
 * (nothing came back in 5 s); MST_EPROTO (no x-death time, or the broker
 * refused a declaration); MST_ECONNECT.
 */
int mst_connector_broker_clock(struct mst_connector *conn,
                               struct mst_broker_clock *clock_r,
                               struct mst_err *err);

/*
 * mst_connector_server - "PRODUCT VERSION" (e.g. "RabbitMQ 3.10.8") from
 * the broker's connection.start properties, into `buf` of `size` bytes;
 * "" when not connected or not told.
 */
void mst_connector_server(const struct mst_connector *conn, char *buf,
                          size_t size);

/*
 * mst_connector_url - the URL currently connected, or last connected (the
 * first one before any), password hidden.  Owned by the connector.
 */
const char *mst_connector_url(const struct mst_connector *conn);

#endif
