#!/bin/bash
# Refusals reach the operator: a client whose clock is 10 minutes ahead
# (faketime) is answered by every node with the reason, shown by the
# client, which exits non-zero; the nodes count and log the refusal.  A
# client whose certificate the nodes cannot verify gets no answer, and is
# told on one line what the likely causes are.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

command -v faketime >/dev/null || { echo "no faketime here: skipped"; exit 77; }

# The client as muster_cmd runs it, with its wall clock `$1` off.
muster_at() {
    local offset=$1
    shift
    at_time "$offset" "$MUSTER_BUILD/client/cli/muster" -c "$CLIENT_CFG" "$@"
}

setup_signed 2
reason="expired: request is dated 60[0-9] s in the future, node allows [0-9]+ s \(check the client's clock\)"

step "ping from a clock 10 minutes ahead: each node says why"
assert_exit 1 muster_at +600s ping --dt 2
for i in 1 2; do
    grep -E "^$(daemon_name "$i") .*$reason" <<<"$OUT" >/dev/null ||
        fail "no refusal reason from $(daemon_name "$i") in: $OUT"
done
assert_not_contains "$ERR" "no responses received"

step "rpc likewise, and the nodes counted and logged it"
assert_exit 1 muster_at +600s rpc rpcutil ping --dt 2
grep -Ec "$reason" <<<"$OUT" | grep -qx 2 || fail "expected 2 reasons in: $OUT"
expect_refused expired 2 "$reason" 2

step "the same client with a right clock is answered"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "2 replies"

# Over amqps:// the broker would refuse the foreign certificate first.
if [ "${MST_SECURITY_PROVIDER:-x509}" = x509 ] &&
    [[ $MUSTER_TEST_URL == amqp://* ]]; then
    step "a client of another CA meets silence, and is told the likely causes"
    other_cfg="$T/other-ca-client.cfg"
    (MST_CERT_DIR="$T/other-ca" &&
        mst_write_config client "$other_cfg" client "$MUSTER_TEST_URL")
    assert_exit 1 "$MUSTER_BUILD/client/cli/muster" -c "$other_cfg" ping --dt 1
    assert_contains "$ERR" "no responses received: "
    assert_contains "$ERR" "certificates from another CA"
    assert_not_contains "$OUT" "expired"
    expect_refused unverified 1 "certificate not trusted" 2
fi
stop_daemons
