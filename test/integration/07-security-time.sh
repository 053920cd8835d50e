#!/bin/bash
# Freshness: a request dated 10 minutes ahead, one older than its ttl plus
# the skew, and one with a ttl above security.max_ttl are refused.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
c=("$MST_CERT_DIR/client.pem" "$MST_CERT_DIR/client.key")
step "dated 10 minutes ahead"
forge request "$T/a.bin" "${c[@]}" none 600
publish_raw "$T/a.bin"
expect_refused expired 1 "dated 600 s in the future, node allows"
step "older than ttl + skew"
forge request "$T/b.bin" "${c[@]}" none -200 60
publish_raw "$T/b.bin"
expect_refused expired 2 "expired: request is [0-9]+ s old, node allows"
step "ttl above max_ttl"
forge request "$T/c.bin" "${c[@]}" none 0 7200
publish_raw "$T/c.bin"
expect_refused expired 3 "ttl 7200 s outside"
stop_daemons
