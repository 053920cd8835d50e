#!/bin/bash
# The broker's Erlang VM is SIGKILLed (a crash, not `stop_app`: no
# connection.close, the sockets just die) and started again with the same
# data and ports; every daemon notices, reconnects on its own and answers
# ping again from the same process.  The time from the restart to the last
# daemon answering is printed (a figure, not an assertion).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 3
write_client_cfg
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "3 replies"
pids_before="$(daemon_pid 1) $(daemon_pid 2) $(daemon_pid 3)"

step "SIGKILL the broker's VM"
broker_kill || fail "could not SIGKILL the broker"
for i in 1 2 3; do
    # shellcheck disable=SC2016
    wait_for 'grep -q "broker connection lost" "$(daemon_log '"$i"')"' 60 ||
        fail "node$i did not notice the broker dying"
done

step "restart it with the same data dir and ports"
restarted=$SECONDS
broker_restart || fail "the broker did not start again"
up=$SECONDS
for i in 1 2 3; do
    # the second "connected" line is the reconnection
    # shellcheck disable=SC2016  # eval'd by wait_for
    wait_for '[ "$(grep -cE "$MST_CONNECTED_RE" "$(daemon_log '"$i"')")" -ge 2 ]' 120 ||
        fail "node$i did not reconnect"
done

step "the same three processes answer ping"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "3 replies"
assert_eq "$pids_before" "$(daemon_pid 1) $(daemon_pid 2) $(daemon_pid 3)"
printf 'recovery: broker back %d s after the restart began, all daemons answering %d s after it was up\n' \
    "$((up - restarted))" "$((SECONDS - up))"

stop_daemons
