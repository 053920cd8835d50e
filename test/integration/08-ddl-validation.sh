#!/bin/bash
# Inputs are checked against the agent's DDL twice: by the CLI before it
# publishes anything (exit 2, the daemons' received counter unchanged), and
# by musterd before it runs anything, for a client that skipped the first
# check (test/tools/mst_rawreq): status 3 for a missing input, 4 for a bad
# one, 2 for an action the DDL does not have.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 2
write_client_cfg
rawreq() { "$MUSTER_BUILD/test/tools/mst_rawreq" "$CLIENT_CFG" "$@"; }
received() {
    muster_cmd rpc rpcutil daemon_stats -I "node$1" -j | jq -r '.replies[0].data.received'
}

step "help lists rpcutil and renders its DDL"
assert_exit 0 muster_cmd help
assert_contains "$OUT" "rpcutil"
assert_contains "$OUT" "General helpful actions"
assert_exit 0 muster_cmd help rpcutil
assert_contains "$OUT" "get_fact"
assert_contains "$OUT" "fact (string, required)"
assert_contains "$OUT" "maxlength: 128"
assert_exit 2 muster_cmd help nosuchagent
assert_contains "$ERR" "no DDL for agent nosuchagent"

step "help renders every published Choria DDL from MUSTER_DDL_PATH"
choria="$MST_ROOT/test/data/ddl/choria"
for f in "$choria"/*.json "$choria"/go-choria/*.json; do
    case $f in */schema-agent-v1.json) continue ;; esac
    agent=$(jq -r .metadata.name "$f") # go_agent.json holds agent echo
    action=$(jq -r '.actions[0].action' "$f")
    MUSTER_DDL_PATH="$choria:$choria/go-choria" \
        assert_exit 0 muster_cmd help "$agent"
    assert_contains "$OUT" "$action"
    [ -z "$ERR" ] || fail "help $agent warned: $ERR"
done
MUSTER_DDL_PATH="$choria:$choria/go-choria" assert_exit 0 muster_cmd help
assert_contains "$OUT" "echo"
assert_contains "$OUT" "nettest"

step "a refused DDL ahead on the path is skipped with a warning"
mkdir -p "$T/shadow"
echo '{"metadata": {"name": "rpcutil"}, "actions": [{"action": "ping", "x": 1}]}' \
    >"$T/shadow/rpcutil.json"
MUSTER_DDL_PATH="$T/shadow" assert_exit 0 muster_cmd help rpcutil
assert_contains "$OUT" "get_fact"
assert_contains "$ERR" "warning: skipped: $T/shadow/rpcutil.json: actions[0].x: unknown key"

step "the CLI refuses bad inputs before publishing"
before1=$(received 1)
before2=$(received 2)
assert_exit 2 muster_cmd rpc rpcutil get_fact
assert_eq "muster: rpcutil get_fact: missing required input fact" "$ERR"
assert_exit 2 muster_cmd rpc rpcutil get_fact 'fact=a;b'
assert_contains "$ERR" 'input fact: "a;b" does not match'
assert_exit 2 muster_cmd rpc rpcutil get_fact fact=os colour=red
assert_contains "$ERR" 'unknown input "colour"'
assert_exit 2 muster_cmd rpc rpcutil ping count=3
assert_contains "$ERR" 'unknown input "count" (ping takes: none)'
assert_exit 2 muster_cmd rpc rpcutil get_fact "fact=$(printf 'x%.0s' {1..129})"
assert_contains "$ERR" "maxlength"
assert_exit 2 muster_cmd rpc rpcutil no_such_action
assert_contains "$ERR" "agent rpcutil has no action no_such_action"
assert_exit 2 muster_cmd rpc nosuchagent ping
assert_contains "$ERR" "no DDL for agent nosuchagent"
# the daemon_stats calls themselves are the only messages received
assert_eq "$((before1 + 1))" "$(received 1)" "node1 received nothing refused"
assert_eq "$((before2 + 1))" "$(received 2)" "node2 received nothing refused"

step "the daemon refuses what a raw client sends: missing input, status 3"
assert_exit 0 rawreq node1 rpcutil get_fact '{}'
assert_eq "3" "$(jq -r .statuscode <<<"$OUT")"
assert_contains "$(jq -r .statusmsg <<<"$OUT")" "missing required input fact"

step "invalid value, wrong type, unknown input: status 4"
assert_exit 0 rawreq node1 rpcutil get_fact '{"fact": "$(touch /tmp/x)"}'
assert_eq "4" "$(jq -r .statuscode <<<"$OUT")"
assert_contains "$(jq -r .statusmsg <<<"$OUT")" "rpcutil/get_fact: input fact:"
assert_exit 0 rawreq node2 rpcutil get_fact '{"fact": 42}'
assert_eq "4" "$(jq -r .statuscode <<<"$OUT")"
assert_contains "$(jq -r .statusmsg <<<"$OUT")" "expected a string, got an integer"
assert_exit 0 rawreq node1 rpcutil ping '{"extra": true}'
assert_eq "4" "$(jq -r .statuscode <<<"$OUT")"
assert_exit 0 rawreq node1 rpcutil get_fact '{"fact": "a\u0000b"}'
assert_eq "4" "$(jq -r .statuscode <<<"$OUT")"
assert_exit 0 rawreq node1 rpcutil no_such_action '{}'
assert_eq "2" "$(jq -r .statuscode <<<"$OUT")"
grep -q "get_fact from .*: Invalid Data: " "$(daemon_log 1)" || fail "node1 logged no refusal"

step "valid input still works, with the DDL's labels and summary"
assert_exit 0 rawreq node1 rpcutil get_fact '{"fact": "role"}'
assert_eq "0" "$(jq -r .statuscode <<<"$OUT")"
assert_exit 0 muster_cmd rpc rpcutil get_fact fact=role
assert_contains "$OUT" "Value: web"
assert_contains "$OUT" "Summary of Value:"
assert_contains "$OUT" "web = 1"
assert_contains "$OUT" "db = 1"
assert_contains "$OUT" "OK: 2  failed: 0  no reply: 0"
assert_exit 0 muster_cmd rpc rpcutil get_fact fact=role -j
assert_eq '{"db":1,"web":1}' "$(jq -c -S '.aggregates[0].value' <<<"$OUT")"
assert_eq "2" "$(jq -r '.replies | length' <<<"$OUT")"

step "--display failed hides the OK replies; not a terminal: no progress bar"
assert_exit 0 muster_cmd rpc rpcutil get_fact fact=role --display failed
assert_not_contains "$OUT" "Value: web"
assert_contains "$OUT" "Summary of Value:"
assert_not_contains "$OUT" "replies"
assert_exit 2 muster_cmd rpc rpcutil ping --display some

stop_daemons
