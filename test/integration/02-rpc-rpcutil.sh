#!/bin/bash
# rpcutil through `muster rpc`: an addressed inventory returns exactly the
# addressed node's own data; broadcast actions reach every node.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 3
write_client_cfg

step "inventory -I node2 returns node2's inventory and nothing else"
assert_exit 0 muster_cmd rpc rpcutil inventory -I node2 -j
assert_eq "node2" "$(jq -r '[.replies[].sender] | join(" ")' <<<"$OUT")"
assert_eq "node2" "$(jq -r '.replies[0].data.identity' <<<"$OUT")"
assert_eq "db" "$(jq -r '.replies[0].data.facts.role' <<<"$OUT")"
assert_eq "2" "$(jq -r '.replies[0].data.facts.n' <<<"$OUT")"
assert_eq '["muster"]' "$(jq -c '.replies[0].data.collectives' <<<"$OUT")"
assert_contains "$(jq -c '.replies[0].data.agents' <<<"$OUT")" '"rpcutil"'
assert_eq "[]" "$(jq -c '.stats.no_responses' <<<"$OUT")"

step "the human output names the node and its facts"
assert_exit 0 muster_cmd rpc rpcutil inventory -I node3
assert_contains "$OUT" "node3"
assert_contains "$OUT" "Finished processing 1 / 1 hosts"

step "get_fact with a dotted name, broadcast to all three"
assert_exit 0 muster_cmd rpc rpcutil get_fact fact=os.family -j
assert_eq "Debian Debian Debian" "$(jq -r '[.replies[].data.value] | join(" ")' <<<"$OUT")"
assert_eq "3" "$(jq -r '.stats.ok' <<<"$OUT")"

step "get_facts, daemon_stats, agent_inventory, collective_info"
assert_exit 0 muster_cmd rpc rpcutil get_facts facts=role,n -I node1 -j
assert_eq '{"n":1,"role":"web"}' "$(jq -c -S '.replies[0].data.values' <<<"$OUT")"
assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I node1 -j
pid=$(jq -r '.replies[0].data.pid' <<<"$OUT")
assert_eq "$(daemon_pid 1)" "$pid" "daemon_stats pid"
[ "$(jq -r '.replies[0].data.replied' <<<"$OUT")" -ge 2 ] || fail "replied counter did not count"
[ "$(jq -r '.replies[0].data.rss_kb' <<<"$OUT")" -gt 0 ] || fail "no rss_kb"
assert_exit 0 muster_cmd rpc rpcutil agent_inventory -I node1 -j
assert_eq "rpcutil" "$(jq -r '.replies[0].data.agents[0].agent' <<<"$OUT")"
assert_exit 0 muster_cmd rpc rpcutil collective_info -j
assert_eq "muster muster muster" "$(jq -r '[.replies[].data.main_collective] | join(" ")' <<<"$OUT")"

step "an unknown action or agent is refused by the DDL before sending"
assert_exit 2 muster_cmd rpc rpcutil no_such_action -I node1 -j
assert_contains "$ERR" "has no action no_such_action"
assert_exit 2 muster_cmd rpc nosuchagent ping --dt 0.5 -j
assert_contains "$ERR" "no DDL for agent nosuchagent"
# (what daemons answer to those when a client sends them anyway:
# 08-ddl-validation.sh)

step "a fact filter picks the web nodes"
assert_exit 0 muster_cmd rpc rpcutil ping -F role=web -j
assert_eq "node1 node3" "$(jq -r '[.replies[].sender] | sort | join(" ")' <<<"$OUT")"

stop_daemons
