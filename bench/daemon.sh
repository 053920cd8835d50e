#!/bin/bash
# bench/daemon.sh [COUNT] [WIN] - one x509 daemon serving back to back:
# COUNT addressed rpcutil pings (20000) from one client with WIN in flight
# (64), and what they cost the daemon.  Prints `name: value` lines:
#   addressed_req_per_s, client_cpu_us_per_reply   (bench_rpc pipe)
#   daemon_cpu_us_per_request_b2b   the daemon's user+system CPU over COUNT
#   daemon_rss_kb_idle/_loaded, daemon_pss_kb_idle/_loaded
#                                   its memory before the load and 1 s
#                                   after it (musterd trims its heap once
#                                   quiet for half a second)
#   rss_floor_kb                    bench_rss_floor, for comparison
# Uses bench/lib.sh (optimised build, a private broker unless
# MUSTER_BENCH_URL).  Figures, not assertions.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=${1:-20000}
WIN=${2:-64}
bench_setup
bench_daemons 1 x509
bench_client x509
bench_rss idle | grep -v _max
cpu0=$(bench_cpu_us)
"$BUILD/bench/bench_rpc" "$W/client-x509.cfg" pipe bench1 "$COUNT" "$WIN"
cpu1=$(bench_cpu_us)
sleep 1
bench_rss loaded | grep -v _max
awk -v c=$((cpu1 - cpu0)) -v r="$COUNT" \
    'BEGIN {printf "daemon_cpu_us_per_request_b2b: %.1f\n", c / r}'
"$BUILD/bench/bench_rss_floor"
