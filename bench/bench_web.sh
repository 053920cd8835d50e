#!/bin/bash
# bench/bench_web.sh [DAEMONS] [CALLS] - the web console's figures, as
# `name: value` lines (docs/performance.md "The web console"):
#   web_call_ms_p50, web_call_ms_p99
#       POST /api/calls of an rpcutil ping to the DAEMONS (default 10) real
#       daemons by node list, then its event stream read to the end event:
#       what the page waits for, with curl as the page (two requests)
#   cli_rpc_ms_p50, cli_rpc_ms_p99
#       `muster rpc rpcutil ping -I bench1 ...` to the same nodes, the
#       whole command
#   web_rss_kb_start, web_rss_kb_half, web_rss_kb
#       muster web's resident memory once started, after half the CALLS
#       (default 100) and after all: it keeps the last 32 calls, so more
#       calls do not mean more memory
# Uses bench/lib.sh (optimised build in build-release/); its broker is on
# 127.0.0.1:5745 unless MUSTER_BENCH_PORT says otherwise.  Figures, not
# assertions: nothing here fails on a slow result.
set -euo pipefail
MUSTER_BENCH_PORT=${MUSTER_BENCH_PORT:-5745}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || mst_die "bench_web.sh needs curl"
command -v jq >/dev/null || mst_die "bench_web.sh needs jq"

DAEMONS=${1:-10}
CALLS=${2:-100}
MUSTER=$BUILD/client/cli/muster

# p50 and p99 of the numbers on stdin as NAME_p50 and NAME_p99 lines.
percentiles() {
    sort -n | awk -v name="$1" '{ v[NR] = $1 } END {
        p99 = int(NR * 0.99 + 0.999)
        printf "%s_p50: %.1f\n%s_p99: %.1f\n", name, v[int((NR + 1) / 2)], name, v[p99] }'
}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

bench_setup
bench_daemons "$DAEMONS" x509
bench_client x509
CFG=$W/client-x509.cfg
nodes=() ids=()
for ((i = 1; i <= DAEMONS; i++)); do
    nodes+=("bench$i")
    ids+=(-I "bench$i")
done

port=18380
while ! mst_port_free "$port"; do port=$((port + 1)); done
"$MUSTER" -c "$CFG" web --listen "127.0.0.1:$port" >"$W/web.log" 2>&1 &
web=$!
mst_track "$web" "muster web"
url=http://127.0.0.1:$port
mst_wait_log "$W/web.log" '^muster web: ' 60 "$web" "$(mst_starttime "$web")" ||
    { cat "$W/web.log" >&2; mst_die "muster web did not start"; }
token=$(curl -sS "$url/api/session" | jq -r .token)
body=$(jq -cn --args '{agent: "rpcutil", action: "ping", nodes: $ARGS.positional}' "${nodes[@]}")
echo "web_rss_kb_start: $(rss_kb "$web")"

for ((r = 0; r < CALLS; r++)); do
    t0=$(date +%s%N)
    id=$(curl -sS -H "X-Muster-Token: $token" -H 'Content-Type: application/json' \
        --data-binary "$body" "$url/api/calls" | jq -r .id)
    curl -sS -N "$url/api/calls/$id/events" >"$W/events"
    echo $((($(date +%s%N) - t0) / 1000))
    grep -qx 'event: end' "$W/events" || mst_die "call $id did not end: $(cat "$W/events")"
    [ "$r" -ne $((CALLS / 2)) ] || rss_kb "$web" >"$W/rss_half"
done | awk '{ print $1 / 1000 }' | percentiles web_call_ms
echo "web_rss_kb_half: $(cat "$W/rss_half")"
replies=$(awk '/^event: end/ { take = 1; next } take { print substr($0, 7); exit }' "$W/events" |
    jq .stats.responses)
echo "web_call_replies: $replies"
echo "web_rss_kb: $(rss_kb "$web")"

for ((r = 0; r < CALLS; r++)); do
    t0=$(date +%s%N)
    "$MUSTER" -c "$CFG" rpc rpcutil ping "${ids[@]}" -j >"$W/rpc.json"
    echo $((($(date +%s%N) - t0) / 1000))
done | awk '{ print $1 / 1000 }' | percentiles cli_rpc_ms
echo "cli_rpc_replies: $(jq '.stats.responses' "$W/rpc.json")"
