# shellcheck shell=bash
# test/integration/registration_lib.sh — helpers for the registration and
# collection tests (17-registration-*, 17-collect-*), sourced after lib.sh.
#
#   reg_daemons N [INTERVAL]  nodes 1..N registering every INTERVAL s (2)
#   reg_daemon_cfg I [INTERVAL]  just node I's config
#   reg_client_cfg            the client config with this test's own
#                             collector queue (deleted on exit)
#   collect_bg ARGS...        muster collect --db $DB ARGS... in the
#                             background, as a child of this shell (so $!
#                             is muster's own pid, for kill and wait)
#   collect ARGS...           muster collect --db $DB ARGS...
#   stored                    identities in the store, sorted, one a line
#   stored_fact NODE FACT     NODE's top-level FACT as the store has it
#   collector_start / collector_stop   a --follow collector in the background

DB=$T/inventory.db
# Durable queues outlive a test: each test has its own, removed at exit.
REG_QUEUE=it.collector.${MUSTER_TEST_NAME:-$$}

mst_test_cleanup() {
    rabbitmqctl -q delete_queue "$REG_QUEUE" >/dev/null 2>&1 || true
}

# reg_daemon_cfg I [INTERVAL]: node I's config, registering every INTERVAL s.
reg_daemon_cfg() {
    write_daemon_cfg "$1"
    grep -q '^registration:' "$(daemon_cfg "$1")" ||
        printf 'registration: { interval = %s; };\n' "${2:-2}" >>"$(daemon_cfg "$1")"
}

reg_daemons() {
    local i
    for ((i = 1; i <= $1; i++)); do reg_daemon_cfg "$i" "${2:-2}"; done
    start_daemons "$1"
}

reg_client_cfg() {
    write_client_cfg
    printf 'inventory: { queue = "%s"; };\n' "$REG_QUEUE" >>"$CLIENT_CFG"
}

collect() { muster_cmd collect --db "$DB" "$@"; }

# Not through muster_cmd: a function in the background is a subshell,
# and a signal to it would not reach muster.
collect_bg() {
    "$MUSTER_BUILD/client/cli/muster" -c "$CLIENT_CFG" collect --db "$DB" "$@" &
}

stored() {
    muster_cmd inventory --db "$DB" --format json | jq -r '.[].identity' | sort
}

# stored_fact NODE FACT: a top-level fact ("null" when absent).
stored_fact() {
    muster_cmd inventory --db "$DB" --format json |
        jq -r --arg n "$1" --arg f "$2" '.[] | select(.identity == $n) | .facts[$f]'
}

# stored_count: how many nodes the store holds.
stored_count() { stored | grep -c . || true; }

# collect_until N: one-shot runs until the store holds N nodes.
collect_until() {
    wait_for "collect >/dev/null 2>&1; [ \"\$(stored_count)\" -ge $1 ]" "${2:-30}"
}

COLLECTOR_PID=
collector_start() {
    collect_bg --follow >>"$T/collector.log" 2>&1
    COLLECTOR_PID=$!
    mst_track "$COLLECTOR_PID" "collect:follow"
}

# collector_stop: SIGTERM, then its exit status must be 0 (a clean stop).
collector_stop() {
    local rc=0
    kill -TERM "$COLLECTOR_PID"
    wait "$COLLECTOR_PID" || rc=$?
    COLLECTOR_PID=
    assert_eq 0 "$rc" "the collector's exit status after SIGTERM"
}
