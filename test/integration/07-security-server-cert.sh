#!/bin/bash
# Nodes take requests only from client certificates: a request signed with
# a node's (server) certificate is refused.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
step "a request signed by node2's server certificate"
forge request "$T/r.bin" "$MST_CERT_DIR/node2.pem" "$MST_CERT_DIR/node2.key"
publish_raw "$T/r.bin"
expect_refused unverified 1 "with a server certificate"
stop_daemons
