#!/bin/bash
# The install layout works as installed (issue 12 point 1): `meson install
# --destdir` of the build under test, run through installed_exec so that
# every compiled-in path (default config, agents.dir, ddl_path) is where
# the build put it.  With no ddl_path, no agents.dir and no MUSTER_*
# variable: the installed `muster help` lists every standard agent, and
# `muster rpc package status package=dpkg` is answered by the installed
# musterd from its installed plugin, both checking the installed DDLs.
# The sample configuration, policies, facts.d/, /var/lib/muster and
# /var/log/muster are installed too.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

installed_possible || { echo "no mount namespace with overlayfs here (needs root): skipped"; exit 77; }
unset MUSTER_DDL_PATH MUSTER_CONFIG
# A user's own ~/.config/muster/client.cfg must not stand in for the
# installed one.
export HOME=$T/home
mkdir -p "$HOME"

ROOT=$T/root
step "meson install --destdir of the build under test"
meson install -C "$MUSTER_BUILD" --destdir "$ROOT" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
    { tail -n 20 "$T/install.log" >&2; fail "meson install failed"; }
# dir NAME: the installed path of meson's directory option NAME.
opts=$(meson introspect "$MUSTER_BUILD" --buildoptions)
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' <<<"$opts")
dir() {
    local v
    v=$(jq -r --arg n "$1" '.[] | select(.name == $n) | .value' <<<"$opts")
    case $v in /*) printf '%s\n' "$v" ;; *) printf '%s/%s\n' "$prefix" "$v" ;; esac
}
BIN=$(dir bindir)/muster
SBIN=$(dir sbindir)/musterd
AGENTS=$(dir libdir)/muster/agents
DDLS=$(dir datadir)/muster/ddl
CONF=$(dir sysconfdir)/muster
STATE=$(dir localstatedir)

step "every standard agent: plugin and DDL in agents.dir, DDL in the client's ddl_path"
std=()
for j in "$MST_ROOT"/agents/*/*.json; do
    a=$(basename "$j" .json)
    [ "$(basename "$(dirname "$j")")" = "$a" ] || continue # examples/, common/
    std+=("$a")
    [ -f "$ROOT$DDLS/$a.json" ] || fail "no $DDLS/$a.json installed"
    cmp -s "$j" "$ROOT$DDLS/$a.json" || fail "$DDLS/$a.json is not agents/$a/$a.json"
    [ "$a" = rpcutil ] && continue # built into musterd
    [ -f "$ROOT$AGENTS/$a.so" ] || fail "no $AGENTS/$a.so installed"
    cmp -s "$j" "$ROOT$AGENTS/$a.json" || fail "$AGENTS/$a.json is not agents/$a/$a.json"
done
[ ${#std[@]} -ge 8 ] || fail "only ${#std[@]} standard agents found in agents/: ${std[*]}"

step "sample configuration, policies, facts.d/, state and log directories"
for f in server.cfg client.cfg policy/rpcutil.policy policy/service.policy policy/groups; do
    cmp -s "$MST_ROOT/conf/$f" "$ROOT$CONF/$f" || fail "$CONF/$f is not conf/$f"
done
for d in "$CONF/facts.d" "$STATE/lib/muster" "$STATE/log/muster"; do
    [ -d "$ROOT$d" ] || fail "no directory $d installed"
done
[ -f "$ROOT$(dir sysconfdir)/logrotate.d/muster" ] || fail "no logrotate.d/muster installed"

step "the installed muster help, with no ddl_path anywhere, lists every standard agent"
assert_exit 0 installed_exec "$ROOT" "$BIN" help
for a in "${std[@]}"; do
    grep -Eq "^  $a " <<<"$OUT" || fail "muster help does not list $a: $OUT"
done
assert_contains "$OUT" "Searched: $DDLS"
assert_exit 0 installed_exec "$ROOT" "$BIN" help package
assert_contains "$OUT" "status"

step "the installed musterd loads the standard agents from its default agents.dir"
MST_DAEMON_RUNNER="$INSTALLED_EXEC $ROOT" MST_MUSTERD=$SBIN start_daemon 1
grep -q 'agents' "$(daemon_cfg 1)" && fail "the daemon's configuration names agents.dir"
assert_eq "$SBIN" "$(readlink "/proc/$(daemon_pid 1)/exe")" "the daemon runs the installed binary"
assert_contains "$(cat "$(daemon_log 1)")" "agent package"
assert_contains "$(grep 'agent package' "$(daemon_log 1)")" "($AGENTS/package.so)"

step "the installed muster rpc package status package=dpkg, no ddl_path"
# shellcheck disable=SC2119  # the default file, $CLIENT_CFG
write_client_cfg
sed -i '/^ddl_path/d' "$CLIENT_CFG"
grep -q ddl_path "$CLIENT_CFG" && fail "the client's configuration names a ddl_path"
v=$(dpkg-query -W -f='${Version}' dpkg)
assert_exit 0 installed_exec "$ROOT" "$BIN" -c "$CLIENT_CFG" rpc package status package=dpkg -I node1 -j
assert_eq "installed $v" "$(jq -r '.replies[0].data | "\(.status) \(.version)"' <<<"$OUT")"
# The client checks inputs against the installed DDL before sending.
assert_exit 2 installed_exec "$ROOT" "$BIN" -c "$CLIENT_CFG" rpc package status 'package=no such' -I node1
assert_contains "$ERR" "package"

stop_daemons
