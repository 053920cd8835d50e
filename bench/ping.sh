#!/bin/bash
# bench/ping.sh N [ROUNDS] - time a broadcast ping until all N daemons have
# answered, and the daemons' resident memory.  Security: x509 (the
# default) or MST_SECURITY_PROVIDER=none.
#
# Uses bench/lib.sh (optimised build, a private broker on 127.0.0.1:5720
# unless MUSTER_BENCH_URL is set) and prints `name: value` lines:
#   ping_all_ms_p50, ping_all_ms_p99   (bench/bench_ping.c, ROUNDS rounds,
#                                       each ending as soon as N replied)
#   daemon_rss_kb_idle, daemon_rss_kb_loaded (medians, and their _max)
# Figures, not assertions: nothing here fails on a slow result.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${1:?usage: bench/ping.sh N [ROUNDS]}
ROUNDS=${2:-50}
PROVIDER=${MST_SECURITY_PROVIDER:-x509}
bench_setup
bench_daemons "$N" "$PROVIDER"
bench_client "$PROVIDER"
echo "nodes: $N"
echo "rounds: $ROUNDS"
echo "security: $PROVIDER"
bench_rss idle
"$BUILD/bench/bench_ping" "$W/client-$PROVIDER.cfg" "$N" "$ROUNDS" ping_all_ms
bench_rss loaded
