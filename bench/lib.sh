# shellcheck shell=bash
# bench/lib.sh - sourced by bench/ping.sh and bench/run.sh: an optimised
# build, a broker, N real musterd processes, and their memory and CPU.
#
#   bench_setup              build-release/, broker (MUSTER_BENCH_URL or a
#                            private node on 127.0.0.1:$MUSTER_BENCH_PORT),
#                            cleanup of everything on exit; sets W, URL
#   bench_daemons N PROVIDER start bench1..benchN (x509 or none), wait until
#                            each is connected; pids in BENCH_PIDS
#   bench_stop_daemons       stop them (by pid)
#   bench_client PROVIDER    write $W/client-PROVIDER.cfg
#   bench_rss LABEL          daemon_rss_kb_LABEL, daemon_pss_kb_LABEL
#                            (medians) and their _max
#   bench_cpu_us             total user+system CPU of the daemons, in us
#   bench_cli_ping CFG RUNS  cli_ping_wall_ms: median wall time of `muster
#                            ping` (default options, the CLI process from
#                            start to exit); cli_ping_replies of the last
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$BENCH_ROOT/scripts/lib.sh"

# MUSTER_BENCH_BUILD: use that build as it is (the test suite's smoke run);
# otherwise build-release/ is configured and built here.
BUILD=${MUSTER_BENCH_BUILD:-$BENCH_ROOT/build-release}
BENCH_PORT=${MUSTER_BENCH_PORT:-5720}
BROKER_DIR=
BENCH_PIDS=()

_bench_cleanup() {
    set +e
    mst_kill_tracked "$W/pids" 10
    [ -n "$BROKER_DIR" ] && mst_broker_stop "$BROKER_DIR" >/dev/null 2>&1
    rm -rf "$W"
}

bench_setup() {
    W=$(mktemp -d "${TMPDIR:-/tmp}/muster-bench.XXXXXX")
    mst_pids_init "$W/pids"
    trap _bench_cleanup EXIT
    if [ -z "${MUSTER_BENCH_BUILD:-}" ]; then
        mst_build "$BUILD" --buildtype=release -Dtests=false >"$W/build.log" 2>&1 ||
            { cat "$W/build.log" >&2; mst_die "build failed"; }
    fi
    [ -x "$BUILD/bench/bench_rpc" ] || mst_die "no bench programs in $BUILD"
    MUSTER_BUILD=$BUILD
    export MUSTER_BUILD
    # N daemons, each a socket and a few files: raise the limit first
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    export MST_CERT_DIR=$W/certs
    URL=${MUSTER_BENCH_URL:-}
    if [ -z "$URL" ]; then
        BROKER_DIR=$W/broker
        mst_broker_start "$BROKER_DIR" "$BENCH_PORT" >"$W/broker.log" 2>&1 ||
            { cat "$W/broker.log" >&2; mst_die "could not start a broker"; }
        URL=amqp://guest:guest@127.0.0.1:$BENCH_PORT
    fi
}

bench_daemons() {
    local n=$1 provider=$2 i
    BENCH_PIDS=()
    for ((i = 1; i <= n; i++)); do
        # a benchmark floods on purpose: no per-caller rate limit
        MST_SECURITY_PROVIDER=$provider MST_LOG_LEVEL=notice \
            MST_SECURITY_EXTRA='max_requests_per_s = 0;' \
            mst_write_config server "$W/b$i.cfg" "bench$i" "$URL"
        : >"$W/b$i.log"
        mst_daemon_start "bench$i" "$W/b$i.cfg" "$W/b$i.log"
        BENCH_PIDS+=("$MST_LAST_PID")
    done
    for ((i = 1; i <= n; i++)); do
        mst_wait_log "$W/b$i.log" 'connected.*queue' 300 ||
            { tail "$W/b$i.log" >&2; mst_die "bench$i did not connect"; }
    done
}

bench_stop_daemons() {
    local p
    for p in "${BENCH_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    BENCH_PIDS=()
}

bench_client() {
    MST_SECURITY_PROVIDER=$1 mst_write_config client "$W/client-$1.cfg" \
        "bench-client-$1" "$URL"
}

# RSS counts every shared library page a daemon touched (libcrypto alone
# is ~4 MB of it with x509); PSS divides shared pages among the processes
# that share them, which is what N daemons on one host really cost.
bench_rss() {
    local field median max
    for field in Rss Pss; do
        sorted=$(for p in "${BENCH_PIDS[@]}"; do
            awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/smaps_rollup"
        done | sort -n)
        median=$(sed -n "$(((${#BENCH_PIDS[@]} + 1) / 2))p" <<<"$sorted")
        max=$(tail -n 1 <<<"$sorted")
        printf 'daemon_%s_kb_%s: %s\n' "${field,,}" "$1" "$median"
        printf 'daemon_%s_kb_%s_max: %s\n' "${field,,}" "$1" "$max"
    done
}

# utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks)
bench_cpu_us() {
    local hz total=0 p stat
    hz=$(getconf CLK_TCK)
    for p in "${BENCH_PIDS[@]}"; do
        stat=$(cat "/proc/$p/stat")
        stat=${stat##*) }
        # shellcheck disable=SC2086
        set -- $stat
        total=$((total + ${12} + ${13}))
    done
    echo $((total * 1000000 / hz))
}

bench_cli_ping() {
    local cfg=$1 runs=$2 i t0 t1
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s%N)
        "$BUILD/client/cli/muster" -c "$cfg" ping -j >"$W/cli-ping.json"
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
    done | sort -n | awk '{ v[NR] = $1 } END {
        printf "cli_ping_wall_ms: %.1f\n", v[int((NR + 1) / 2)] / 1000 }'
    printf 'cli_ping_replies: %s\n' "$(jq .stats.responses "$W/cli-ping.json")"
}
