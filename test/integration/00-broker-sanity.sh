#!/bin/bash
# The private broker the other tests use is up, answers AMQP on its port,
# is reachable through rabbitmqctl, and runs with our rabbitmq.conf.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

step "broker answers on $MUSTER_TEST_HOST:$MUSTER_TEST_PORT"
mst_broker_answers "$MUSTER_TEST_HOST" "$MUSTER_TEST_PORT" ||
    fail "nothing listens on $MUSTER_TEST_HOST:$MUSTER_TEST_PORT"

if [[ $MUSTER_TEST_URL == amqps://* ]]; then
    # TLS: the listener's certificate verifies against our CA, TLS 1.2 and
    # 1.3 are offered and TLS 1.1 is refused; AMQP itself is covered by the
    # tests that connect through it.
    step "TLS listener: certificate verifies, TLS 1.1 refused"
    for v in tls1_2 tls1_3; do
        assert_exit 0 timeout 10 openssl s_client -connect "$MUSTER_TEST_HOST:$MUSTER_TEST_PORT" \
            -CAfile "$MUSTER_TLS_CA" -verify_return_error -verify_ip "$MUSTER_TEST_HOST" -"$v" </dev/null
        assert_contains "$OUT" "Verify return code: 0 (ok)"
    done
    RC=0
    timeout 10 openssl s_client -connect "$MUSTER_TEST_HOST:$MUSTER_TEST_PORT" \
        -CAfile "$MUSTER_TLS_CA" -tls1_1 </dev/null >/dev/null 2>&1 || RC=$?
    assert_ne 0 "$RC" "a TLS 1.1 handshake must fail"
    exit 0
fi

step "it speaks AMQP 0-9-1"
exec 3<>"/dev/tcp/$MUSTER_TEST_HOST/$MUSTER_TEST_PORT"
printf 'AMQP\0\0\11\1' >&3
hdr=$(timeout 5 head -c 4 <&3 | od -An -tx1 | tr -d ' \n')
exec 3>&-
# connection.start is a method frame: type 1, channel 0
assert_eq "01000000" "$hdr" "first bytes of the broker's answer"

step "rabbitmqctl reaches node $MUSTER_TEST_NODE"
assert_exit 0 rabbitmqctl -q list_queues name
assert_exit 0 rabbitmqctl -q eval 'application:get_env(rabbit, max_message_size).'
assert_eq "{ok,4194304}" "$OUT" "max_message_size from rabbitmq.conf"
