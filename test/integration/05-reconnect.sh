#!/bin/bash
# The broker is stopped and started again; every daemon reconnects on its
# own, re-declares its queue and answers ping without being restarted.
# While the broker is down a daemon still enforces its workers' deadlines,
# and a daemon started while the broker is down joins once it is back.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

AGENTS=$T/agents
mkdir -p "$AGENTS"
cp "$MUSTER_BUILD"/test/agents/test_agent.so "$MUSTER_BUILD"/test/agents/test_agent.json "$AGENTS"/
export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; };"
export MUSTER_DDL_PATH=$AGENTS
start_daemons 3
MST_CONFIG_EXTRA= write_client_cfg
assert_exit 0 muster_cmd ping
pids_before="$(daemon_pid 1) $(daemon_pid 2) $(daemon_pid 3)"

step "stop the broker application while an action runs on node1"
muster_cmd rpc test_agent hang -I node1 >/dev/null 2>&1 &
client_pid=$!
wait_for 'pgrep -P "$(daemon_pid 1)" >/dev/null' 30 ||
    fail "node1 did not start a worker for test_agent/hang"
broker_stop_app
for i in 1 2 3; do
    # shellcheck disable=SC2016
    wait_for 'grep -q "broker connection lost" "$(daemon_log '"$i"')"' 30 ||
        fail "node$i did not notice the broker going away"
done
wait "$client_pid" || true

step "with the broker down, the hung action is still stopped at its timeout"
# shellcheck disable=SC2016
wait_for 'grep -q "test_agent/hang timed out after 2 s" "$(daemon_log 1)"' 30 ||
    fail "node1 did not enforce the worker deadline while the broker was down"

step "a daemon started while the broker is down"
launch_daemon 4
# shellcheck disable=SC2016
wait_for 'grep -q "retrying" "$(daemon_log 4)"' 30 ||
    fail "node4 did not report the broker as unreachable"

step "start it again"
broker_start_app
for i in 1 2 3; do
    # the second "connected" line is the reconnection
    wait_for '[ "$(grep -cE "$MST_CONNECTED_RE" "$(daemon_log '"$i"')")" -ge 2 ]' 120 ||
        fail "node$i did not reconnect"
done
wait_connected 4

step "the same three processes and the late one answer ping"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "4 replies"
assert_eq "$pids_before" "$(daemon_pid 1) $(daemon_pid 2) $(daemon_pid 3)"
assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I node1 -j
assert_eq "1" "$(jq -r '.replies[0].data.reconnects' <<<"$OUT")"
assert_exit 0 muster_cmd rpc rpcutil ping -I node4 -j
assert_eq "node4" "$(jq -r '.replies[0].sender' <<<"$OUT")"

stop_daemons
