#!/bin/bash
# The private broker the other tests use is up, answers AMQP on its port,
# is reachable through rabbitmqctl, and runs with our rabbitmq.conf.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

step "broker answers on $MUSTER_TEST_HOST:$MUSTER_TEST_PORT"
mst_broker_answers "$MUSTER_TEST_HOST" "$MUSTER_TEST_PORT" ||
    fail "nothing listens on $MUSTER_TEST_HOST:$MUSTER_TEST_PORT"

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
