#!/bin/bash
# An addressed request to an identity that no daemon has comes back from
# the broker at once (mandatory publish) as "no such node", and a mix of
# real and unknown identities reports each correctly.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 2
write_client_cfg

step "one unknown identity: exit 1, no such node"
# -t 60: the answer must come from the broker's return, not a timeout; the
# test does not time it, but a timeout would list the node as no_responses.
assert_exit 1 muster_cmd rpc rpcutil ping -I ghost -t 60 -j
assert_eq '["ghost"]' "$(jq -c '.stats.unknown_nodes' <<<"$OUT")"
assert_eq '[]' "$(jq -c '.stats.no_responses' <<<"$OUT")"
assert_exit 1 muster_cmd ping -I ghost -t 60
assert_contains "$OUT" "No such node: ghost"

step "known and unknown together"
assert_exit 1 muster_cmd rpc rpcutil ping -I node1 -I ghost -I node2 -t 60 -j
assert_eq "node1 node2" "$(jq -r '[.replies[].sender] | sort | join(" ")' <<<"$OUT")"
assert_eq '["ghost"]' "$(jq -c '.stats.unknown_nodes' <<<"$OUT")"

step "all known: exit 0"
assert_exit 0 muster_cmd rpc rpcutil ping -I node1 -I node2 -j
assert_eq "2" "$(jq -r '.stats.ok' <<<"$OUT")"

stop_daemons
