#!/bin/bash
# kill -9 of `muster collect` in the middle of a run: 3,000 registrations
# from as many identities (bench_registration --publish-only) in batches
# of 50; the collector is killed once some batches are in.  The store is
# intact (SQLite's integrity check) and a second run completes it: every
# node is there, and the queue is empty.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/registration_lib.sh
. "$(dirname "$0")/registration_lib.sh"

K=3000
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3"; exit 77; }
# The bench's nodes have a CA of their own, which then is also the
# collector's TLS CA (security.ca): it cannot verify the test broker.
[[ $MUSTER_TEST_URL == amqps://* ]] && { echo "SKIP: the bench CA is not the broker's"; exit 77; }
CLIENT_CFG=$T/bench-client.cfg
step "publish $K registrations"
"$MUSTER_BUILD/bench/bench_registration" -n "$K" -u "$MUSTER_TEST_URL" \
    --queue "$REG_QUEUE" --config-out "$CLIENT_CFG" --publish-only >"$T/bench.out" ||
    fail "bench_registration could not publish"
sed -i 's/^inventory: {\(.*\) };$/inventory: {\1 batch = 50; };/' "$CLIENT_CFG"
grep -q 'batch = 50' "$CLIENT_CFG" || fail "no inventory section in $CLIENT_CFG"

step "kill -9 once some batches are committed"
collect_bg >"$T/first.out" 2>&1
first=$!
mst_track "$first" "collect:first"
wait_for "[ \"\$(stored_count)\" -gt 0 ]" 30 || fail "nothing was stored"
kill -KILL "$first"
rc=0
wait "$first" || rc=$?
assert_eq 137 "$rc" "the first run was still running when killed"
before=$(stored_count)
echo "stored before the kill: $before of $K"

step "the store is intact; a second run completes it"
assert_eq ok "$(sqlite3 "$DB" 'PRAGMA integrity_check;')" "integrity check"
assert_exit 0 collect
assert_eq "$K" "$(stored_count)" "nodes stored after the second run"
assert_eq fleet03000 "$(stored | tail -n 1)" "the last node"
assert_eq 0 "$(rabbitmqctl -q list_queues name messages | awk -v q="$REG_QUEUE" '$1 == q {print $2}')" "left in the queue"
