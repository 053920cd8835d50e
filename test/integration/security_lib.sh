# shellcheck shell=bash
# test/integration/security_lib.sh — helpers for 07-security-*.sh, sourced
# after lib.sh.  Every such test starts daemons with the x509 provider,
# publishes one kind of bad request with mst_forge/mst_publish, and checks
# that each daemon refused it (counter + log line), then that a legitimate
# ping still gets every reply.

[ "${MST_SECURITY_PROVIDER:-x509}" = x509 ] || {
    echo "SKIP: security tests need MST_SECURITY_PROVIDER=x509"
    exit 77
}

# forge ARGS...: test/tools/mst_forge
forge() { "$MUSTER_BUILD/test/tools/mst_forge" "$@"; }

# cert_for NAME client|server [issue options]: make NAME's certificate in
# MST_CERT_DIR if missing; prints nothing.
cert_for() { mst_cert_ensure "$MST_CERT_DIR" "$@"; }

# publish_n FILE COUNT: the same message COUNT times on one connection.
publish_n() {
    "$MUSTER_BUILD/test/tools/mst_publish" "$MUSTER_TEST_URL" muster.broadcast '' "$1" "$2"
}

# stat_of I NAME: counter NAME of node I from rpcutil daemon_stats.
stat_of() {
    muster_cmd rpc rpcutil daemon_stats -I "node$1" -j | jq -r ".replies[0].data.$2"
}

# expect_refused COUNTER N LOG_ERE [NODES]: on nodes 1..NODES (default 3)
# COUNTER reaches N and the log has a "refused request" line matching ERE;
# then a ping gets NODES replies.
expect_refused() {
    local counter=$1 n=$2 re=$3 nodes=${4:-3} i
    for ((i = 1; i <= nodes; i++)); do
        wait_for "[ \"\$(stat_of $i $counter)\" = $n ]" 15 ||
            fail "node$i: $counter is $(stat_of "$i" "$counter"), expected $n"
        grep -E "refused request .*$re" "$(daemon_log "$i")" >/dev/null ||
            fail "node$i logged no refusal matching /$re/"
    done
    assert_exit 0 muster_cmd ping
    assert_contains "$OUT" "$nodes replies"
}

# setup_signed N: N daemons, the client config, and MST_CERT_DIR set.
setup_signed() {
    start_daemons "${1:-3}"
    write_client_cfg
    : "${MST_CERT_DIR:?}"
}
