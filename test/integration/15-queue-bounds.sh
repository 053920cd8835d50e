#!/bin/bash
# The daemon's and the client's queues are bounded on the broker: they carry
# x-max-length, x-overflow and x-message-ttl (security.max_ttl), a flood at a
# stopped daemon never grows its queue past the bound, and the daemon answers
# again once it runs.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

BOUND=20
REPLY_BOUND=77
write_daemon_cfg 1
sed -i -e "s/heartbeat = 10;/heartbeat = 10; queue_max_length = $BOUND; prefetch = 1;/" \
    -e 's/^security: { /security: { max_ttl = 90; /' "$(daemon_cfg 1)"
start_daemon 1
write_client_cfg
# A long discovery, so that the client's reply queue can be looked at.
sed -i -e "s/heartbeat = 10;/heartbeat = 10; reply_queue_max_length = $REPLY_BOUND; queue_overflow = \"reject-publish\";/" \
    -e 's/^discovery_timeout = 2;/discovery_timeout = 8;/' "$CLIENT_CFG"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "1 replies"

# One line per queue: name, ready and unacknowledged messages, arguments.
queues() { rabbitmqctl -q list_queues name messages_ready messages_unacknowledged arguments; }

step "the node queue carries its bounds"
node_q=$(queues | grep -F "\"x-max-length\",$BOUND}" || true)
[ -n "$node_q" ] || { queues >&2; fail "no queue with x-max-length $BOUND"; }
assert_contains "$node_q" '{"x-overflow","drop-head"}'
assert_contains "$node_q" '{"x-message-ttl",90000}'
assert_contains "$node_q" '{"x-dead-letter-routing-key","amq.gen-'
name=$(awk '{print $1}' <<<"$node_q")

step "a flood at a stopped daemon stops at the bound"
kill -STOP "$(daemon_pid 1)"
publish_raw_n() { # hex body and count, to node1
    printf '\x00' >"$T/zero.bin"
    "$MUSTER_BUILD/test/tools/mst_publish" "$MUSTER_TEST_URL" muster.direct node1 "$T/zero.bin" "$1"
}
publish_raw_n 200
line=$(queues | awk -v q="$name" '$1 == q')
[ -n "$line" ] || fail "queue $name is gone"
read -r _ ready unacked _ <<<"$line"
((ready <= BOUND)) || fail "queue $name holds $ready ready messages, bound $BOUND"
# The bound was reached: 200 were sent, at most one is in the daemon's hands.
assert_eq "$BOUND" "$ready" "ready messages of $name"

step "the client's reply queue carries its bounds"
muster_cmd ping >"$T/ping.out" 2>&1 &
ping_pid=$!
mst_track "$ping_pid" "muster ping"
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'queues | grep -qF "\"x-max-length\",$REPLY_BOUND}"' 8 ||
    { queues >&2; fail "no reply queue with x-max-length $REPLY_BOUND"; }
reply_q=$(queues | grep -F "\"x-max-length\",$REPLY_BOUND}")
assert_contains "$reply_q" '{"x-overflow","reject-publish"}'
assert_contains "$reply_q" '{"x-message-ttl",3600000}'
wait "$ping_pid" || true

step "the daemon answers again once it runs"
kill -CONT "$(daemon_pid 1)"
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'muster_cmd ping | grep -q "1 replies"' 30 || fail "node1 does not answer after SIGCONT"

step "daemon_stats counts what the broker dropped"
# The 200 sent and the ping broadcast while stopped, less what the queue
# held (the ping pushed one more off its full head).
want=$((200 + 1 - ready - unacked))
assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I node1 -j
assert_eq "$want" "$(jq -r '.replies[0].data.dropped' <<<"$OUT")" "node1 dropped"

stop_daemons
