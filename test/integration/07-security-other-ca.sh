#!/bin/bash
# A well-signed request whose certificate comes from another CA is refused.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
step "a client certificate from a CA the nodes do not trust"
mst_cert_ensure "$T/other-ca" client client
forge request "$T/r.bin" "$T/other-ca/client.pem" "$T/other-ca/client.key"
publish_raw "$T/r.bin"
expect_refused unverified 1 "certificate not trusted: unable to get local issuer"
stop_daemons
