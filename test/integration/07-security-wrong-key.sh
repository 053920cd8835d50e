#!/bin/bash
# A request signed with a key that does not match the certificate it
# carries (a valid certificate of someone else) is refused.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
cert_for alice client
step "client.pem with alice's key"
forge request "$T/r.bin" "$MST_CERT_DIR/client.pem" "$MST_CERT_DIR/alice.key"
publish_raw "$T/r.bin"
expect_refused unverified 1 "bad signature"
stop_daemons
