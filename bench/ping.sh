#!/bin/bash
# bench/ping.sh N [ROUNDS] - time a broadcast ping until all N daemons have
# answered, and the daemons' resident memory.
#
# Builds an optimised tree (build-release/), uses the broker in
# $MUSTER_BENCH_URL, else a private node on 127.0.0.1:5720 that it starts and
# stops, starts N real musterd processes and prints `name: value` lines:
#   ping_all_ms_p50, ping_all_ms_p99   (bench/bench_ping.c, ROUNDS rounds,
#                                       each ending as soon as N replied)
#   daemon_rss_kb_median, daemon_rss_kb_max   (idle, then after the load)
# Figures, not assertions: nothing here fails on a slow result.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

N=${1:?usage: bench/ping.sh N [ROUNDS]}
ROUNDS=${2:-50}
BUILD=${MUSTER_BENCH_BUILD:-$ROOT/build-release}
PORT=${MUSTER_BENCH_PORT:-5720}
W=$(mktemp -d "${TMPDIR:-/tmp}/muster-bench.XXXXXX")
mst_pids_init "$W/pids"
BROKER_DIR=

cleanup() {
    set +e
    mst_kill_tracked "$W/pids" 10
    [ -n "$BROKER_DIR" ] && mst_broker_stop "$BROKER_DIR"
    rm -rf "$W"
}
trap cleanup EXIT

mst_build "$BUILD" --buildtype=release -Dtests=false >"$W/build.log" 2>&1 ||
    { cat "$W/build.log" >&2; mst_die "build failed"; }
MUSTER_BUILD=$BUILD
export MUSTER_BUILD

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
URL=${MUSTER_BENCH_URL:-}
if [ -z "$URL" ]; then
    BROKER_DIR=$W/broker
    mst_broker_start "$BROKER_DIR" "$PORT" >"$W/broker.log" 2>&1 ||
        { cat "$W/broker.log" >&2; mst_die "could not start a broker"; }
    URL=amqp://guest:guest@127.0.0.1:$PORT
fi

declare -a pids=()
for ((i = 1; i <= N; i++)); do
    MST_LOG_LEVEL=notice mst_write_config server "$W/b$i.cfg" "bench$i" "$URL"
    mst_daemon_start "bench$i" "$W/b$i.cfg" "$W/b$i.log"
    pids+=("$MST_LAST_PID")
done
for ((i = 1; i <= N; i++)); do
    mst_wait_log "$W/b$i.log" 'connected.*queue' 120 ||
        { tail "$W/b$i.log" >&2; mst_die "bench$i did not connect"; }
done
mst_write_config client "$W/client.cfg" bench-client "$URL"

# rss_figures LABEL: median and max resident memory of the daemons, in kB.
rss_figures() {
    local sorted
    sorted=$(for p in "${pids[@]}"; do ps -o rss= -p "$p"; done | sort -n)
    printf 'daemon_rss_kb_%s_median: %s\n' "$1" "$(sed -n "$(((N + 1) / 2))p" <<<"$sorted" | tr -d ' ')"
    printf 'daemon_rss_kb_%s_max: %s\n' "$1" "$(tail -n 1 <<<"$sorted" | tr -d ' ')"
}

echo "nodes: $N"
echo "rounds: $ROUNDS"
rss_figures idle
"$BUILD/bench/bench_ping" "$W/client.cfg" "$N" "$ROUNDS" ping_all_ms
rss_figures loaded
