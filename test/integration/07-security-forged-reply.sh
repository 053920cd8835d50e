#!/bin/bash
# The client verifies replies: one signed with a client certificate, and
# one from a node certificate claiming another node's name, are shown as
# refused and make the exit status non-zero; the real replies still count.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 2
cert_for alice client
cert_for node9 server

# fake_node IDENTITY SENDER CERT_NAME: answers the next request, forged.
fake_node() {
    forge node "$MUSTER_TEST_URL" "$1" "$2" "$MST_CERT_DIR/$3.pem" "$MST_CERT_DIR/$3.key" 30 \
        >"$T/fake-$1.out" 2>&1 &
    mst_track "$!" "forge:$1"
    wait_for "grep -q 'queue bound' '$T/fake-$1.out'" 15 || fail "fake node $1 did not connect"
}

step "a reply signed with a client certificate"
fake_node fake1 fake1 alice
assert_exit 1 muster_cmd ping
assert_contains "$ERR" "refused a reply"
assert_contains "$ERR" "replies need a server certificate"
assert_contains "$OUT" "2 replies"
assert_not_contains "$OUT" "fake1"

step "a reply from node9's certificate claiming to be node1"
fake_node fake2 node1 node9
assert_exit 1 muster_cmd ping -j
assert_contains "$ERR" "claiming to be from node1 is signed by node9"
assert_eq 1 "$(jq -r .stats.invalid <<<"$OUT")" "invalid replies"
assert_eq 2 "$(jq -r .stats.responses <<<"$OUT")" "verified replies"
stop_daemons
