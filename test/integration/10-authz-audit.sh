#!/bin/bash
# Authorisation by verified caller and the audit trail: alice may run every
# rpcutil action, bob only ping and inventory.  Allowed calls succeed and
# denied ones are refused on every node (policy file and line in the log,
# never in the reply); a policy edit plus SIGHUP changes the outcome; every
# request appears exactly once in every node's audit log with the right
# caller, decision and status; rotation (rename + SIGHUP) loses no line; a
# broken edit keeps the last good policy.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "${MST_SECURITY_PROVIDER:-x509}" = x509 ] || { echo "x509 only: skipped"; exit 77; }

P=$T/policy
mkdir -p "$P"
printf 'policy default deny\nallow\tcert=alice\t*\t*\t*\nallow\tcert=bob\tping inventory\t*\t*\n' \
    >"$P/rpcutil.policy"
for i in 1 2 3; do
    write_daemon_cfg "$i"
    printf 'authorization: { policy_dir = "%s"; default = "deny"; };\naudit: { file = "%s"; };\n' \
        "$P" "$T/node$i.audit" >>"$(daemon_cfg "$i")"
done
start_daemons 3
mst_write_config client "$T/alice.cfg" alice "$MUSTER_TEST_URL"
mst_write_config client "$T/bob.cfg" bob "$MUSTER_TEST_URL"
as() { local who=$1; shift; "$MUSTER_BUILD/client/cli/muster" -c "$T/$who.cfg" "$@"; }
ids=()   # request id, caller, decision, status of every request sent
note() { ids+=("$(jq -r .stats.request_id <<<"$OUT") $1 $2 $3"); }

step "alice may run daemon_stats on every node"
assert_exit 0 as alice rpc rpcutil daemon_stats -j
assert_eq 3 "$(jq -r .stats.ok <<<"$OUT")"
note cert=alice accepted 0

step "bob may ping"
assert_exit 0 as bob rpc rpcutil ping -j
assert_eq 3 "$(jq -r .stats.ok <<<"$OUT")"
note cert=bob accepted 0

step "bob may not run daemon_stats: refused on every node"
assert_exit 1 as bob rpc rpcutil daemon_stats -j
assert_eq 3 "$(jq -r .stats.failed <<<"$OUT")"
assert_eq "1 1 1" "$(jq -r '[.replies[].statuscode] | join(" ")' <<<"$OUT")"
assert_contains "$(jq -r '.replies[0].statusmsg' <<<"$OUT")" "unauthorised"
assert_not_contains "$OUT" "rpcutil.policy" "the policy file leaked into the reply"
note cert=bob denied 1
for i in 1 2 3; do
    grep -q "denied request .* from cert=bob@bob by $P/rpcutil.policy" "$(daemon_log "$i")" ||
        fail "node$i did not log the denial with its policy file"
done

step "a policy edit plus SIGHUP lets bob run daemon_stats"
printf 'policy default deny\nallow\tcert=alice\t*\t*\t*\nallow\tcert=bob\tping inventory daemon_stats\t*\t*\n' \
    >"$P/rpcutil.policy.new"
mv "$P/rpcutil.policy.new" "$P/rpcutil.policy"
for i in 1 2 3; do kill -HUP "$(daemon_pid "$i")"; done
assert_exit 0 as bob rpc rpcutil daemon_stats -j
assert_eq 3 "$(jq -r .stats.ok <<<"$OUT")"
note cert=bob accepted 0

step "a broken edit keeps the last good policy and says where"
printf 'policy default deny\nallow\tcert=alice\t*\t*\t*\npermit\tcert=bob\t*\t*\t*\n' \
    >"$P/rpcutil.policy.new"
mv "$P/rpcutil.policy.new" "$P/rpcutil.policy"
assert_exit 0 as bob rpc rpcutil daemon_stats -j
note cert=bob accepted 0
for i in 1 2 3; do
    grep -q "rpcutil.policy:3: first field must be allow or deny.*keeping the version loaded before" \
        "$(daemon_log "$i")" || fail "node$i did not report the broken line"
done

step "rotate the audit logs: rename, SIGHUP, more requests"
for i in 1 2 3; do
    mv "$T/node$i.audit" "$T/node$i.audit.1"
    kill -HUP "$(daemon_pid "$i")"
done
assert_exit 0 as alice rpc rpcutil inventory -j
note cert=alice accepted 0
assert_exit 0 as bob rpc rpcutil ping -j
note cert=bob accepted 0

step "every request is in every node's audit trail exactly once"
for i in 1 2 3; do
    [ -s "$T/node$i.audit" ] || fail "node$i wrote nothing after the rotation"
    all=$(cat "$T/node$i.audit.1" "$T/node$i.audit")
    for entry in "${ids[@]}"; do
        read -r id caller decision status <<<"$entry"
        lines=$(jq -c "select(.id == \"$id\")" <<<"$all")
        assert_eq 1 "$(grep -c . <<<"$lines")" "node$i audit lines for $id"
        assert_eq "$caller $decision $status" \
            "$(jq -r '"\(.caller) \(.decision) \(.status)"' <<<"$lines")" "node$i audit of $id"
    done
done

stop_daemons
