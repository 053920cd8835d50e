#!/bin/bash
# actionpolicy groups and caller forms on real daemons: a regex caller
# (/cert=.+_admin/) may run everything, the members of the group "ops" of
# POLICY_DIR/groups (one as cert=, one as Choria's choria=NAME.mcollective)
# only ping; anyone else is denied, with "unauthorised" in the reply and the
# deciding file and line in the daemon's log.  A groups edit plus SIGHUP
# changes the outcome; a broken groups edit keeps the last good groups and
# logs file:line; a groups file that never parsed denies everyone.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "${MST_SECURITY_PROVIDER:-x509}" = x509 ] || { echo "x509 only: skipped"; exit 77; }

P=$T/policy
mkdir -p "$P"
printf 'policy default deny\nallow\t/^cert=.+_admin$/\t*\t*\t*\nallow\tops\tping\t*\t*\n' \
    >"$P/rpcutil.policy"
printf '# who runs the fleet\nops cert=carol choria=dave.mcollective\n' >"$P/groups"
for i in 1 2; do
    write_daemon_cfg "$i"
    printf 'authorization: { policy_dir = "%s"; default = "deny"; };\n' "$P" \
        >>"$(daemon_cfg "$i")"
done
start_daemons 2
for who in db_admin carol dave erin; do
    mst_write_config client "$T/$who.cfg" "$who" "$MUSTER_TEST_URL"
done
as() { local who=$1; shift; "$MUSTER_BUILD/client/cli/muster" -c "$T/$who.cfg" "$@"; }
denied_everywhere() {
    assert_exit 1 as "$1" rpc rpcutil "$2" -j
    assert_eq 2 "$(jq -r .stats.failed <<<"$OUT")"
    assert_contains "$(jq -r '.replies[0].statusmsg' <<<"$OUT")" "unauthorised"
    assert_not_contains "$OUT" "rpcutil.policy" "the policy file leaked into the reply"
}
hup_all() { for i in 1 2; do kill -HUP "$(daemon_pid "$i")"; done; }
logged_everywhere() {
    for i in 1 2; do
        grep -q "$1" "$(daemon_log "$i")" || fail "node$i did not log: $1"
    done
}

step "the regex caller /^cert=.+_admin\$/ may run daemon_stats"
assert_exit 0 as db_admin rpc rpcutil daemon_stats -j
assert_eq 2 "$(jq -r .stats.ok <<<"$OUT")"

step "carol (cert= in the group ops) may ping, not run daemon_stats"
assert_exit 0 as carol rpc rpcutil ping -j
assert_eq 2 "$(jq -r .stats.ok <<<"$OUT")"
denied_everywhere carol daemon_stats
logged_everywhere "denied request .* rpcutil/daemon_stats from cert=carol@carol by $P/rpcutil.policy: policy default"

step "dave (choria=dave.mcollective in ops) may ping"
assert_exit 0 as dave rpc rpcutil ping -j
assert_eq 2 "$(jq -r .stats.ok <<<"$OUT")"

step "erin is in no group: denied"
denied_everywhere erin ping
logged_everywhere "denied request .* rpcutil/ping from cert=erin@erin by $P/rpcutil.policy: policy default"

step "a groups edit plus SIGHUP lets erin ping"
printf 'ops cert=carol choria=dave.mcollective cert=erin\n' >"$P/groups.new"
mv "$P/groups.new" "$P/groups"
hup_all
assert_exit 0 as erin rpc rpcutil ping -j
assert_eq 2 "$(jq -r .stats.ok <<<"$OUT")"

step "a broken groups edit keeps the last good groups and says where"
printf 'ops cert=carol\nadmins uid=500\n' >"$P/groups.new"
mv "$P/groups.new" "$P/groups"
hup_all
assert_exit 0 as erin rpc rpcutil ping -j
assert_eq 2 "$(jq -r .stats.ok <<<"$OUT")"
logged_everywhere "$P/groups:2: group 'admins': 'uid=500' is a unix-uid caller.*keeping the version loaded before"

step "the fixed groups file is read again: erin is out"
printf 'ops cert=carol\n' >"$P/groups.new"
mv "$P/groups.new" "$P/groups"
hup_all
denied_everywhere erin ping

step "a policy naming a uid caller is refused with file:line, the last good one stays"
printf 'policy default deny\nallow\tuid=500\t*\t*\t*\n' >"$P/rpcutil.policy.new"
mv "$P/rpcutil.policy.new" "$P/rpcutil.policy"
assert_exit 0 as carol rpc rpcutil ping -j
logged_everywhere "rpcutil.policy:2: CALLERS: 'uid=500' is a unix-uid caller.*keeping the version loaded before"

step "a groups file that never parsed denies everyone (fail closed)"
rm "$P/groups"
denied_everywhere carol ping # no groups file: ops names nobody
logged_everywhere "rpcutil.policy:3: group 'ops' is not defined in $P/groups, so it matches nobody"
assert_exit 0 as db_admin rpc rpcutil daemon_stats -j
printf 'ops cert=carol\nbad!name cert=erin\n' >"$P/groups"
denied_everywhere db_admin daemon_stats
logged_everywhere "$P/groups:2: 'bad!name' is not a group name.*denying every request until it is fixed"
logged_everywhere "denied request .* from cert=db_admin@db_admin by $P/groups does not parse (fail closed)"

stop_daemons
