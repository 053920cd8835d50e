#!/bin/bash
# Registrations that must not be stored: one signed with a client
# certificate, one from node9's certificate claiming to be node1, and
# bytes that are no registration.  Each is refused, logged on stderr and
# counted; node1's real registration is stored with its real facts.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"
# shellcheck source=test/integration/registration_lib.sh
. "$(dirname "$0")/registration_lib.sh"

reg_client_cfg
cert_for alice client
cert_for node9 server
assert_exit 0 collect # declares the queue
reg_daemons 1 60
collect_until 1 || fail "node1 was not stored"

step "three forgeries in the queue"
forge registration "$MUSTER_TEST_URL" alice "$MST_CERT_DIR/alice.pem" "$MST_CERT_DIR/alice.key"
forge registration "$MUSTER_TEST_URL" node1 "$MST_CERT_DIR/node9.pem" "$MST_CERT_DIR/node9.key"
publish_raw -e muster.registration 'de00'
wait_for "[ \"\$(rabbitmqctl -q list_queues name messages | awk -v q='$REG_QUEUE' '\$1 == q {print \$2}')\" -ge 3 ]" 15 ||
    fail "the forgeries did not reach $REG_QUEUE"

step "refused, counted, logged, never stored"
assert_exit 1 collect -v
assert_contains "$OUT" "refused 3"
assert_contains "$ERR" "registration refused"
assert_contains "$ERR" "server certificate"
assert_contains "$ERR" "claiming to be from node1 is signed by node9"
assert_eq node1 "$(stored)" "identities in the store"
assert_eq null "$(stored_fact node1 forged)" "node1's facts are its own"
assert_eq web "$(stored_fact node1 role)" "node1's role"

step "the next run has nothing to refuse"
assert_exit 0 collect
stop_daemons
