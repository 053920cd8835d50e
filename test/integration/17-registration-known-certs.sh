#!/bin/bash
# A one-shot collector remembers the node certificates it verified
# (inventory.known_certs): the next run trusts them from the store without
# a chain check (-v: "certificates: 2 known, 0 verified"); with the key
# off every run checks in full; a poll (--poll) remembers and trusts the
# certificates of the replies the same way; and once the CA file is replaced by
# another CA's, a known certificate is trusted no more: the registrations
# are refused and counted (over amqp:// only: over amqps:// the broker's
# certificate is the old CA's).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"
# shellcheck source=test/integration/registration_lib.sh
. "$(dirname "$0")/registration_lib.sh"

# queued: the messages waiting in this test's collector queue.
queued() {
    rabbitmqctl -q list_queues name messages | awk -v q="$REG_QUEUE" '$1 == q {print $2}'
}

# The collector's CA file and certificate are copies of its own, so that
# this test can replace them.
reg_client_cfg
mkdir -p "$T/pki"
cp "$MST_CERT_DIR/ca.pem" "$MST_CERT_DIR/client.pem" "$MST_CERT_DIR/client.key" "$T/pki/"
sed -i "s|$MST_CERT_DIR/|$T/pki/|g" "$CLIENT_CFG"
assert_exit 0 collect # declares the queue
reg_daemons 2 2
collect_until 2 || fail "the store holds $(stored_count) nodes, expected 2"
assert_eq 2 "$(sqlite3 "$DB" 'SELECT count(*) FROM known_certs')" "known certificates"

step "the next one-shot run trusts both certificates from the store"
wait_for "[ \"\$(queued)\" -ge 4 ]" 20 || fail "the nodes did not register again"
assert_exit 0 collect -v
assert_contains "$OUT" "certificates: 2 known, 0 verified"
assert_contains "$OUT" "refused 0"

step "inventory.known_certs = false checks every certificate in full"
sed 's/^inventory: {/inventory: { known_certs = false;/' "$CLIENT_CFG" >"$T/off.cfg"
wait_for "[ \"\$(queued)\" -ge 4 ]" 20 || fail "the nodes did not register again"
CLIENT_CFG=$T/off.cfg assert_exit 0 collect -v
assert_contains "$OUT" "certificates: 0 known, 0 verified"
assert_contains "$OUT" "refused 0"

step "a poll remembers the certificates of the replies and trusts them next time"
sqlite3 "$DB" 'DELETE FROM known_certs'
assert_exit 0 collect --poll -v
assert_contains "$OUT" "stored 2,"
assert_contains "$OUT" "certificates: 0 known, 2 verified"
assert_eq 2 "$(sqlite3 "$DB" 'SELECT count(*) FROM known_certs')" "known certificates after a poll"
assert_exit 0 collect --poll -v
assert_contains "$OUT" "certificates: 2 known, 0 verified"

# Over amqps:// the collector would refuse the broker's certificate (the
# old CA's) first.
if [[ $MUSTER_TEST_URL == amqp://* ]]; then
    step "a new CA file trusts nothing the old one verified"
    bin=$MUSTER_BUILD/client/cli/muster
    "$bin" cert init "$T/newca" >/dev/null
    "$bin" cert issue "$T/newca" client --client >/dev/null
    cp "$T/newca/ca.pem" "$T/newca/client.pem" "$T/newca/client.key" "$T/pki/"
    wait_for "[ \"\$(queued)\" -ge 2 ]" 20 || fail "the nodes did not register again"
    assert_exit 1 collect -v
    assert_contains "$OUT" "certificates: 0 known, 0 verified"
    assert_contains "$OUT" "stored 0,"
    refused=$(printf '%s\n' "$OUT" | sed -n 's/.*refused \([0-9]*\),.*/\1/p')
    [ "${refused:-0}" -ge 2 ] || fail "refused $refused registrations, expected 2 or more"
    assert_contains "$ERR" "certificate not trusted"
fi
stop_daemons
