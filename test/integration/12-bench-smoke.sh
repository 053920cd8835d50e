#!/bin/bash
# The benchmark drivers (bench/run.sh, bench/bench_inventory.sh,
# bench/bench_web.sh) run end to end with 3 daemons and print every
# figure (values are not judged: speed belongs in bench/, not in tests).
# Uses this test run's build and broker; the raw baseline speaks plain
# AMQP only, so the amqps:// pass leaves this to the amqp:// pass.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

case $MUSTER_TEST_URL in
    amqps:*) echo "amqp:// only (bench_raw has no TLS): covered by the amqp:// pass"; exit 77 ;;
esac
step "bench/run.sh 3 5"
MUSTER_BENCH_BUILD=$MUSTER_BUILD MUSTER_BENCH_URL=$MUSTER_TEST_URL \
MUSTER_BENCH_SEQ=50 MUSTER_BENCH_PIPE=200 MUSTER_BENCH_BCAST=5 \
MUSTER_BENCH_CLI=2 MUSTER_BENCH_FLEET=200 \
    assert_exit 0 "$MST_ROOT/bench/run.sh" 3 5
for f in raw_ping_all_ms_p50 ping_all_plain_ms_p99 ping_all_ms_p50 ping_all_ms_p99 \
    ping_all_plain_ratio_to_raw ping_all_ratio_to_raw rpc_addressed_ms_p50 \
    rpc_addressed_ms_p99 addressed_req_per_s broadcast_rounds_per_s \
    client_cpu_us_per_reply daemon_cpu_us_per_request daemon_rss_kb_idle \
    daemon_rss_kb_loaded rss_floor_kb sign_us verify_us ddl_validate_us \
    cli_ping_wall_ms fleet_all_ms_p50 client_replies_per_s raw_drain_per_s; do
    grep -Eq "^$f: [0-9.]+$" <<<"$OUT" || fail "bench/run.sh printed no figure $f"
done
assert_contains "$OUT" "ping_all_ms_incomplete_rounds: 0"
assert_contains "$OUT" "cli_ping_replies: 3"

step "bench/bench_inventory.sh 300 3"
MUSTER_BENCH_BUILD=$MUSTER_BUILD MUSTER_BENCH_URL=$MUSTER_TEST_URL MUSTER_BENCH_ROUNDS=3 \
    assert_exit 0 "$MST_ROOT/bench/bench_inventory.sh" 300 3
for f in store_put_per_s store_put_cpu_us store_bytes_per_node store_fact_bytes_per_node \
    inventory_csv_ms_p50 inventory_csv_ms_max complete_facts_ms_p50 complete_facts_ms_max \
    complete_facts_names broadcast_ping_ms_p50 \
    dm_inventory_ping_ms_p50 dm_inventory_ratio; do
    grep -Eq "^$f: [0-9.]+$" <<<"$OUT" || fail "bench/bench_inventory.sh printed no figure $f"
done
assert_contains "$OUT" "inventory_csv_rows: 150"

step "bench/bench_web.sh 3 5"
MUSTER_BENCH_BUILD=$MUSTER_BUILD MUSTER_BENCH_URL=$MUSTER_TEST_URL \
    assert_exit 0 "$MST_ROOT/bench/bench_web.sh" 3 5
for f in web_rss_kb_start web_rss_kb_half web_call_ms_p50 web_call_ms_p99 web_rss_kb cli_rpc_ms_p50 cli_rpc_ms_p99; do
    grep -Eq "^$f: [0-9.]+$" <<<"$OUT" || fail "bench/bench_web.sh printed no figure $f"
done
assert_contains "$OUT" "web_call_replies: 3"
assert_contains "$OUT" "cli_rpc_replies: 3"
