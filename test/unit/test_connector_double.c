/*
 * test_connector_double.c - the connector double keeps the contract of
 * connectors/connector.h that test_dispatch and test_collect rely on:
 * validation and return codes, views valid until the next consume,
 * generations and server-named queues that change on reconnect, acks
 * refused across connections, returned messages, the body cap, the pipe
 * that polls readable while messages wait, and the controls of its own.
 */
#include <check.h>
#include <poll.h>
#include <string.h>

#include "base/status.h"
#include "connector_double.h"
#include "runner.h"

static char *url_list[] = {"amqp://guest:secret@127.0.0.1:5672"};
static struct mst_strv urls = {url_list, 1};
static char *collective_list[] = {"muster"};
static struct mst_strv collectives = {collective_list, 1};
static struct mst_connector *conn;

static void setup(void) {
    struct mst_connector_options o = {.urls = &urls, .max_body = 16};
    ck_assert_int_eq(mst_connector_new(&o, &conn, NULL), MST_OK);
    ck_assert_ptr_eq(mst_double_latest(), conn);
}

static void teardown(void) {
    mst_connector_free(&conn);
    ck_assert_ptr_null(conn);
    ck_assert_ptr_null(mst_double_latest());
}

static void deliver(const char *body) {
    struct mst_double_message m = {.kind = MST_MESSAGE_DELIVERY,
                                   .body = MST_BYTES(body, strlen(body)),
                                   .reply_to = "q",
                                   .correlation_id = "c"};
    ck_assert_int_eq(mst_double_queue(conn, &m), MST_OK);
}

static int readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

START_TEST(options_are_checked_and_the_password_hidden) {
    struct mst_connector *c = NULL;
    struct mst_strv none = {0};
    struct mst_connector_options o = {.urls = &none};
    ck_assert_int_eq(mst_connector_new(&o, &c, NULL), MST_EINVAL);
    o = (struct mst_connector_options){.urls = &urls, .tls_cert = "c.pem"};
    ck_assert_int_eq(mst_connector_new(&o, &c, NULL), MST_EINVAL);
    /* as rabbitmq.c refuses them (connectors/contract.c) */
    o = (struct mst_connector_options){.urls = &urls,
                                       .queue_overflow = "drop-tail"};
    ck_assert_int_eq(mst_connector_new(&o, &c, NULL), MST_EINVAL);
    o = (struct mst_connector_options){.urls = &urls, .queue_ttl_ms = -1};
    ck_assert_int_eq(mst_connector_new(&o, &c, NULL), MST_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(mst_connector_url(conn), "amqp://127.0.0.1:5672");
}
END_TEST

START_TEST(nothing_works_before_connect) {
    struct mst_message msg;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_connector_fd(conn), -1);
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, &err), MST_ECONNECT);
    ck_assert_int_eq(
        mst_connector_declare_reply_queue(conn, &collectives, NULL),
        MST_ECONNECT);
    /* remembered all the same, and declared by the first pass */
    ck_assert_int_eq(mst_connector_declare_node(conn, "n1", &collectives, NULL),
                     MST_ECONNECT);
    ck_assert_ptr_null(mst_double_node_queue(conn));
    int64_t delay = -1;
    ck_assert_int_eq(mst_connector_retry(conn, &delay, NULL), MST_OK);
    ck_assert_int_eq(delay, 0);
    ck_assert_str_eq(mst_double_node_queue(conn), "amq.gen-node-1");
}
END_TEST

START_TEST(publish_needs_a_reply_queue_and_a_ttl) {
    struct mst_bytes body = MST_BYTES("x", 1);
    ck_assert_int_eq(mst_connector_connect(conn, NULL), MST_OK);
    ck_assert_int_eq(mst_connector_publish_request(conn, "muster", NULL, "id",
                                                   1000, body, NULL),
                     MST_EINVAL);
    ck_assert_int_eq(
        mst_connector_declare_reply_queue(conn, &collectives, NULL), MST_OK);
    ck_assert_int_eq(mst_connector_publish_request(conn, "muster", NULL, "id",
                                                   0, body, NULL),
                     MST_EINVAL);
    ck_assert_int_eq(mst_connector_publish_request(conn, "muster", "n1", "id",
                                                   1000, body, NULL),
                     MST_OK);
    ck_assert_int_eq(mst_connector_publish_reply(conn, MST_BYTES("", 0),
                                                 MST_BYTES("id", 2), body,
                                                 NULL),
                     MST_EINVAL);
    const struct mst_double_published *p = mst_double_published_at(conn, 0);
    ck_assert_str_eq(p->exchange, "muster.direct");
    ck_assert_str_eq(p->routing_key, "n1");
    ck_assert_str_eq(p->reply_to, "amq.gen-reply-1");
    ck_assert_int_eq(p->mandatory, 1);
    ck_assert_int_eq(p->expiration_ms, 1000);
    ck_assert_ptr_null(mst_double_published_at(conn, 1));
}
END_TEST

/* Names as rabbitmq.c refuses them (both use connectors/contract.c): an
 * exchange name "COLLECTIVE.SUFFIX" fits an AMQP short string, so a
 * collective of 248 bytes is addressed (".direct") but not broadcast to
 * (".broadcast"); a collector's queue is not the broker's "amq.". */
START_TEST(names_are_refused_as_the_real_connector_refuses_them) {
    struct mst_bytes body = MST_BYTES("x", 1);
    char c248[249];
    memset(c248, 'c', 248);
    c248[248] = '\0';
    char *long_list[] = {c248};
    struct mst_strv long_collective = {long_list, 1};
    ck_assert_int_eq(mst_connector_connect(conn, NULL), MST_OK);
    ck_assert_int_eq(
        mst_connector_declare_reply_queue(conn, &long_collective, NULL),
        MST_EINVAL);
    ck_assert_int_eq(mst_connector_declare_node(conn, "", &collectives, NULL),
                     MST_EINVAL);
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_connector_declare_collector(conn, "amq.mine", &collectives, &err),
        MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not starting with \"amq.\""));
    ck_assert_int_eq(
        mst_connector_declare_reply_queue(conn, &collectives, NULL), MST_OK);
    ck_assert_int_eq(
        mst_connector_publish_request(conn, c248, NULL, "id", 1000, body, NULL),
        MST_EINVAL);
    ck_assert_int_eq(
        mst_connector_publish_request(conn, c248, "n1", "id", 1000, body, NULL),
        MST_OK);
    ck_assert_int_eq(mst_connector_publish_registration(conn, NULL, body, NULL),
                     MST_EINVAL);
    ck_assert_uint_eq(mst_double_published_count(conn), 1);
}
END_TEST

START_TEST(deliveries_in_order_with_views_until_the_next_consume) {
    struct mst_message msg;
    ck_assert_int_eq(mst_connector_connect(conn, NULL), MST_OK);
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 0);
    ck_assert(!readable(mst_connector_fd(conn)));
    deliver("first");
    deliver("second");
    deliver("far too long for the cap");
    ck_assert(readable(mst_connector_fd(conn)));
    ck_assert(mst_connector_has_buffered(conn));
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 1);
    ck_assert_int_eq(msg.kind, MST_MESSAGE_DELIVERY);
    ck_assert_mem_eq(msg.body.ptr, "first", 5);
    ck_assert_mem_eq(msg.reply_to.ptr, "q", 1);
    ck_assert_uint_eq(msg.delivery_tag, 1);
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 1);
    ck_assert_uint_eq(msg.body.len, 6);
    ck_assert_uint_eq(msg.body_size, 6);
    ck_assert_uint_eq(msg.delivery_tag, 2);
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 1);
    ck_assert_int_eq(msg.oversized, 1);
    ck_assert_uint_eq(msg.body.len, 0);
    ck_assert_uint_eq(msg.body_size, 24); /* announced, never held */
    ck_assert_int_eq(mst_connector_ack(conn, &msg, NULL), MST_OK);
    ck_assert(!readable(mst_connector_fd(conn)));
    mst_connector_release(conn, &msg);
    ck_assert_uint_eq(msg.body.len, 0);
}
END_TEST

START_TEST(returned_messages_name_the_node_and_cannot_be_acked) {
    struct mst_message msg;
    ck_assert_int_eq(mst_connector_connect(conn, NULL), MST_OK);
    struct mst_double_message m = {.kind = MST_MESSAGE_RETURNED,
                                   .routing_key = "n9"};
    ck_assert_int_eq(mst_double_queue(conn, &m), MST_OK);
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 1);
    ck_assert_int_eq(msg.kind, MST_MESSAGE_RETURNED);
    ck_assert_int_eq(msg.reply_code, 312);
    ck_assert_mem_eq(msg.routing_key.ptr, "n9", 2);
    ck_assert_int_eq(mst_connector_ack(conn, &msg, NULL), MST_EINVAL);
}
END_TEST

START_TEST(delayed_messages_wait_their_turn) {
    struct mst_message msg;
    ck_assert_int_eq(mst_connector_connect(conn, NULL), MST_OK);
    struct mst_double_message later = {.kind = MST_MESSAGE_DELIVERY,
                                       .body = MST_BYTES("late", 4),
                                       .after_ms = 20};
    ck_assert_int_eq(mst_double_queue(conn, &later), MST_OK);
    deliver("now");
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 1);
    ck_assert_mem_eq(msg.body.ptr, "now", 3);
    ck_assert_int_eq(mst_connector_consume(conn, -1, &msg, NULL), 1);
    ck_assert_mem_eq(msg.body.ptr, "late", 4);
    /* nothing left: waiting for ever would hang the test */
    ck_assert_int_eq(mst_connector_consume(conn, -1, &msg, NULL), MST_ECONNECT);
}
END_TEST

START_TEST(reconnect_starts_a_new_generation) {
    struct mst_message msg;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_connector_connect(conn, NULL), MST_OK);
    ck_assert_int_eq(mst_connector_declare_node(conn, "n1", &collectives, NULL),
                     MST_OK);
    deliver("old");
    deliver("lost");
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, NULL), 1);
    struct mst_message old = msg;
    mst_double_drop(conn, "connection reset");
    ck_assert_int_eq(mst_connector_consume(conn, 0, &msg, &err), MST_ECONNECT);
    ck_assert_str_eq(err.msg, "connection reset");
    ck_assert_int_eq(mst_connector_reconnect(conn, NULL, &err), MST_OK);
    ck_assert_uint_eq(mst_double_generation(conn), 2);
    ck_assert_str_eq(mst_double_node_queue(conn), "amq.gen-node-2");
    ck_assert_uint_eq(mst_double_queued(conn), 0); /* died with the queue */
    ck_assert_int_eq(mst_connector_ack(conn, &old, NULL), MST_ENOTFOUND);
    ck_assert_int_eq(mst_connector_ack_through(conn, 1, 2, NULL), MST_OK);
    int multiple = 0;
    ck_assert_uint_eq(mst_double_acked_tag(conn, &multiple), 1);
    ck_assert_int_eq(multiple, 1);
}
END_TEST

START_TEST(injected_failures_and_backoff) {
    struct mst_err err = {0};
    int64_t delay = 0;
    mst_double_fail_next(conn, MST_DOUBLE_OP_CONNECT, MST_ECONNECT, 2);
    ck_assert_int_eq(mst_connector_retry(conn, &delay, &err), MST_ECONNECT);
    ck_assert_int_eq(delay, 1000);
    ck_assert_int_eq(mst_connector_retry(conn, &delay, &err), MST_ECONNECT);
    ck_assert_int_eq(delay, 2000);
    ck_assert_int_eq(mst_connector_retry(conn, &delay, &err), MST_OK);
    ck_assert_int_eq(delay, 0);
    /* an EPROTO declaration drops the connection, as the broker would */
    mst_double_fail_next(conn, MST_DOUBLE_OP_DECLARE, MST_EPROTO, 1);
    ck_assert_int_eq(mst_connector_declare_node(conn, "n1", &collectives, &err),
                     MST_EPROTO);
    ck_assert(!mst_double_connected(conn));
    volatile sig_atomic_t stop = 1;
    ck_assert_int_eq(mst_connector_reconnect(conn, &stop, &err), MST_ESTOPPED);
    ck_assert_int_eq(mst_connector_reconnect(conn, NULL, &err), MST_OK);
    mst_double_fail_next(conn, MST_DOUBLE_OP_PUBLISH, MST_EIO, 1);
    ck_assert_int_eq(mst_connector_publish_reply(conn, MST_BYTES("q", 1),
                                                 MST_BYTES("c", 1),
                                                 MST_BYTES("x", 1), &err),
                     MST_EIO);
    ck_assert(mst_double_connected(conn)); /* only ECONNECT drops it */
    ck_assert_uint_eq(mst_double_published_count(conn), 0);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("connector_double");
    TCase *tc = mst_test_case(s, "contract", setup, teardown, 30);
    tcase_add_test(tc, options_are_checked_and_the_password_hidden);
    tcase_add_test(tc, nothing_works_before_connect);
    tcase_add_test(tc, publish_needs_a_reply_queue_and_a_ttl);
    tcase_add_test(tc, names_are_refused_as_the_real_connector_refuses_them);
    tcase_add_test(tc, deliveries_in_order_with_views_until_the_next_consume);
    tcase_add_test(tc, returned_messages_name_the_node_and_cannot_be_acked);
    tcase_add_test(tc, delayed_messages_wait_their_turn);
    tcase_add_test(tc, reconnect_starts_a_new_generation);
    tcase_add_test(tc, injected_failures_and_backoff);
    return s;
}

int main(void) {
    return mst_test_run(suite());
}
