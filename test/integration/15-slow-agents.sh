#!/bin/bash
# Slow agents (issue 15): with agents.max_parallel = 1, fifty calls to an
# action that sleeps past its DDL timeout fill the node's worker queue;
# short-TTL requests, and requests whose client gives up (-t 3) long before
# their ttl, wait behind them.  Every call is answered (busy, timed out, or
# expired before it could run), rpcutil keeps answering meanwhile, and no
# action starts after its expiry (the earlier of time + ttl and the
# client's signed deadline): a request answered "expired" never logged its
# start marker, and the audit trail says "expired" for it, naming the limit
# that ran out.  Order and outcomes only, no durations.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

AGENTS=$T/agents
mkdir -p "$AGENTS"
cp "$MUSTER_BUILD"/test/agents/test_agent.so "$MUSTER_BUILD"/test/agents/test_agent.json "$AGENTS"/
export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; max_parallel = 1; kill_grace = 1; };
audit: { file = \"$T/node1.audit\"; };"
export MUSTER_DDL_PATH=$AGENTS
write_daemon_cfg 1
# No skew: a request expires at time + ttl, so a 1 s TTL runs out behind
# a queue of 2 s actions.
sed -i 's/^security: { /security: { skew = 0; /' "$(daemon_cfg 1)"
# Room for every call in the worker queue (it holds at most broker.prefetch),
# so that each one waits for its turn instead of being refused at once.
sed -i 's/^broker: { /broker: { prefetch = 100; /' "$(daemon_cfg 1)"
start_daemons 1
unset MST_CONFIG_EXTRA
write_client_cfg
LOG=$(daemon_log 1)
# The hangs' own ttl (20 s) ends the queue's wait after about ten of them
# ran: the rest are answered "expired" then.
HANGS=50 SHORT=5 GAVE_UP=5
clients=()

# dispatched_hangs: node1's dispatched counter less the daemon_stats calls
# made so far (each counts itself before it answers).  Runs in wait_for's
# subshells: the calls are counted in a file.
dispatched_hangs() {
    local n
    echo call >>"$T/stats_calls"
    n=$(muster_cmd rpc rpcutil daemon_stats -I node1 -j |
        jq -r '.replies[0].data.dispatched')
    echo $((n - $(wc -l <"$T/stats_calls")))
}

step "$HANGS calls to an action that sleeps past its timeout"
for ((i = 1; i <= HANGS; i++)); do
    muster_cmd rpc test_agent hang -I node1 --ttl 20 -t 300 -j \
        >"$T/hang$i.out" 2>&1 &
    clients+=($!)
done
# Every hang is in the node (running or queued) once dispatched counts it.
# shellcheck disable=SC2016
wait_for '[ "$(dispatched_hangs)" -ge "$HANGS" ]' 60 ||
    fail "node1 did not receive the $HANGS calls"

step "short-TTL requests queued behind them"
for ((i = 1; i <= SHORT; i++)); do
    muster_cmd rpc test_agent hang -I node1 --ttl 1 -t 300 -j \
        >"$T/short$i.out" 2>&1 &
    clients+=($!)
done

step "requests whose client stops waiting after 3 s, ttl 300 s, behind them"
gave_up=()
for ((i = 1; i <= GAVE_UP; i++)); do
    muster_cmd rpc test_agent hang -I node1 --ttl 300 -t 3 -j \
        >"$T/gave_up$i.out" 2>"$T/gave_up$i.err" &
    gave_up+=($!)
done

step "other agents keep answering while the workers are busy"
for ((i = 1; i <= 3; i++)); do
    assert_exit 0 muster_cmd rpc rpcutil ping -I node1 -j
    assert_eq 0 "$(jq -r '.replies[0].statuscode' <<<"$OUT")"
done

step "every call is answered"
for pid in "${clients[@]}"; do
    wait "$pid" || true # a failed call exits 1; its output is checked below
done
msg() { jq -r '.replies[0].statusmsg // "no reply"' "$1"; }
for ((i = 1; i <= HANGS; i++)); do
    m=$(msg "$T/hang$i.out")
    case $m in
        "test_agent/hang timed out after 2 s" | *"node busy"* | \
            "test_agent/hang expired before it could run"*) ;;
        *) fail "hang call $i: '$m' ($(cat "$T/hang$i.out"))" ;;
    esac
done
for ((i = 1; i <= SHORT; i++)); do
    m=$(msg "$T/short$i.out")
    assert_contains "$m" "test_agent/hang expired before it could run (waited "
    assert_contains "$m" "s in the node's queue; ttl 1 s)"
    assert_eq 1 "$(jq -r '.replies[0].statuscode' "$T/short$i.out")"
done

step "a client that gave up got no reply; its request was never started"
for pid in "${gave_up[@]}"; do
    wait "$pid" || true # no reply: exit 1
done
for ((i = 1; i <= GAVE_UP; i++)); do
    assert_eq "no reply" "$(msg "$T/gave_up$i.out")"
done
# The node answers them (to a reply queue nobody reads) when their turn
# comes, after the hangs ahead of them ran or expired.
# shellcheck disable=SC2016
wait_for '[ "$(jq -r "select(.agent == \"test_agent\") | .id" "$T/node1.audit" |
    wc -l)" -ge "$((HANGS + SHORT + GAVE_UP))" ]' 120 ||
    fail "node1 did not audit all $((HANGS + SHORT + GAVE_UP)) test_agent calls"
for ((i = 1; i <= GAVE_UP; i++)); do
    id=$(jq -r '.stats.request_id' "$T/gave_up$i.out")
    [[ -n $id && $id != null ]] || fail "gave_up$i: no request id"
    line=$(jq -c --arg id "$id" 'select(.id == $id)' "$T/node1.audit")
    assert_eq expired "$(jq -r .decision <<<"$line")" "gave_up$i ($id)"
    assert_eq 1 "$(jq -r .status <<<"$line")"
    assert_contains "$(jq -r .reason <<<"$line")" \
        "test_agent/hang expired before it could run (waited "
    assert_contains "$(jq -r .reason <<<"$line")" \
        "s in the node's queue; the client's timeout 3 s)"
    assert_not_contains "$(cat "$LOG")" "hang started for request $id"
done

step "no action started after its expiry"
expired=$(jq -r 'select(.agent == "test_agent" and .decision == "expired") | .id' \
    "$T/node1.audit")
n=$(wc -w <<<"$expired")
[ "$n" -ge "$((SHORT + GAVE_UP))" ] ||
    fail "$n requests audited as expired, expected >= $((SHORT + GAVE_UP))"
for id in $expired; do
    assert_not_contains "$(cat "$LOG")" "hang started for request $id"
done
started=$(grep -o 'hang started for request [0-9a-f]*' "$LOG" | awk '{print $5}')
[ -n "$started" ] || fail "no hang started at all"
for id in $started; do
    d=$(jq -r --arg id "$id" 'select(.id == $id) | .decision' "$T/node1.audit")
    assert_eq accepted "$d"
done
assert_eq "$((HANGS + SHORT + GAVE_UP))" \
    "$(jq -r 'select(.agent == "test_agent") | .id' "$T/node1.audit" | wc -l)"
assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I node1 -j
assert_eq "$n" "$(jq -r '.replies[0].data.expired_in_queue' <<<"$OUT")"

step "the daemon still answers, and stops cleanly"
assert_exit 0 muster_cmd ping -I node1
stop_daemons
