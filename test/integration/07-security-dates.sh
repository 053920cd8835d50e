#!/bin/bash
# Requests signed with an expired and with a not-yet-valid certificate
# from the site CA are refused.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
cert_for expired-client client --start-days -10 --days 1
cert_for future-client client --start-days 10
step "expired certificate"
forge request "$T/e.bin" "$MST_CERT_DIR/expired-client.pem" "$MST_CERT_DIR/expired-client.key"
publish_raw "$T/e.bin"
expect_refused unverified 1 "certificate has expired"
step "not-yet-valid certificate"
forge request "$T/f.bin" "$MST_CERT_DIR/future-client.pem" "$MST_CERT_DIR/future-client.key"
publish_raw "$T/f.bin"
expect_refused unverified 2 "certificate is not yet valid"
stop_daemons
