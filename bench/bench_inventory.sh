#!/bin/bash
# bench/bench_inventory.sh [NODES] [PING_DAEMONS] - the inventory store's
# figures, as `name: value` lines (docs/performance.md "Inventory"):
#   store_put_per_s, store_put_cpu_us, store_bytes_per_node,
#   store_fact_bytes_per_node
#       NODES (default 50,000) generated nodes with ~5 KB fact sets written
#       straight into a new store in batches of 500 (bench_inventory gen)
#   inventory_csv_ms_p50, inventory_csv_ms_max
#       `muster inventory -F os.family=Debian --format csv` over them, the
#       whole command, 5 runs
#   complete_facts_ms_p50, complete_facts_ms_max, complete_facts_names
#       `muster complete facts` (shell completion's fact names), the same
#   broadcast_ping_ms_*, dm_inventory_ping_ms_*, dm_inventory_ratio
#       with PING_DAEMONS > 0 (default 0: no broker needed): that many real
#       daemons, a broadcast ping until all answered against a discovery
#       from the store + addressed ping (bench_inventory ping), over
#       MUSTER_BENCH_ROUNDS rounds (default 50)
# Uses bench/lib.sh (optimised build in build-release/).  Figures, not
# assertions: nothing here fails on a slow result.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

NODES=${1:-50000}
DAEMONS=${2:-0}
RUNS=5
if [ "$DAEMONS" -gt 0 ]; then
    bench_setup
else # no broker: only the build and a work directory
    W=$(mktemp -d "${TMPDIR:-/tmp}/muster-bench.XXXXXX")
    trap 'rm -rf "$W"' EXIT
    if [ -z "${MUSTER_BENCH_BUILD:-}" ]; then
        mst_build "$BUILD" --buildtype=release -Dtests=false >"$W/build.log" 2>&1 ||
            { cat "$W/build.log" >&2; mst_die "build failed"; }
    fi
fi
B=$BUILD/bench
DB=$W/inventory.db

"$B/bench_inventory" gen "$DB" "$NODES"
printf 'security: { provider = "none"; };\n' >"$W/report.cfg"

# timed NAME OUT ARGS...: `muster ARGS...` over the store RUNS times, its
# output in OUT; NAME_ms_p50 and NAME_ms_max, the whole command.
timed() {
    local name=$1 out=$2 times=() r t0 sorted
    shift 2
    for ((r = 0; r < RUNS; r++)); do
        t0=$(date +%s%N)
        "$BUILD/client/cli/muster" -c "$W/report.cfg" --db "$DB" "$@" >"$out"
        times+=($((($(date +%s%N) - t0) / 1000000)))
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    echo "${name}_ms_p50: $(sed -n "$(((RUNS + 1) / 2))p" <<<"$sorted")"
    echo "${name}_ms_max: $(tail -n 1 <<<"$sorted")"
}
timed inventory_csv "$W/report.csv" inventory -F os.family=Debian --format csv
echo "inventory_csv_rows: $(($(wc -l <"$W/report.csv") - 1))"
timed complete_facts "$W/facts.txt" complete facts
echo "complete_facts_names: $(wc -l <"$W/facts.txt")"

if [ "$DAEMONS" -gt 0 ]; then
    bench_daemons "$DAEMONS" x509
    bench_client x509
    "$B/bench_inventory" ping "$W/client-x509.cfg" "$W/ping.db" "$DAEMONS" \
        "${MUSTER_BENCH_ROUNDS:-50}"
fi
