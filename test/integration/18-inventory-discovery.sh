#!/bin/bash
# Discovery from the inventory store: seven daemons are polled into a real
# SQLite file, the seventh is stopped; `muster ping --dm inventory`
# addresses the six that match straight from the store and ends the
# moment all answered (stats.ended == complete, not a discovery timeout),
# naming the seventh as stale; filters narrow the addressed set; a client
# whose configuration names a store discovers from it by default, and
# --dm broadcast overrides it; --batch and --limit-nodes take their list
# from the store too.  A poll with node7 down marks it stale in
# the store (--stale, the history), and its return marks it back.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "no jq: skipped"; exit 77; }

DB=$T/inventory.db
start_daemons 7
MST_CONFIG_EXTRA="inventory: { db = \"$DB\"; };" write_client_cfg

step "seven nodes in the store"
assert_exit 0 fill_store
assert_exit 0 muster_cmd inventory --format json
assert_eq 7 "$(jq length <<<"$OUT")"

step "--dm inventory ping of all seven nodes completes"
assert_exit 0 muster_cmd ping --dm inventory -j
assert_eq complete "$(jq -r .stats.ended <<<"$OUT")"
assert_eq 7 "$(jq -r .stats.responses <<<"$OUT")"

step "node7 stopped: six answer, the call completes, node7 is named stale"
stop_daemon 7
# A long --dt would only matter to a broadcast: the addressed call ends
# when the six answered and node7's queue is known to be gone.
assert_exit 1 muster_cmd ping --dm inventory --dt 30 -t 60 -j
assert_eq complete "$(jq -r .stats.ended <<<"$OUT")"
assert_eq 6 "$(jq -r .stats.responses <<<"$OUT")"
assert_eq '["node7"]' "$(jq -c .stats.stale <<<"$OUT")"
assert_eq '["node7"]' "$(jq -c '.stats.unknown_nodes + .stats.no_responses' <<<"$OUT")"
assert_exit 1 muster_cmd ping --dm inventory
assert_contains "$OUT" "Stale (in the inventory, did not answer): node7"
assert_exit 1 muster_cmd rpc rpcutil ping --dm inventory --jsonl
assert_eq complete "$(tail -n 1 <<<"$OUT" | jq -r .stats.ended)"
assert_eq '["node7"]' "$(tail -n 1 <<<"$OUT" | jq -c .stats.stale)"
assert_exit 1 muster_cmd find --dm inventory
assert_eq "node1 node2 node3 node4 node5 node6" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
assert_contains "$ERR" "stale (in the inventory, did not answer): node7"

step "the configured store is the default discovery; --dm broadcast overrides"
assert_exit 1 muster_cmd ping -j
assert_eq '["node7"]' "$(jq -c .stats.stale <<<"$OUT")"
assert_exit 0 muster_cmd ping --dm broadcast -j
# a broadcast ends on quiet: the adaptive end (discovery_window) by default
assert_eq discovery_window "$(jq -r .stats.ended <<<"$OUT")"
assert_eq null "$(jq -c .stats.stale <<<"$OUT")"

step "filters select from the store what is addressed"
assert_exit 0 muster_cmd ping --dm inventory -F role=db -j
assert_eq complete "$(jq -r .stats.ended <<<"$OUT")"
assert_eq "node2 node4 node6" "$(jq -r '[.replies[].sender] | sort | join(" ")' <<<"$OUT")"
assert_exit 1 muster_cmd ping --dm inventory -F role=nosuch
assert_contains "$ERR" "no nodes matched in the inventory"

step "a poll with node7 down marks it stale in the store, once"
sleep 6 # node7 last heard from long before --stale 5s below
assert_exit 1 fill_store
assert_exit 1 fill_store
assert_exit 0 muster_cmd inventory --format json -I node7
assert_eq "true 2" "$(jq -r '.[0] | "\(.stale) \(.missed)"' <<<"$OUT")"
assert_exit 1 muster_cmd inventory --stale 5s --format csv --fields identity
assert_eq "identity node7" "$(tr -d '\r' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
assert_exit 0 muster_cmd inventory --stale 1h
assert_exit 0 muster_cmd inventory --changes --since 1h -I node7 --format json
assert_eq '["appeared","stale"]' "$(jq -c '[.[].kind]' <<<"$OUT")"

step "node7 back: the next poll marks it back"
start_daemon 7
assert_exit 0 fill_store
assert_exit 0 muster_cmd inventory --changes -I node7 --format json
assert_eq '["appeared","stale","back"]' "$(jq -c '[.[].kind]' <<<"$OUT")"
assert_exit 0 muster_cmd ping --dm inventory -j
assert_eq "complete 7 null" "$(jq -r '"\(.stats.ended) \(.stats.responses) \(.stats.stale | if . == [] then null else . end)"' <<<"$OUT")"
assert_exit 0 muster_cmd rpc rpcutil ping --dm inventory --batch 3 -j
assert_eq "3 7" "$(jq -r '"\(.stats.batches) \(.stats.responses)"' <<<"$OUT")"
assert_exit 0 muster_cmd ping --dm inventory --limit-nodes 2 -j
assert_eq "complete 2" "$(jq -r '"\(.stats.ended) \(.stats.responses)"' <<<"$OUT")"

stop_daemons
