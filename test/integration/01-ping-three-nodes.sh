#!/bin/bash
# Three daemons with different identities: `muster ping` gets exactly one
# reply from each, and says so in its summary and its exit status.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 3
write_client_cfg

step "muster ping gets exactly node1..node3"
assert_exit 0 muster_cmd ping
got=$(printf '%s\n' "$OUT" | awk '/time=/ {print $1}' | sort | tr '\n' ' ')
assert_eq "node1 node2 node3 " "$got" "nodes that answered ping"
assert_contains "$OUT" "3 replies max:"

step "-j gives the same three replies as JSON"
assert_exit 0 muster_cmd ping -j
assert_eq "node1 node2 node3" "$(jq -r '[.replies[].sender] | sort | join(" ")' <<<"$OUT")"
assert_eq "3" "$(jq -r '.stats.responses' <<<"$OUT")"
assert_eq "0" "$(jq -r '.stats.failed' <<<"$OUT")"

step "with no daemon left, ping exits 1 and says nobody answered"
stop_daemons
assert_exit 1 muster_cmd ping --dt 0.5
assert_contains "$ERR" "no responses received"
