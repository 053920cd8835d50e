#!/bin/bash
# The connector on its own against the real broker: URL checks, login
# failures and fail-over, broadcast and direct round trips, returned
# mandatory publishes, oversized bodies, reconnection (test/tools/conn_probe.c).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

step "conn_probe self-test on $MUSTER_TEST_HOST:$MUSTER_TEST_PORT"
assert_exit 0 "$MUSTER_BUILD/test/tools/conn_probe" "$MUSTER_TEST_URL"
