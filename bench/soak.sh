#!/bin/bash
# bench/soak.sh MINUTES - a soak, not a test (not in CI): SOAK_NODES (100)
# musterd under ASan+UBSan (build-asan/, built here if missing) on a
# private broker of its own (127.0.0.1:SOAK_PORT, 5795; it also uses
# PORT+20000 .. PORT+20009, see scripts/lib.sh), for MINUTES:
#   - bench/bench_soak: a round a second of one broadcast rpcutil ping
#     (every node answers) and four addressed rpcutil daemon_stats calls,
#     every reply counted by request and sender;
#   - every SOAK_HOSTILE_SECONDS (20) hostile broadcasts: 30 garbage, 10
#     unsigned envelopes, and every third time one 1.5 MiB body (over the
#     daemons' cap);
#   - every SOAK_BOUNCE_SECONDS (300) the broker is SIGKILLed and started
#     again (same data and ports); the daemons reconnect with a 5 s
#     backoff cap.  No bounce in the last 2 minutes, so the figures at the
#     end are taken on a settled fleet.
# Prints `name: value` lines: nodes, minutes, bounces, rounds, requests,
# replies_expected, replies, lost (missing replies outside the recovery
# after a bounce), lost_in_recovery, duplicated, late, replies_failed,
# hostile_sent, rss_kb_median, rss_drift_kb_median / _p99 / _max (VmRSS at
# the end less VmRSS after SOAK_WARMUP_SECONDS, 60, over the daemons) and
# rss_drift_kb_second_half_median (end less half-way: a drift that keeps
# growing there is a leak, one that does not is warm-up),
# daemons_died, daemons_unclean_exit (non-zero status after SIGTERM, which
# includes LeakSanitizer), sanitizer_findings (report lines in the daemons'
# logs).  ASan's quarantine is capped at 1 MB (quarantine_size_mb=1) so
# that the drift is the daemon's and not ASan's; that weakens the
# detection of a use-after-free of long-freed memory.  The work directory
# (logs) is kept when anything was lost or found.  Run it niced:
#   nice -n 19 bench/soak.sh 30
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

MINUTES=${1:?usage: bench/soak.sh MINUTES}
NODES=${SOAK_NODES:-100}
PORT=${SOAK_PORT:-5795}
BOUNCE_S=${SOAK_BOUNCE_SECONDS:-300}
HOSTILE_S=${SOAK_HOSTILE_SECONDS:-20}
WARMUP_S=${SOAK_WARMUP_SECONDS:-60}
# SOAK_BUILD: use that build as it is (e.g. build/, to see the drift
# without ASan); otherwise build-asan/ is configured and built here.
BUILD=${SOAK_BUILD:-$ROOT/build-asan}
TOTAL_S=$((MINUTES * 60))
((TOTAL_S > WARMUP_S + 60)) || mst_die "MINUTES must leave a minute after the warm-up"

W=$(mktemp -d "${TMPDIR:-/tmp}/muster-soak.XXXXXX")
mst_pids_init "$W/pids"
BROKER_DIR=
keep=
cleanup() {
    set +e
    mst_kill_tracked "$W/pids" 10
    [ -n "$BROKER_DIR" ] && mst_broker_stop "$BROKER_DIR" >/dev/null 2>&1
    if [ -n "$keep" ]; then echo "logs kept in $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${SOAK_BUILD:-}" ]; then
    mst_build "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false >"$W/build.log" 2>&1 ||
        { cat "$W/build.log" >&2; mst_die "build of $BUILD failed"; }
fi
[ -x "$BUILD/bench/bench_soak" ] || mst_die "no bench_soak in $BUILD"
BUILD=$(realpath "$BUILD")
export MUSTER_BUILD=$BUILD MST_CERT_DIR=$W/certs
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=1:malloc_context_size=10
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

BROKER_DIR=$W/broker
mst_broker_start "$BROKER_DIR" "$PORT" >"$W/broker.log" 2>&1 ||
    { cat "$W/broker.log" >&2; mst_die "could not start a broker on $PORT"; }
URL=amqp://guest:guest@127.0.0.1:$PORT

pids=()
for ((i = 1; i <= NODES; i++)); do
    mst_write_facts "$W/soak$i.yaml" "$i"
    MST_LOG_LEVEL=notice mst_write_config server "$W/soak$i.cfg" "soak$i" "$URL" "$W/soak$i.yaml"
    sed -i 's/^broker: { /broker: { reconnect_max = 5; /' "$W/soak$i.cfg"
    : >"$W/soak$i.log"
    mst_daemon_start "soak$i" "$W/soak$i.cfg" "$W/soak$i.log"
    pids+=("$MST_LAST_PID")
done
for ((i = 1; i <= NODES; i++)); do
    mst_wait_log "$W/soak$i.log" 'connected.*queue' 600 ||
        { tail "$W/soak$i.log" >&2; mst_die "soak$i did not connect"; }
done
mst_write_config client "$W/client.cfg" soak-client "$URL"

printf '\xc1' >"$W/garbage1.bin"
printf '\xdd\xff\x00\x00\x00' >"$W/garbage2.bin"
head -c 1000 /dev/urandom >"$W/garbage3.bin"
"$BUILD/test/tools/mst_forge" request "$W/unsigned.bin" "$MST_CERT_DIR/soak-client.pem" \
    "$MST_CERT_DIR/soak-client.key" unsigned
head -c $((1536 * 1024)) /dev/zero | tr '\0' 'x' >"$W/oversized.bin"

# hostile_loop: the hostile broadcasts, counted in $W/hostile (one line per
# message the broker took; none while it is down).
hostile_loop() {
    local n=0 f
    while :; do
        sleep "$HOSTILE_S"
        n=$((n + 1))
        for f in garbage1:10 garbage2:10 garbage3:10 unsigned:10; do
            "$BUILD/test/tools/mst_publish" "$URL" muster.broadcast '' "$W/${f%:*}.bin" "${f#*:}" \
                >/dev/null 2>&1 && printf '%s\n' "${f#*:}" >>"$W/hostile"
        done
        if ((n % 3 == 0)); then
            "$BUILD/test/tools/mst_publish" "$URL" muster.broadcast '' "$W/oversized.bin" \
                >/dev/null 2>&1 && echo 1 >>"$W/hostile"
        fi
    done
}

# rss_all: each daemon's VmRSS in kB, -1 for one that is gone (a zombie
# has no VmRSS line).
rss_all() {
    local p kb
    for p in "${pids[@]}"; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
        echo "${kb:--1}"
    done
}

start=$SECONDS
"$BUILD/bench/bench_soak" "$W/client.cfg" "$TOTAL_S" "$NODES" soak >"$W/soak.out" 2>"$W/soak.err" &
soak_pid=$!
mst_track "$soak_pid" bench_soak
hostile_loop &
hostile_pid=$!
mst_track "$hostile_pid" hostile_loop

sleep "$WARMUP_S"
mapfile -t rss_before < <(rss_all)
bounces=0
next_bounce=$((start + BOUNCE_S))
half=$((start + TOTAL_S / 2))
rss_half=()
while ((next_bounce < start + TOTAL_S - 120)); do
    if ((next_bounce > half)) && [ ${#rss_half[@]} -eq 0 ]; then
        sleep $((half - SECONDS > 0 ? half - SECONDS : 0))
        mapfile -t rss_half < <(rss_all)
    fi
    sleep $((next_bounce - SECONDS > 0 ? next_bounce - SECONDS : 0))
    mst_broker_kill "$BROKER_DIR" >>"$W/broker.log" 2>&1 || mst_die "could not kill the broker"
    mst_broker_restart "$BROKER_DIR" >>"$W/broker.log" 2>&1 || mst_die "could not restart the broker"
    bounces=$((bounces + 1))
    next_bounce=$((next_bounce + BOUNCE_S))
done
if [ ${#rss_half[@]} -eq 0 ]; then
    sleep $((half - SECONDS > 0 ? half - SECONDS : 0))
    mapfile -t rss_half < <(rss_all)
fi
wait "$soak_pid" || true
kill "$hostile_pid" 2>/dev/null || true
wait "$hostile_pid" 2>/dev/null || true
mapfile -t rss_after < <(rss_all)

died=0
drift=() drift2=()
for ((i = 0; i < NODES; i++)); do
    if ((rss_after[i] < 0 || rss_before[i] < 0 || rss_half[i] < 0)); then
        died=$((died + 1))
    else
        drift+=($((rss_after[i] - rss_before[i])))
        drift2+=($((rss_after[i] - rss_half[i])))
    fi
done
unclean=0
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do
    status=0
    wait "$p" 2>/dev/null || status=$?
    [ "$status" -eq 0 ] || unclean=$((unclean + 1))
done
findings=$(cat "$W"/soak*.log | grep -cE 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' || true)

# nearest rank P (1..100) of the numbers on stdin
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r] }'; }
figure() { awk -v k="$1:" '$1 == k { print $2 }' "$W/soak.out"; }

echo "nodes: $NODES"
echo "minutes: $MINUTES"
echo "bounces: $bounces"
for k in rounds requests replies_expected replies lost lost_in_recovery duplicated late replies_failed; do
    echo "$k: $(figure "$k")"
done
echo "hostile_sent: $(awk '{ s += $1 } END { print s + 0 }' "$W/hostile" 2>/dev/null || echo 0)"
echo "rss_kb_median: $(printf '%s\n' "${rss_after[@]}" | pct 50)"
if [ ${#drift[@]} -gt 0 ]; then
    echo "rss_drift_kb_median: $(printf '%s\n' "${drift[@]}" | pct 50)"
    echo "rss_drift_kb_p99: $(printf '%s\n' "${drift[@]}" | pct 99)"
    echo "rss_drift_kb_max: $(printf '%s\n' "${drift[@]}" | pct 100)"
    echo "rss_drift_kb_second_half_median: $(printf '%s\n' "${drift2[@]}" | pct 50)"
fi
echo "daemons_died: $died"
echo "daemons_unclean_exit: $unclean"
echo "sanitizer_findings: $findings"
if [ "$findings" -gt 0 ] || [ "$died" -gt 0 ] || [ "$unclean" -gt 0 ] ||
    [ "$(figure lost)" != 0 ] || [ "$(figure duplicated)" != 0 ]; then
    keep=1
fi
