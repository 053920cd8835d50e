#!/bin/bash
# One caller flooding a node is held to security.max_requests_per_s and
# told so ("rate limited", every request answered), while another caller
# is still served and the replay cache never fills.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

MST_SECURITY_EXTRA='max_requests_per_s = 5;' start_daemons 1
write_client_cfg
node=$(daemon_name 1)
other_cfg="$T/client2.cfg"
mst_write_config client "$other_cfg" client2 "$MUSTER_TEST_URL"

step "200 pipelined pings from one caller: all answered, most refused"
assert_exit 0 "$MUSTER_BUILD/bench/bench_rpc" "$CLIENT_CFG" pipe "$node" 200 64
grep -E "refused request .* from cert=client@.*: rate limited: caller cert=client over 5 requests/s" \
    "$(daemon_log 1)" >/dev/null || fail "$node logged no rate-limit refusal"

step "another caller is still served, and can read the counters"
CLIENT_CFG=$other_cfg
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "1 replies"
limited=$(stat_of 1 rate_limited)
[ "$limited" -gt 0 ] || fail "rate_limited is $limited, expected some of 200"
assert_eq "$(stat_of 1 replay_full)" 0
stop_daemons
