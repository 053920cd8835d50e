# shellcheck shell=bash
# scripts/lib.sh — helpers shared by scripts/test, scripts/demo and
# test/integration/lib.sh.  Source it; it defines functions and a few
# variables and runs nothing.
#
# Process hygiene: every process these helpers start is recorded as
# "PID STARTTIME NAME" in a pid file, and is only ever stopped by that pid
# (after checking that the pid still belongs to the process we started, via
# its start time in /proc).  Nothing here kills by name.
#
# Ports of a private broker on PORT (keep brokers ten ports apart):
#   PORT         AMQP, bound to 127.0.0.1
#   PORT+20000   Erlang distribution of the node, bound to 127.0.0.1
#   PORT+20001   the node's own epmd, bound to 127.0.0.1 (never the system's
#                epmd on 4369: we start one, record its pid, stop it)
#   PORT+20002…  PORT+20009  rabbitmqctl's short-lived distribution ports
# A cluster (mst_cluster_start) packs its nodes into one such block: see there.

MST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MST_RABBITMQ_LIBEXEC=${MST_RABBITMQ_LIBEXEC:-/usr/lib/rabbitmq/bin}
MST_DEPS=(build-essential libmicrohttpd-dev meson ninja-build pkg-config clang libclang-rt-14-dev
          librabbitmq-dev libmsgpack-dev libssl-dev libconfig-dev
          libjansson-dev libyaml-dev libsqlite3-dev check rabbitmq-server
          valgrind jq procps iproute2 clang-format faketime scdoc zsh
          python3 debhelper dpkg-dev lintian fakeroot adduser systemd
          chromium nodejs curl)
MST_APT_UPDATED=${MST_APT_UPDATED:-}

mst_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
mst_die() { mst_log "error: $*"; exit 1; }

# ---------------------------------------------------------------- deps

# mst_install_deps: install whichever of MST_DEPS is missing (Debian/apt).
# The system rabbitmq-server service is kept from starting while installing
# (policy-rc.d returning 101, the Debian convention).  Even if a system
# broker runs, it is harmless: it uses 5672/4369, our private nodes use
# their own ports, epmd, cookie and directories.
mst_install_deps() {
    local p missing=()
    for p in "${MST_DEPS[@]}"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    mst_log "installing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || mst_die "need root (or sudo) to install ${missing[*]}"
        sudo=(sudo)
    fi
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        made_policy=1
    fi
    local rc=0
    {
        if [ -z "$MST_APT_UPDATED" ]; then
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
            MST_APT_UPDATED=1
        fi
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends -o Dpkg::Options::=--force-confdef \
            -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
    } || rc=$?
    [ -n "$made_policy" ] && "${sudo[@]}" rm -f "$policy"
    return "$rc"
}

# ---------------------------------------------------------------- build

# mst_build DIR [meson options...]: configure DIR if needed (applying the
# options to an existing DIR with `meson configure`), then build it.
mst_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$MST_ROOT" "$@" || return
    elif [ $# -gt 0 ]; then
        meson configure "$dir" "$@" || return
    fi
    ninja -C "$dir"
}

# ---------------------------------------------------------------- pids

# Processes started by these helpers are appended to MST_PIDFILE (set it, or
# call mst_pids_init FILE, before starting anything).
mst_pids_init() {
    MST_PIDFILE=$1
    mkdir -p "$(dirname "$MST_PIDFILE")"
    : >>"$MST_PIDFILE"
}

# mst_starttime PID: the process start time (clock ticks since boot), empty
# if there is no such process or it is a zombie (dead, not yet reaped).
mst_starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    [ "$1" = Z ] && return 0
    printf '%s\n' "${20}"
}

# mst_track PID NAME [FILE]: record a process we started.
mst_track() {
    local file=${3:-${MST_PIDFILE:?mst_pids_init first}}
    printf '%s %s %s\n' "$1" "$(mst_starttime "$1")" "$2" >>"$file"
}

# mst_alive PID STARTTIME: true if PID is still the process recorded.
mst_alive() {
    [ -n "$1" ] && [ -n "$2" ] && [ "$(mst_starttime "$1")" = "$2" ]
}

# mst_kill PID STARTTIME [GRACE_SECONDS]: SIGTERM, wait up to GRACE, then
# SIGKILL.  Returns 0 if it ended on SIGTERM (or was gone), 2 if it needed
# SIGKILL.
mst_kill() {
    local pid=$1 start=$2 grace=${3:-10} i
    mst_alive "$pid" "$start" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        mst_alive "$pid" "$start" || return 0
        sleep 0.1
    done
    mst_log "pid $pid did not stop within ${grace}s of SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    return 2
}

# mst_kill_tracked [FILE] [GRACE]: stop every process recorded in FILE,
# newest first, and empty the file.
mst_kill_tracked() {
    local file=${1:-${MST_PIDFILE:-}} grace=${2:-10} pid start name
    [ -n "$file" ] && [ -f "$file" ] || return 0
    while read -r pid start name; do
        if mst_alive "$pid" "$start"; then
            mst_log "stopping $name (pid $pid)"
            mst_kill "$pid" "$start" "$grace" || true
        fi
        wait "$pid" 2>/dev/null || true # reap it if it is our child
    done < <(tac "$file")
    : >"$file"
}

# ---------------------------------------------------------------- config

# The one place that knows what muster config files look like.
# MST_SECURITY_PROVIDER (default x509) selects the block.  With x509 the
# files are MST_CERT_DIR/{ca.pem,NAME.pem,NAME.key}; mst_cert_ensure makes
# the CA and the certificate with `muster cert` when they are missing.
# MST_SECURITY_EXTRA: more settings inside the block (`max_requests_per_s = 0;`).
mst_security_block() {
    case ${MST_SECURITY_PROVIDER:-x509} in
        none) printf 'security: { provider = "none"; %s };\n' "${MST_SECURITY_EXTRA:-}" ;;
        x509)
            printf 'security: { provider = "x509"; ca = "%s/ca.pem"; cert = "%s/%s.pem"; key = "%s/%s.key"; %s };\n' \
                "$MST_CERT_DIR" "$MST_CERT_DIR" "$1" "$MST_CERT_DIR" "$1" "${MST_SECURITY_EXTRA:-}"
            ;;
        *) mst_die "unknown MST_SECURITY_PROVIDER ${MST_SECURITY_PROVIDER}" ;;
    esac
}

# mst_muster_bin: the muster binary of $MUSTER_BUILD (default build/).
mst_muster_bin() {
    printf '%s/client/cli/muster\n' "${MUSTER_BUILD:-$MST_ROOT/build}"
}

# mst_cert_ensure DIR NAME client|server [muster cert issue options...]:
# make DIR's CA if there is none, then NAME's key and certificate if they
# are missing.  Quiet unless something fails.
mst_cert_ensure() {
    local dir=$1 name=$2 kind=$3 bin
    shift 3
    bin=$(mst_muster_bin)
    [ -x "$bin" ] || mst_die "no $bin (build first)"
    mkdir -p "$(dirname "$dir")"
    if [ ! -f "$dir/ca.pem" ]; then
        "$bin" cert init "$dir" >/dev/null || return
    fi
    [ -f "$dir/$name.pem" ] && return 0
    "$bin" cert issue "$dir" "$name" "--$kind" "$@" >/dev/null
}

# mst_write_config server|client FILE IDENTITY URL [FACTS_FILE]
# Extra lines for the file can be passed in MST_CONFIG_EXTRA.
mst_write_config() {
    local kind=$1 file=$2 identity=$3 url=$4 facts=${5:-}
    {
        printf '# written by scripts/lib.sh mst_write_config\n'
        printf 'identity = "%s";\n' "$identity"
        printf 'collectives = ["muster"];\n'
        printf 'broker: { urls = ["%s"]; heartbeat = 10; };\n' "$url"
        case $kind in
            server) [ -n "$facts" ] && printf 'facts: { files = ["%s"]; };\n' "$facts" ;;
            # DDLs straight from the source tree: agents/AGENT/AGENT.json
            client) printf 'discovery_timeout = 2;\ntimeout = 10;\n'
                    printf 'ddl_path = ["%s/agents"];\n' "$MST_ROOT" ;;
            *) mst_die "mst_write_config: kind must be server or client" ;;
        esac
        if [ "${MST_SECURITY_PROVIDER:-x509}" = x509 ]; then
            MST_CERT_DIR=${MST_CERT_DIR:-$(dirname "$file")/certs}
            mst_cert_ensure "$MST_CERT_DIR" "$identity" "$kind" ||
                mst_die "cannot make a certificate for $identity in $MST_CERT_DIR"
        fi
        mst_security_block "$identity"
        printf 'log: { level = "%s"; };\n' "${MST_LOG_LEVEL:-info}"
        if [ -n "${MST_CONFIG_EXTRA:-}" ]; then printf '%s\n' "$MST_CONFIG_EXTRA"; fi
    } >"$file"
}

# mst_write_facts FILE INDEX: small YAML facts, different per index.
mst_write_facts() {
    local file=$1 n=$2 role=web
    ((n % 2 == 0)) && role=db
    cat >"$file" <<EOF
role: $role
n: $n
os:
  family: Debian
  release: "12"
EOF
}

# ---------------------------------------------------------------- daemons

# mst_daemon_start NAME CFG LOG: start `musterd -c CFG -f` in the background
# (logs to LOG), record its pid and leave it in MST_LAST_PID (not printed:
# call it without $(...) so the daemon stays a child of the caller's shell
# and `wait` can collect its exit status).  Binary: $MST_MUSTERD if set (an
# installed musterd), else $MUSTER_BUILD/server/musterd.
# With MST_DETACH=1 the daemon gets its own session (outlives a terminal).
# MST_DAEMON_RUNNER, if set, is a command (words) that runs the binary and
# execs it in the end, so that the pid recorded is the daemon's (e.g.
# test/integration/lib.sh's installed_exec ROOT: $bin is then a path as
# installed, seen through the runner).
mst_daemon_start() {
    local name=$1 cfg=$2 log=$3 bin=${MST_MUSTERD:-${MUSTER_BUILD:?}/server/musterd}
    local run=()
    if [ -n "${MST_DAEMON_RUNNER:-}" ]; then
        read -ra run <<<"$MST_DAEMON_RUNNER"
    else
        [ -x "$bin" ] || mst_die "no $bin (build first)"
    fi
    if [ -n "${MST_DETACH:-}" ]; then
        setsid "${run[@]}" "$bin" -c "$cfg" -f </dev/null >>"$log" 2>&1 &
    else
        "${run[@]}" "$bin" -c "$cfg" -f </dev/null >>"$log" 2>&1 &
    fi
    MST_LAST_PID=$!
    mst_track "$MST_LAST_PID" "musterd:$name"
}

# mst_wait_log FILE ERE TIMEOUT [PID STARTTIME]: wait until a line of FILE
# matches ERE.  Returns 1 on timeout, 2 if PID died first.
mst_wait_log() {
    local file=$1 re=$2 timeout=$3 pid=${4:-} start=${5:-} end
    end=$((SECONDS + timeout))
    until grep -Eq "$re" "$file" 2>/dev/null; do
        if [ -n "$pid" ] && ! mst_alive "$pid" "$start"; then
            return 2
        fi
        ((SECONDS < end)) || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------- broker

# mst_broker_answers HOST PORT: true if something accepts TCP there.
mst_broker_answers() {
    # shellcheck disable=SC2016  # expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

mst_port_free() {
    ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# mst_broker_rabbitmqctl DIR ARGS...: rabbitmqctl against the node in DIR.
mst_broker_rabbitmqctl() {
    local dir=$1
    shift
    "$dir/bin/rabbitmqctl" "$@"
}

# _mst_node_layout DIR NODE PORT DIST EPMD CTL_MIN CTL_MAX: a fresh DIR
# for one RabbitMQ node (AMQP on 127.0.0.1:PORT, distribution on DIST,
# the epmd on EPMD, rabbitmqctl's ports CTL_MIN..CTL_MAX): its config
# files, DIR/env and the DIR/bin/rabbitmqctl wrapper.  No cookie.
_mst_node_layout() {
    local dir=$1 node=$2 port=$3 dist=$4 epmd=$5 ctl_min=$6 ctl_max=$7
    rm -rf "$dir"
    mkdir -p "$dir"/{mnesia,log,home,etc,bin}
    : >"$dir/pids"
    printf '%s\n' "$node" >"$dir/node"
    printf '%s\n' "$port" >"$dir/port"

    cat >"$dir/etc/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$port
loopback_users = none
max_message_size = 4194304
log.console = true
log.console.level = warning
log.file.level = info
EOF
    printf '[].\n' >"$dir/etc/enabled_plugins"
    printf '[].\n' >"$dir/etc/advanced.config"
    : >"$dir/etc/rabbitmq-env.conf"

    # Environment shared by the server and rabbitmqctl: written once as a
    # file the wrapper sources.
    cat >"$dir/env" <<EOF
export HOME='$dir/home'
export RABBITMQ_NODENAME='$node'
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$port
export RABBITMQ_DIST_PORT=$dist
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_CONFIG_FILE='$dir/etc/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$dir/etc/advanced.config'
export RABBITMQ_CONF_ENV_FILE='$dir/etc/rabbitmq-env.conf'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/etc/enabled_plugins'
export RABBITMQ_PID_FILE='$dir/rabbitmq.pid'
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_CTL_DIST_PORT_MIN=$ctl_min
export RABBITMQ_CTL_DIST_PORT_MAX=$ctl_max
export ERL_EPMD_PORT=$epmd
export ERL_EPMD_ADDRESS=127.0.0.1
EOF
    cat >"$dir/bin/rabbitmqctl" <<EOF
#!/bin/bash
# rabbitmqctl for the private node in $dir
. '$dir/env'
exec '$MST_RABBITMQ_LIBEXEC/rabbitmqctl' "\$@"
EOF
    chmod 755 "$dir/bin/rabbitmqctl"
}

# mst_broker_start DIR PORT [TLS_PORT CERT_DIR]: start a private RabbitMQ
# node with everything under DIR, AMQP on 127.0.0.1:PORT, and wait until it
# is up.  With TLS_PORT, also AMQPS on 127.0.0.1:TLS_PORT with a "broker"
# server certificate from CERT_DIR's CA (made with `muster cert` if
# missing; SANs localhost and 127.0.0.1), peers verified against that CA
# when they present a certificate.  Leaves:
#   DIR/node            the node name (also MST_BROKER_NODE)
#   DIR/bin/rabbitmqctl a wrapper with the node's environment (also
#                       MST_BROKER_CTL); pass -n "$(cat DIR/node)" or not
#   DIR/pids            pids of the epmd, the wrapper script and beam
#   DIR/log/            the node's logs, DIR/console.log its stdout/stderr
mst_broker_start() {
    local dir port dist epmd node p
    dir=$(realpath -m "$1")
    port=$2
    local tls_port=${3:-} cert_dir=${4:-}
    dist=$((port + 20000))
    epmd=$((port + 20001))
    for p in "$port" "$dist" "$epmd"; do
        mst_port_free "$p" || { mst_log "port $p is in use"; return 1; }
    done
    node="muster-test-$$-$port@localhost"
    _mst_node_layout "$dir" "$node" "$port" "$dist" "$epmd" $((dist + 2)) $((dist + 9))
    if [ -n "$tls_port" ]; then
        mst_port_free "$tls_port" || { mst_log "port $tls_port is in use"; return 1; }
        cert_dir=$(realpath -m "$cert_dir")
        mst_cert_ensure "$cert_dir" broker server --san localhost --san 127.0.0.1 || return
        cat >>"$dir/etc/rabbitmq.conf" <<EOF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $cert_dir/ca.pem
ssl_options.certfile = $cert_dir/broker.pem
ssl_options.keyfile = $cert_dir/broker.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
EOF
    fi
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F >"$dir/home/.erlang.cookie")
    chmod 600 "$dir/home/.erlang.cookie"

    # Our own epmd, so stopping it never disturbs anyone else's nodes.
    _mst_epmd_start "$dir" "$epmd" "$dir/pids"

    if ! _mst_broker_launch "$dir"; then
        mst_broker_stop "$dir"
        return 1
    fi
    # shellcheck disable=SC2034  # for callers
    MST_BROKER_NODE=$node
    # shellcheck disable=SC2034
    MST_BROKER_CTL=$dir/bin/rabbitmqctl
    mst_log "broker $node up on 127.0.0.1:$port (dir $dir)"
}

# _mst_epmd_start DIR PORT PIDFILE: an epmd of our own on 127.0.0.1:PORT
# (DIR's logs), recorded in PIDFILE; waits until it accepts connections.
_mst_epmd_start() {
    local dir=$1 epmd=$2 pidfile=$3 i setsid=()
    [ -n "${MST_DETACH:-}" ] && setsid=(setsid)
    "${setsid[@]}" epmd -port "$epmd" -address 127.0.0.1 </dev/null >>"$dir/epmd.log" 2>&1 &
    mst_track "$!" epmd "$pidfile"
    for ((i = 0; i < 50; i++)); do
        mst_broker_answers 127.0.0.1 "$epmd" && break
        sleep 0.1
    done
}

# _mst_broker_launch DIR: start the RabbitMQ node of DIR (its env, epmd
# already running), wait until it is up and record its beam pid.
_mst_broker_launch() {
    local dir=$1 node beam setsid=()
    node=$(cat "$dir/node")
    [ -n "${MST_DETACH:-}" ] && setsid=(setsid)
    rm -f "$dir/rabbitmq.pid" # a stale pid would satisfy `wait`
    (
        # shellcheck disable=SC1091
        . "$dir/env"
        ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
        exec "${setsid[@]}" "$MST_RABBITMQ_LIBEXEC/rabbitmq-server"
    ) </dev/null >>"$dir/console.log" 2>&1 &
    mst_track "$!" rabbitmq-server "$dir/pids"

    if ! timeout 120 "$dir/bin/rabbitmqctl" -n "$node" -q wait --timeout 100 \
            "$dir/rabbitmq.pid" >>"$dir/ctl.log" 2>&1; then
        mst_log "broker $node did not start; tail of $dir/console.log:"
        tail -n 30 "$dir/console.log" >&2 || true
        return 1
    fi
    beam=$(cat "$dir/rabbitmq.pid" 2>/dev/null || true)
    [ -n "$beam" ] && mst_track "$beam" beam "$dir/pids"
    return 0
}

# mst_broker_beam_pid DIR: the pid of the node's Erlang VM (from the pid
# file the node wrote), if it is still the process recorded in DIR/pids.
mst_broker_beam_pid() {
    local dir=$1 beam pid start name
    beam=$(cat "$dir/rabbitmq.pid" 2>/dev/null) || return 1
    while read -r pid start name; do
        if [ "$name" = beam ] && [ "$pid" = "$beam" ] && mst_alive "$pid" "$start"; then
            printf '%s\n' "$pid"
            return 0
        fi
    done <"$dir/pids"
    return 1
}

# mst_broker_kill DIR: SIGKILL the node's Erlang VM (a crash, not a stop)
# and wait until it is gone.  Its epmd stays; mst_broker_restart DIR
# starts the node again with the same data, name and ports.
mst_broker_kill() {
    local dir beam start i
    dir=$(realpath -m "$1")
    beam=$(mst_broker_beam_pid "$dir") || { mst_log "no live beam recorded in $dir"; return 1; }
    start=$(mst_starttime "$beam")
    kill -KILL "$beam"
    for ((i = 0; i < 100; i++)); do
        mst_alive "$beam" "$start" || break
        sleep 0.1
    done
    mst_alive "$beam" "$start" && { mst_log "beam $beam survived SIGKILL"; return 1; }
    return 0
}

# mst_broker_restart DIR: start again a node whose VM died (after
# mst_broker_kill), same mnesia, node name and ports; waits until it is up.
mst_broker_restart() {
    local dir
    dir=$(realpath -m "$1")
    mst_broker_beam_pid "$dir" >/dev/null && { mst_log "broker in $dir still runs"; return 1; }
    _mst_broker_launch "$dir" || return
    mst_log "broker $(cat "$dir/node") restarted (dir $dir)"
}

# mst_broker_stop DIR: `rabbitmqctl stop`, then SIGTERM/SIGKILL whatever of
# beam, the wrapper and our epmd is still alive (by recorded pid).  The
# node's epmd is ours (own port), so it is stopped too; a system epmd on
# 4369 is never touched.
mst_broker_stop() {
    local dir node
    dir=$(realpath -m "$1")
    [ -f "$dir/pids" ] || return 0
    node=$(cat "$dir/node" 2>/dev/null || true)
    if [ -n "$node" ] && [ -s "$dir/rabbitmq.pid" ]; then
        timeout 60 "$dir/bin/rabbitmqctl" -n "$node" -q stop "$dir/rabbitmq.pid" \
            >>"$dir/ctl.log" 2>&1 || true
    fi
    mst_kill_tracked "$dir/pids" 10
}

# mst_broker_stop_app DIR / mst_broker_start_app DIR: stop or start the
# RabbitMQ application inside the running node (clients are disconnected,
# the Erlang node stays) — for reconnect tests.
mst_broker_stop_app() {
    mst_broker_rabbitmqctl "$1" -n "$(cat "$1/node")" -q stop_app
}
mst_broker_start_app() {
    mst_broker_rabbitmqctl "$1" -n "$(cat "$1/node")" -q start_app
}

# ---------------------------------------------------------------- cluster

# mst_cluster_start DIR N BASE_PORT: a private N-node RabbitMQ cluster on
# loopback, node I in DIR/nodeI (the layout of mst_broker_start) with AMQP
# on BASE_PORT+I-1.  Ports, all bound to 127.0.0.1 (N+8 above 20000, so a
# cluster on BASE fits where brokers ten ports apart do):
#   BASE+I-1+20000        node I's Erlang distribution
#   BASE+N+20000          the cluster's own epmd (recorded in DIR/pids)
#   BASE+N+20001..+20004  rabbitmqctl's short-lived distribution ports
# The nodes share one cookie; nodes 2..N join node 1
# (stop_app, join_cluster, start_app).  Leaves DIR/urls, one amqp URL a line.
mst_cluster_start() {
    local dir n base epmd ctl i port node cookie
    dir=$(realpath -m "$1")
    n=$2
    base=$3
    epmd=$((base + n + 20000))
    ctl=$((epmd + 1))
    for ((i = 0; i < n; i++)); do
        for port in $((base + i)) $((base + i + 20000)); do
            mst_port_free "$port" || { mst_log "port $port is in use"; return 1; }
        done
    done
    mst_port_free "$epmd" || { mst_log "port $epmd is in use"; return 1; }
    rm -rf "$dir"
    mkdir -p "$dir"
    : >"$dir/pids"
    : >"$dir/urls"
    cookie=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
    for ((i = 1; i <= n; i++)); do
        port=$((base + i - 1))
        node="muster-cluster-$$-$port@localhost"
        _mst_node_layout "$dir/node$i" "$node" "$port" $((port + 20000)) "$epmd" "$ctl" $((ctl + 3))
        (umask 077 && printf '%s' "$cookie" >"$dir/node$i/home/.erlang.cookie")
        printf 'amqp://guest:guest@127.0.0.1:%s\n' "$port" >>"$dir/urls"
    done
    _mst_epmd_start "$dir" "$epmd" "$dir/pids"
    for ((i = 1; i <= n; i++)); do
        _mst_broker_launch "$dir/node$i" || { mst_cluster_stop "$dir"; return 1; }
    done
    local first
    first=$(cat "$dir/node1/node")
    for ((i = 2; i <= n; i++)); do
        node=$(cat "$dir/node$i/node")
        if ! { mst_broker_rabbitmqctl "$dir/node$i" -n "$node" -q stop_app &&
               mst_broker_rabbitmqctl "$dir/node$i" -n "$node" -q join_cluster "$first" &&
               mst_broker_rabbitmqctl "$dir/node$i" -n "$node" -q start_app; } \
                >>"$dir/node$i/ctl.log" 2>&1; then
            mst_log "node $node could not join $first; tail of $dir/node$i/ctl.log:"
            tail -n 20 "$dir/node$i/ctl.log" >&2 || true
            mst_cluster_stop "$dir"
            return 1
        fi
    done
    mst_log "cluster of $n nodes up on 127.0.0.1:$base..$((base + n - 1)) (dir $dir)"
}

# mst_cluster_stop DIR: stop every node of the cluster in DIR (by recorded
# pid, as mst_broker_stop), then its epmd.
mst_cluster_stop() {
    local dir node_dir
    dir=$(realpath -m "$1")
    for node_dir in "$dir"/node*; do
        [ -d "$node_dir" ] && mst_broker_stop "$node_dir"
    done
    mst_kill_tracked "$dir/pids" 10
}
