#!/bin/bash
# An envelope without signature and certificate is refused by every node.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
step "publish an unsigned request"
forge request "$T/r.bin" "$MST_CERT_DIR/client.pem" "$MST_CERT_DIR/client.key" unsigned
publish_raw "$T/r.bin"
expect_refused unverified 1 "unsigned message"
stop_daemons
