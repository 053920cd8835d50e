# shellcheck shell=bash
# test/integration/lib.sh — sourced by every test/integration/NN-*.sh.
#
# A test is a bash script that sources this file, starts what it needs with
# start_daemons / write_client_cfg, runs `muster_cmd ...` and asserts.  It
# passes if it exits 0.  Everything it started is stopped by pid when it
# exits (trap below), whether it passed, failed or was killed by timeout.
#
#   . "$(dirname "$0")/lib.sh"
#   start_daemons 3
#   write_client_cfg
#   assert_exit 0 muster_cmd ping
#   assert_contains "$OUT" node3
#
# Provided:
#   T                     this test's private directory
#   CLIENT_CFG            path written by write_client_cfg
#   MUSTER_TEST_HOST/PORT parsed from MUSTER_TEST_URL
#   start_daemons N       node1..nodeN, each with its own facts, wait connected
#   start_daemon I / stop_daemon I / daemon_log I / daemon_cfg I / daemon_pid I
#   stop_daemons          SIGTERM, SIGKILL after a grace; fails on unclean exit
#   write_client_cfg [FILE]
#   muster_cmd ARGS...    $MUSTER_BUILD/client/cli/muster -c $CLIENT_CFG ARGS...
#   fail MSG; assert_eq EXP ACT [MSG]; assert_ne; assert_contains HAY NEEDLE [MSG];
#   assert_not_contains; assert_exit CODE CMD... (leaves OUT, ERR, RC)
#   at_time OFFSET CMD...  CMD with its wall clock off (faketime)
#   wait_for 'CMD' [TIMEOUT]   poll CMD (eval'd) until it succeeds; 1 on timeout
#   publish_raw [-e EXCHANGE] [-k ROUTING_KEY] HEX|FILE
#   broker_stop_app / broker_start_app / rabbitmqctl ARGS...
#   broker_kill / broker_restart   SIGKILL the broker's VM, start it again
#   cluster_start N BASE_PORT / CLUSTER_DIR / CLUSTER_URLS; set_cfg_urls FILE URL...
#   installed_exec ROOT CMD... / installed_possible   run what ROOT holds as installed
#   mst_test_cleanup      if the test defines it, run on exit after the
#                         processes are stopped
set -euo pipefail

MST_IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$MST_IT_DIR/../../scripts/lib.sh"

: "${MUSTER_TEST_URL:?set MUSTER_TEST_URL (run via scripts/test or test/integration/run.sh)}"
MUSTER_BUILD=${MUSTER_BUILD:-$MST_ROOT/build}
MUSTER_BUILD=$(realpath -m "$MUSTER_BUILD")
export MUSTER_BUILD
# With an amqps:// URL, test tools trust the CA the broker's certificate
# came from (scripts/test makes both with `muster cert` in MST_CERT_DIR).
if [ -n "${MST_CERT_DIR:-}" ]; then
    export MUSTER_TLS_CA=${MUSTER_TLS_CA:-$MST_CERT_DIR/ca.pem}
fi

# host and port of the broker, from amqp://user:pass@host:port[/vhost]
_u=${MUSTER_TEST_URL#*://}
_u=${_u##*@}
_u=${_u%%/*}
# shellcheck disable=SC2034  # for tests
MUSTER_TEST_HOST=${_u%%:*}
MUSTER_TEST_PORT=${_u##*:}
[ "$MUSTER_TEST_PORT" = "$_u" ] && MUSTER_TEST_PORT=5672
unset _u

# The daemon logs a line matching this (ERE) once its queue is declared and
# bound: "connected ... queue amq.gen-...".
MST_CONNECTED_RE=${MST_CONNECTED_RE:-'connected.*queue|queue.*connected'}
MST_CONNECT_TIMEOUT=${MST_CONNECT_TIMEOUT:-30}
MST_STOP_GRACE=${MST_STOP_GRACE:-10}
MST_NODE_PREFIX=${MST_NODE_PREFIX:-node}
# Lines in a daemon's log that fail the test (sanitizer reports).
MST_BAD_LOG_RE=${MST_BAD_LOG_RE:-'ERROR: (Address|Leak|UndefinedBehavior|Thread)Sanitizer|runtime error:'}

if [ -n "${MUSTER_TEST_DIR:-}" ]; then
    T=$MUSTER_TEST_DIR
    _mst_own_tmp=
else
    T=$(mktemp -d "${TMPDIR:-/tmp}/muster-it.XXXXXX")
    _mst_own_tmp=1
fi
mkdir -p "$T"
T=$(realpath "$T")
CLIENT_CFG=$T/client.cfg
mst_pids_init "$T/pids"

declare -A _mst_dpid=() _mst_dstart=()
_mst_in_cleanup=

step() { printf '== %s\n' "$*"; }

# ------------------------------------------------------------ assertions

fail() {
    local where="${BASH_SOURCE[1]:-?}:${BASH_LINENO[0]:-?}"
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        # report the line in the test, not in this library
        if [ "${BASH_SOURCE[i]}" != "${BASH_SOURCE[0]}" ]; then
            where="${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
            break
        fi
    done
    printf 'FAIL: %s (%s)\n' "$*" "$where" >&2
    exit 1
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-values differ}: expected '$1', got '$2'"
}
assert_ne() {
    [ "$1" != "$2" ] || fail "${3:-values equal}: both '$1'"
}
assert_contains() {
    [[ $1 == *"$2"* ]] || fail "${3:-missing text}: '$2' not in: $1"
}
assert_not_contains() {
    [[ $1 != *"$2"* ]] || fail "${3:-unexpected text}: '$2' in: $1"
}

# assert_exit CODE CMD...: run CMD, require exit status CODE.  Leaves its
# stdout in OUT, stderr in ERR and status in RC for further assertions.
assert_exit() {
    local want=$1
    shift
    RC=0
    "$@" >"$T/.out" 2>"$T/.err" || RC=$?
    OUT=$(cat "$T/.out")
    ERR=$(cat "$T/.err")
    if [ "$RC" != "$want" ]; then
        printf '%s\n' "--- stdout of: $*" "$OUT" "--- stderr:" "$ERR" >&2
        fail "exit status of '$*': expected $want, got $RC"
    fi
}

# at_time OFFSET CMD...: run CMD with its wall clock OFFSET off (faketime's
# -f syntax, "+300s"), under ASan too (libfaketime is preloaded ahead of
# the ASan runtime, which it would otherwise refuse).
at_time() {
    local offset=$1
    shift
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
        FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$offset" "$@"
}

# fill_store: one `muster collect --poll` of the whole fleet into $DB.
fill_store() { muster_cmd collect --poll --db "$DB"; }

# wait_for 'CMD' [TIMEOUT_SECONDS]: poll CMD every 0.1 s until it succeeds.
# Returns 1 on timeout; asserts nothing about how long it took.
wait_for() {
    local cmd=$1 timeout=${2:-10} end
    end=$((SECONDS + timeout))
    while ((SECONDS < end)); do
        if eval "$cmd" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    eval "$cmd" >/dev/null 2>&1
}

# ------------------------------------------------------------ client

write_client_cfg() {
    CLIENT_CFG=${1:-$CLIENT_CFG}
    mst_write_config client "$CLIENT_CFG" client "$MUSTER_TEST_URL"
}

muster_cmd() {
    "$MUSTER_BUILD/client/cli/muster" -c "$CLIENT_CFG" "$@"
}

# ------------------------------------------------------------ daemons

daemon_name() { printf '%s%s\n' "$MST_NODE_PREFIX" "$1"; }
daemon_cfg() { printf '%s/%s.cfg\n' "$T" "$(daemon_name "$1")"; }
daemon_log() { printf '%s/%s.log\n' "$T" "$(daemon_name "$1")"; }
daemon_pid() { printf '%s\n' "${_mst_dpid[$1]:-}"; }

# write_daemon_cfg I: node I's facts and config (if not already written;
# tests may write or edit them first).
write_daemon_cfg() {
    local i=$1 name facts
    name=$(daemon_name "$i")
    facts=$T/$name.facts.yaml
    [ -f "$facts" ] || mst_write_facts "$facts" "$i"
    [ -f "$(daemon_cfg "$i")" ] ||
        mst_write_config server "$(daemon_cfg "$i")" "$name" "$MUSTER_TEST_URL" "$facts"
}

# launch_daemon I: start node I without waiting for it to connect.
launch_daemon() {
    local i=$1
    write_daemon_cfg "$i"
    mst_daemon_start "$(daemon_name "$i")" "$(daemon_cfg "$i")" "$(daemon_log "$i")"
    _mst_dpid[$i]=$MST_LAST_PID
    _mst_dstart[$i]=$(mst_starttime "$MST_LAST_PID")
}

# start_daemon I: start node I and wait until its log says it is connected.
start_daemon() {
    local i=$1 start
    start=$(wc -l <"$(daemon_log "$i")" 2>/dev/null || echo 0)
    launch_daemon "$i"
    wait_connected "$i" "$start"
}

# wait_connected I [SKIP_LINES]: wait for the connected line in node I's log
# (after the first SKIP_LINES lines, to ignore an earlier run's line).
wait_connected() {
    local i=$1 skip=${2:-0} log pid end
    log=$(daemon_log "$i")
    pid=${_mst_dpid[$i]}
    end=$((SECONDS + MST_CONNECT_TIMEOUT))
    while ! tail -n +"$((skip + 1))" "$log" 2>/dev/null | grep -Eq "$MST_CONNECTED_RE"; do
        if ! mst_alive "$pid" "${_mst_dstart[$i]}"; then
            tail -n 20 "$log" >&2 || true
            fail "$(daemon_name "$i") (pid $pid) exited before connecting"
        fi
        if ((SECONDS >= end)); then
            tail -n 20 "$log" >&2 || true
            fail "$(daemon_name "$i") not connected after ${MST_CONNECT_TIMEOUT}s (no /$MST_CONNECTED_RE/ in $log)"
        fi
        sleep 0.1
    done
}

start_daemons() {
    local n=$1 i
    for ((i = 1; i <= n; i++)); do
        launch_daemon "$i"
    done
    for ((i = 1; i <= n; i++)); do
        wait_connected "$i"
    done
}

# start_package_daemons N: start_daemons N with the package agent (the
# built one and its DDL, in $T/agents) besides the ones built in.
start_package_daemons() {
    local agents=$T/agents
    mkdir -p "$agents"
    cp "$MUSTER_BUILD/agents/package.so" "$MST_ROOT/agents/package/package.json" "$agents"/
    MST_CONFIG_EXTRA="agents: { dir = \"$agents\"; };" start_daemons "$1"
}

# stop_daemon I: SIGTERM, SIGKILL after MST_STOP_GRACE.  A clean stop is
# part of every test: needing SIGKILL, a non-zero exit status (with
# ASAN_OPTIONS=detect_leaks=1 a leak makes it non-zero) or a sanitizer
# report in the log fails the test.  Set MST_ALLOW_UNCLEAN_EXIT=1 to only
# report these.
stop_daemon() {
    local i=$1 pid start log rc=0 status=0 problem=
    pid=${_mst_dpid[$i]:-}
    [ -n "$pid" ] || return 0
    start=${_mst_dstart[$i]}
    log=$(daemon_log "$i")
    mst_kill "$pid" "$start" "$MST_STOP_GRACE" || rc=$?
    wait "$pid" 2>/dev/null || status=$?
    unset "_mst_dpid[$i]"
    [ "$rc" -eq 2 ] && problem="needed SIGKILL"
    [ -z "$problem" ] && [ "$status" -ne 0 ] && [ "$status" -ne 127 ] &&
        problem="exit status $status after SIGTERM"
    if [ -z "$problem" ] && grep -Eq "$MST_BAD_LOG_RE" "$log" 2>/dev/null; then
        problem="sanitizer report in $log"
    fi
    [ -z "$problem" ] && return 0
    grep -E -A 20 "$MST_BAD_LOG_RE" "$log" 2>/dev/null | head -n 40 >&2 || tail -n 20 "$log" >&2 || true
    if [ -n "$_mst_in_cleanup" ] || [ -n "${MST_ALLOW_UNCLEAN_EXIT:-}" ]; then
        printf 'WARNING: %s: %s\n' "$(daemon_name "$i")" "$problem" >&2
        return 1
    fi
    fail "$(daemon_name "$i") did not stop cleanly: $problem"
}

stop_daemons() {
    local i
    for i in "${!_mst_dpid[@]}"; do
        stop_daemon "$i"
    done
}

# ------------------------------------------------------------ installed

# installed_exec ROOT CMD...: run CMD with what ROOT holds (a `meson
# install --destdir` or `dpkg-deb -x`) as if installed: test/integration/
# installed-exec, which says how.  For a daemon, MST_DAEMON_RUNNER=
# "$INSTALLED_EXEC ROOT" (the pid recorded is then the daemon's).
INSTALLED_EXEC=$MST_IT_DIR/installed-exec
installed_exec() { "$INSTALLED_EXEC" "$@"; }

# installed_possible: true if installed_exec works here (root, mount
# namespaces, overlayfs); tests skip (exit 77) otherwise.
installed_possible() {
    local probe=$T/.installed-probe
    mkdir -p "$probe/etc"
    : >"$probe/etc/muster-installed-probe"
    installed_exec "$probe" test -e /etc/muster-installed-probe >/dev/null 2>&1
}

# ------------------------------------------------------------ broker

rabbitmqctl() {
    : "${MUSTER_RABBITMQCTL:?no MUSTER_RABBITMQCTL (broker not started by scripts/test)}"
    "$MUSTER_RABBITMQCTL" -n "${MUSTER_TEST_NODE:?}" "$@"
}
# A test that stops the broker application and then fails still starts it
# again on exit (_mst_test_exit), so that the tests after it have a broker.
_mst_broker_stopped=
broker_stop_app() {
    _mst_broker_stopped=1
    rabbitmqctl -q stop_app
}
broker_start_app() {
    rabbitmqctl -q start_app
    _mst_broker_stopped=
    # shellcheck disable=SC2016  # eval'd by wait_for
    wait_for 'mst_broker_answers "$MUSTER_TEST_HOST" "$MUSTER_TEST_PORT"' 60
}

# broker_kill / broker_restart: SIGKILL the private broker's Erlang VM (by
# the pid recorded in its directory, next to MUSTER_RABBITMQCTL) and start
# it again with the same data and ports.  A test that fails in between
# still restarts it on exit.
broker_dir() {
    : "${MUSTER_RABBITMQCTL:?no MUSTER_RABBITMQCTL (broker not started by scripts/test)}"
    dirname "$(dirname "$MUSTER_RABBITMQCTL")"
}
_mst_broker_killed=
broker_kill() {
    _mst_broker_killed=1
    mst_broker_kill "$(broker_dir)"
}
broker_restart() {
    mst_broker_restart "$(broker_dir)" || return
    _mst_broker_killed=
    # shellcheck disable=SC2016  # eval'd by wait_for
    wait_for 'mst_broker_answers "$MUSTER_TEST_HOST" "$MUSTER_TEST_PORT"' 60
}

# cluster_start N BASE_PORT: a private N-node cluster in $T/cluster
# (mst_cluster_start), stopped by pid when the test exits.  CLUSTER_URLS
# holds its amqp URLs, node I's at index I-1.
CLUSTER_DIR=$T/cluster
CLUSTER_URLS=()
_mst_cluster_started=
cluster_start() {
    _mst_cluster_started=1
    mst_cluster_start "$CLUSTER_DIR" "$1" "$2" >>"$T/cluster.log" 2>&1 || return
    # shellcheck disable=SC2034  # for tests
    mapfile -t CLUSTER_URLS <"$CLUSTER_DIR/urls"
}

# set_cfg_urls FILE URL...: make FILE's broker section list these URLs, in
# this order (the connector tries them in order).
set_cfg_urls() {
    local file=$1 list
    shift
    list=$(printf '"%s", ' "$@")
    sed -i "s|^broker: { urls = \[[^]]*\];|broker: { urls = [${list%, }];|" "$file"
    grep -qF "urls = [${list%, }]" "$file" || fail "set_cfg_urls: no broker line in $file"
}

# publish_raw [-e EXCHANGE] [-k ROUTING_KEY] HEX|FILE: put arbitrary bytes on
# the broker as one message (default: the muster.broadcast exchange, empty
# key).  HEX is a string of hex digits (spaces allowed); otherwise a file.
# Uses the helper $MUSTER_BUILD/test/tools/mst_publish, whose contract is:
#   mst_publish URL EXCHANGE ROUTING_KEY FILE     (FILE "-" = stdin)
# exit 0 when the message was published.
publish_raw() {
    local exchange=muster.broadcast key='' OPTIND=1 opt body
    while getopts e:k: opt; do
        case $opt in
            e) exchange=$OPTARG ;;
            k) key=$OPTARG ;;
            *) fail "publish_raw: bad option" ;;
        esac
    done
    shift $((OPTIND - 1))
    body=$1
    if [ ! -f "$body" ]; then
        local hex=${body//[[:space:]]/}
        [[ $hex =~ ^([0-9a-fA-F]{2})*$ ]] || fail "publish_raw: neither a file nor hex: $body"
        body=$T/.publish.$RANDOM.bin
        local esc='' j
        for ((j = 0; j < ${#hex}; j += 2)); do esc+="\\x${hex:j:2}"; done
        # shellcheck disable=SC2059  # the format is the \xHH escapes
        printf "$esc" >"$body"
    fi
    "$MUSTER_BUILD/test/tools/mst_publish" "$MUSTER_TEST_URL" "$exchange" "$key" "$body"
}

# ------------------------------------------------------------ cleanup

_mst_test_exit() {
    local rc=$?
    set +e
    _mst_in_cleanup=1
    stop_daemons
    mst_kill_tracked "$MST_PIDFILE" "$MST_STOP_GRACE"
    # A test's own clean-up (e.g. a durable queue it declared), if defined.
    if declare -F mst_test_cleanup >/dev/null; then mst_test_cleanup; fi
    [ -n "$_mst_broker_stopped" ] && broker_start_app
    [ -n "$_mst_broker_killed" ] && broker_restart
    [ -n "$_mst_cluster_started" ] && mst_cluster_stop "$CLUSTER_DIR" >>"$T/cluster.log" 2>&1
    if [ "$rc" -eq 0 ] && [ -n "$_mst_own_tmp" ]; then
        rm -rf "$T"
    fi
    exit "$rc"
}
trap _mst_test_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
