#!/bin/bash
# Two overlapping one-shot runs: the first holds the store's lock while it
# waits for a broker that accepts TCP but never speaks AMQP; the second
# exits at once, status 3, saying another collect runs; the first then
# fails on its own (status 3) and releases the lock, and a run after it
# works.  A --follow collector holds the lock the same way.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/registration_lib.sh
. "$(dirname "$0")/registration_lib.sh"

reg_client_cfg

step "a silent broker on a port of our own"
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)  # accepted, never answered
' >"$T/silent.port" 2>"$T/silent.err" &
mst_track "$!" silent-broker
wait_for "[ -s '$T/silent.port' ]" 10 || fail "the silent listener did not start"
SLOW_CFG=$T/slow.cfg
cp "$CLIENT_CFG" "$SLOW_CFG"
set_cfg_urls "$SLOW_CFG" "amqp://guest:guest@127.0.0.1:$(cat "$T/silent.port")"

step "the first run takes the lock and hangs in the AMQP handshake"
"$MUSTER_BUILD/client/cli/muster" -c "$SLOW_CFG" collect --db "$DB" \
    >"$T/first.out" 2>"$T/first.err" &
first=$!
mst_track "$first" "collect:first"
wait_for "[ -e '$DB.lock' ]" 10 || fail "the first run made no lock file"

step "the second exits at once with a clear message"
assert_exit 3 collect
assert_contains "$ERR" "another muster collect is running"
assert_contains "$ERR" "$DB.lock"
kill -0 "$first" || fail "the first run ended before the second was refused"

step "the first fails on its own and releases the lock"
rc=0
wait "$first" || rc=$?
assert_eq 3 "$rc" "the first run's exit status"
assert_exit 0 collect

step "a --follow collector holds the lock too"
collector_start
# Read /proc/locks rather than try the lock: a probe that takes it, even
# for an instant, can make the collector starting meanwhile find it held.
lock_ino=$(stat -c %i "$DB.lock")
wait_for "grep -Eq 'FLOCK .* $COLLECTOR_PID [0-9a-f]+:[0-9a-f]+:$lock_ino ' /proc/locks" 15 ||
    fail "the --follow collector took no lock"
assert_exit 3 collect
assert_contains "$ERR" "another muster collect is running"
collector_stop
assert_exit 0 collect
