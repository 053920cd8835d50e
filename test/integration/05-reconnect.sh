#!/bin/bash
# The broker is stopped and started again; every daemon reconnects on its
# own, re-declares its queue and answers ping without being restarted.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 3
write_client_cfg
assert_exit 0 muster_cmd ping
pids_before="$(daemon_pid 1) $(daemon_pid 2) $(daemon_pid 3)"

step "stop the broker application"
broker_stop_app
for i in 1 2 3; do
    # shellcheck disable=SC2016
    wait_for 'grep -q "broker connection lost" "$(daemon_log '"$i"')"' 30 ||
        fail "node$i did not notice the broker going away"
done

step "start it again"
broker_start_app
for i in 1 2 3; do
    # the second "connected" line is the reconnection
    wait_for '[ "$(grep -cE "$MST_CONNECTED_RE" "$(daemon_log '"$i"')")" -ge 2 ]' 120 ||
        fail "node$i did not reconnect"
done

step "the same three processes answer ping"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "3 replies"
assert_eq "$pids_before" "$(daemon_pid 1) $(daemon_pid 2) $(daemon_pid 3)"
assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I node1 -j
assert_eq "1" "$(jq -r '.replies[0].data.reconnects' <<<"$OUT")"

stop_daemons
