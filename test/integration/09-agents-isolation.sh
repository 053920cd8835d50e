#!/bin/bash
# Agents from agents.dir: C plugins and external agents load (bad plugins
# are refused with one log line each while good ones load), every outcome
# of an action comes back with the right status and message (ok, failed,
# timed out, crashed, output over the cap), the daemon answers ping
# afterwards, and a busy or hanging action does not hold other requests up.
# External agents run as agents.run_as = "nobody" (the tests run as root).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# A directory "nobody" can traverse: the test's own is private to root.
AGENTS=$(mktemp -d /tmp/muster-agents.XXXXXX)
chmod 755 "$AGENTS"
# The daemon's $TMPDIR: its agents' run directories go there, so that the
# check for leftovers sees this test's only.
RUNDIR=$(mktemp -d /tmp/muster-run.XXXXXX)
chmod 755 "$RUNDIR"
trap '_rc=$?; set +e; rm -rf "$AGENTS" "$RUNDIR"; (exit $_rc); _mst_test_exit' EXIT
B=$MUSTER_BUILD/test/agents
cp "$B"/*.so "$B"/*.json "$B"/exttest "$MST_ROOT"/agents/examples/pyecho \
    "$MST_ROOT"/agents/examples/pyecho.json "$AGENTS"/
cp "$B"/exttest "$AGENTS"/unsafe_ext && chmod 777 "$AGENTS"/unsafe_ext
sed 's/"exttest"/"unsafe_ext"/' "$B"/exttest.json >"$AGENTS"/unsafe_ext.json
cp "$B"/exttest "$AGENTS"/slowext
sed 's/"exttest"/"slowext"/; s/"timeout": 2/"timeout": 60/' "$B"/exttest.json \
    >"$AGENTS"/slowext.json
chmod 644 "$AGENTS"/*.json

export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; max_parallel = 2;
    max_output = 65536; kill_grace = 1; run_as = \"nobody\"; };"
export MUSTER_DDL_PATH=$AGENTS
TMPDIR=$RUNDIR start_daemons 1
unset MST_CONFIG_EXTRA
write_client_cfg
LOG=$(daemon_log 1)
rpc() { muster_cmd rpc "$@" -I node1 -j; }
# a call expected to fail: keep its JSON in OUT
rpcf() { OUT=$(rpc "$@") || true; }
status() { jq -r '.replies[0].statuscode' <<<"$OUT"; }
message() { jq -r '.replies[0].statusmsg' <<<"$OUT"; }
ping_ok() {
    assert_exit 0 muster_cmd ping -I node1
    assert_contains "$OUT" node1
}

step "bad plugins are refused with one line each, good agents load"
for bad in "bad_abi.so: agent ABI version 99, musterd has 1" \
    "bad_size.so: descriptor size" \
    "no_ddl.so: no DDL $AGENTS/no_ddl.json beside it" \
    "wrong_ddl.so: its DDL $AGENTS/wrong_ddl.json names agent \"someone_else\"" \
    "no_symbol.so: no muster_agent symbol" \
    "activate_crash.so: activation check crashed (signal 11)" \
    "unsafe_ext: writable by group or others"; do
    assert_contains "$(cat "$LOG")" "$bad"
done
assert_contains "$(cat "$LOG")" "agent inactive not active on this node"
assert_exit 0 muster_cmd rpc rpcutil agent_inventory -I node1 -j
names=$(jq -r '[.replies[0].data.agents[].agent] | sort | join(" ")' <<<"$OUT")
assert_eq "exttest good_minimal pyecho rpcutil slowext test_agent" "$names"
assert_exit 0 muster_cmd find -A test_agent
assert_contains "$OUT" node1
assert_exit 0 muster_cmd find -A exttest
assert_contains "$OUT" node1

step "C plugin: ok, fail, echo"
assert_exit 0 rpc test_agent ok
assert_eq 0 "$(status)"
assert_eq "all good" "$(jq -r '.replies[0].data.message' <<<"$OUT")"
assert_ne "$(daemon_pid 1)" "$(jq -r '.replies[0].data.pid' <<<"$OUT")" \
    "the action ran in a worker process"
rpcf test_agent fail
assert_eq 1 "$(status)"
assert_eq "failed on purpose" "$(message)"
assert_exit 0 rpc test_agent echo "message=hello there"
assert_eq "hello there" "$(jq -r '.replies[0].data.message' <<<"$OUT")"

step "C plugin: a crash is reported and the daemon lives on"
rpcf test_agent crash
assert_eq 1 "$(status)"
assert_eq "test_agent/crash crashed (signal 11)" "$(message)"
ping_ok

step "C plugin: output over agents.max_output fails the request"
rpcf test_agent big
assert_eq 1 "$(status)"
assert_eq "test_agent/big failed: output over 65536 bytes" "$(message)"

step "a busy worker does not hold other requests up"
# slowext is exttest with a long timeout; its "block" action runs until
# the test creates the release file, so the order below is certain.
rpc slowext block >"$T/block.out" 2>&1 &
block_pid=$!
wait_for "grep -q 'agent slowext: exttest: block for' '$LOG'" ||
    fail "the blocking action did not start"
assert_exit 0 rpc test_agent ok
assert_exit 0 rpc exttest ok
ping_ok
kill -0 "$block_pid" 2>/dev/null ||
    fail "the blocking request ended before it was released"
touch "$AGENTS/release"
wait "$block_pid" || fail "the released request failed: $(cat "$T/block.out")"
OUT=$(cat "$T/block.out")
assert_eq 0 "$(status)"

step "a hanging action is killed at its DDL timeout"
rpcf test_agent hang
assert_eq 1 "$(status)"
assert_eq "test_agent/hang timed out after 2 s" "$(message)"
ping_ok

step "external agent: ok (as nobody, in its own directory), fail, echo"
assert_exit 0 rpc exttest ok
assert_eq 0 "$(status)"
assert_eq "nobody" "$(jq -r '.replies[0].data.user' <<<"$OUT")"
assert_contains "$(jq -r '.replies[0].data.cwd' <<<"$OUT")" "$RUNDIR/musterd-agent."
rpcf exttest fail
assert_eq 1 "$(status)"
assert_eq "failed on purpose" "$(message)"
assert_exit 0 rpc exttest echo "message=hi"
assert_eq "hi" "$(jq -r '.replies[0].data.message' <<<"$OUT")"
assert_contains "$(cat "$LOG")" "agent exttest: exttest: ok for"

step "external agent: crash, no reply, hang"
rpcf exttest crash
assert_eq 1 "$(status)"
assert_eq "exttest/crash crashed (signal 11)" "$(message)"
assert_contains "$(cat "$LOG")" "agent exttest: exttest: about to crash"
rpcf exttest noreply
assert_eq 1 "$(status)"
assert_contains "$(message)" "exttest/noreply reply is not a JSON object (empty)"
rpcf exttest hang
assert_eq 1 "$(status)"
assert_eq "exttest/hang timed out after 2 s" "$(message)"
# TERM went to the whole process group; give the children time to exit.
wait_for '! pgrep -u nobody -f "sleep 600"' 10 ||
    fail "the hung agent's children survived the timeout"
ls "$RUNDIR"/musterd-agent.* >/dev/null 2>&1 && fail "run directories left behind"

step "the Python example agent"
assert_exit 0 rpc pyecho echo "message=hello world"
assert_eq 0 "$(status)"
assert_eq "11" "$(jq -r '.replies[0].data.length' <<<"$OUT")"

step "the daemon still answers, and stops cleanly"
ping_ok
stop_daemons
