#!/bin/bash
# An audit trail that cannot be written (a full disk: /dev/full) is logged
# and counted; node1 (audit.required = false) goes on serving, node2
# (audit.required = true) refuses requests until it can write again.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for i in 1 2; do
    write_daemon_cfg "$i"
done
printf 'audit: { file = "/dev/full"; };\n' >>"$(daemon_cfg 1)"
printf 'audit: { file = "/dev/full"; required = true; };\n' >>"$(daemon_cfg 2)"
start_daemons 2
write_client_cfg

step "the first request is served by both (the trail was open and writable)"
assert_exit 0 muster_cmd rpc rpcutil ping -j
assert_eq 2 "$(jq -r .stats.ok <<<"$OUT")"

step "then node1 serves unaudited and node2 refuses"
assert_exit 1 muster_cmd rpc rpcutil ping -j
assert_eq "node1" "$(jq -r '[.replies[] | select(.statuscode == 0) | .sender] | join(" ")' <<<"$OUT")"
assert_eq "node2" "$(jq -r '[.replies[] | select(.statuscode == 1) | .sender] | join(" ")' <<<"$OUT")"
assert_contains "$(jq -r '.replies[] | select(.sender == "node2") | .statusmsg' <<<"$OUT")" \
    "cannot write its audit trail"

step "node1 counts the lost lines in daemon_stats and logged the outage once"
assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I node1 -j
[ "$(jq -r '.replies[0].data.audit_failed' <<<"$OUT")" -ge 2 ] || fail "audit_failed not counted"
assert_eq 1 "$(grep -c 'audit log /dev/full: No space left on device; requests go on unaudited' "$(daemon_log 1)")"
grep -q 'requests are refused until it works again' "$(daemon_log 2)" ||
    fail "node2 did not log that it refuses requests"

stop_daemons
