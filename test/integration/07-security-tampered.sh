#!/bin/bash
# A request changed after signing — its action, its filter or its reply
# queue — fails the signature check on every node (the filter is never
# evaluated, the reply queue never used).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

setup_signed 3
n=0
for m in payload filter reply_to; do
    step "publish a request whose $m changed after signing"
    forge request "$T/$m.bin" "$MST_CERT_DIR/client.pem" "$MST_CERT_DIR/client.key" "$m"
    publish_raw "$T/$m.bin"
    n=$((n + 1))
    expect_refused unverified "$n" "bad signature"
done
for i in 1 2 3; do
    assert_eq 3 "$(grep -c 'refused request .*bad signature' "$(daemon_log "$i")")" "node$i refusals"
done
stop_daemons
