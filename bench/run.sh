#!/bin/bash
# bench/run.sh N [ROUNDS] - every performance figure of muster at N nodes,
# one `name: value` line each, with the broker alone as the baseline.
#
# One broker (private, raised file limit, unless MUSTER_BENCH_URL), N real
# musterd processes (separate processes, separate connections), an
# optimised build.  In order:
#   raw_ping_all_ms_p50/_p99      bench_raw: rabbitmq-c responders echoing a
#                                 broadcast, no codec, signing or agent
#   ping_all_plain_ms_p50/_p99    broadcast rpcutil ping until all N replied,
#                                 security.provider = "none"
#   ping_all_ms_p50/_p99          the same with x509 (the default)
#   ping_all_plain_ratio_to_raw, ping_all_ratio_to_raw   (p50 / raw p50)
#   rpc_addressed_ms_p50/_p99     addressed ping to bench1, one at a time
#   addressed_req_per_s           addressed pings, many in flight (and
#                                 _plain: without signing)
#   broadcast_rounds_per_s        broadcast pings, several rounds in flight
#   client_cpu_us_per_reply       the client's CPU per reply (pipelined)
#   daemon_rss_kb_idle/_loaded    median RSS of the x509 daemons
#   rss_floor_kb                  RSS of a process that only links
#                                 libcrypto and uses P-256 once
#   daemon_cpu_us_per_request     the x509 daemons' CPU / requests handled
#   cli_ping_wall_ms              `muster ping` with default options to the
#                                 N x509 nodes, process start to exit
#                                 (median of MUSTER_BENCH_CLI runs, 7), and
#                                 cli_ping_replies: what the last one got
#   fleet_*, client_replies_per_s, raw_drain_per_s
#                                 bench_fleet (bench/fleet.sh) with
#                                 K = MUSTER_BENCH_FLEET nodes (1000; 0
#                                 skips it); K = 50,000:
#                                 MUSTER_BENCH_FLEET=50000 bench/run.sh N,
#                                 or bench/fleet.sh 50000 alone
#   sign_us, verify_us            P-256 (the default key), per message
#   ddl_validate_us               node-side input validation per request
# Figures, not assertions.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${1:?usage: bench/run.sh N [ROUNDS]}
ROUNDS=${2:-50}
SEQ=${MUSTER_BENCH_SEQ:-1000}
PIPE=${MUSTER_BENCH_PIPE:-20000}
BCAST=${MUSTER_BENCH_BCAST:-$((N >= 1000 ? 20 : 200))}
CLI=${MUSTER_BENCH_CLI:-7}
FLEET=${MUSTER_BENCH_FLEET:-1000}
bench_setup
B=$BUILD/bench
figure() { awk -v k="$1" -F': ' '$1 == k {print $2}' "$W/figures"; }
run() { "$@" | tee -a "$W/figures"; }

echo "nodes: $N"
echo "rounds: $ROUNDS"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"

# ---- the broker alone
for ((i = 1; i <= N; i++)); do
    "$B/bench_raw" respond "$URL" "$i" >"$W/raw$i.log" 2>&1 &
    BENCH_PIDS+=("$!")
    mst_track "$!" "bench_raw:$i"
done
for ((i = 1; i <= N; i++)); do
    mst_wait_log "$W/raw$i.log" 'connected queue' 300 || mst_die "raw responder $i did not connect"
done
run "$B/bench_raw" request "$URL" "$N" "$ROUNDS" raw_ping_all_ms
bench_stop_daemons

# ---- muster without signing
bench_daemons "$N" none
bench_client none
run "$B/bench_ping" "$W/client-none.cfg" "$N" "$ROUNDS" ping_all_plain_ms
run "$B/bench_rpc" "$W/client-none.cfg" pipe bench1 "$PIPE" 64 |
    sed 's/^\([a-z_]*\):/\1_plain:/'
bench_stop_daemons

# ---- muster with x509 signing
bench_daemons "$N" x509
bench_client x509
run bench_rss idle
cpu0=$(bench_cpu_us)
run "$B/bench_ping" "$W/client-x509.cfg" "$N" "$ROUNDS" ping_all_ms
run "$B/bench_rpc" "$W/client-x509.cfg" seq bench1 "$SEQ"
run "$B/bench_rpc" "$W/client-x509.cfg" pipe bench1 "$PIPE" 64 |
    sed 's/^client_cpu_us_per_reply/client_cpu_us_per_reply_addressed/'
run "$B/bench_rpc" "$W/client-x509.cfg" bcast "$N" "$BCAST" 4
run bench_cli_ping "$W/client-x509.cfg" "$CLI"
cpu1=$(bench_cpu_us)
requests=$(((ROUNDS + BCAST + CLI) * N + SEQ + PIPE))
run bench_rss loaded
bench_stop_daemons
echo "daemon_requests_handled: $requests"
awk -v c=$((cpu1 - cpu0)) -v r="$requests" \
    'BEGIN {printf "daemon_cpu_us_per_request: %.1f\n", c / r}' | tee -a "$W/figures"

# ---- a fleet of FLEET signing nodes in one process (no daemons running)
if ((FLEET > 0)); then
    run "$B/bench_fleet" "$URL" "$FLEET" "$BUILD/bench/fleet-certs" "$W" 3
fi

# ---- ratios and per-message costs
awk -v p="$(figure ping_all_plain_ms_p50)" -v s="$(figure ping_all_ms_p50)" \
    -v r="$(figure raw_ping_all_ms_p50)" 'BEGIN {
        printf "ping_all_plain_ratio_to_raw: %.2f\n", p / r
        printf "ping_all_ratio_to_raw: %.2f\n", s / r }'
"$B/bench_sign" 2000 | awk -F': ' '
    $1 == "sign_us_p256" {print "sign_us: " $2}
    $1 == "verify_us_p256" {print "verify_us: " $2}
    $1 == "verify_nocache_us_p256" {print "verify_nocache_us: " $2}'
"$B/bench_ddl" "$BENCH_ROOT/agents/rpcutil/rpcutil.json" get_fact fact=os.family
"$B/bench_rss_floor"
