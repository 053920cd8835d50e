#!/bin/bash
# A valid signed request runs once: the same bytes again (same AMQP
# properties, and from another connection with a different AMQP reply-to)
# are refused as replays.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
forge request "$T/r.bin" "$MST_CERT_DIR/client.pem" "$MST_CERT_DIR/client.key"
step "the same message twice on one connection"
publish_n "$T/r.bin" 2
expect_refused replayed 1 "seen before \(a replay\)"
step "the same bytes from a new connection (another AMQP reply-to)"
publish_raw "$T/r.bin"
expect_refused replayed 2 "seen before \(a replay\)"
for i in 1 2 3; do
    # the original ran: the log names the verified caller
    grep -q "request [0-9a-f]* rpcutil/ping from cert=client@forge" "$(daemon_log "$i")" ||
        fail "node$i did not run the original request once"
done
stop_daemons
