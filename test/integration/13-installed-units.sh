#!/bin/bash
# The systemd units as `meson install` puts them (issue 12 point 3): in
# <prefix>/lib/systemd/system (or -Dsystemdunitdir), naming the installed
# programs and configuration, and `systemd-analyze verify` finds nothing
# to say about them, run where they are installed (installed-exec), so
# that it checks the ExecStart programs exist.  A copy with a misspelt key
# is reported, so the silence means something.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || { echo "no systemd-analyze here: skipped"; exit 77; }
installed_possible || { echo "no mount namespace with overlayfs here (needs root): skipped"; exit 77; }

ROOT=$T/root
step "meson install --destdir of the build under test"
meson install -C "$MUSTER_BUILD" --destdir "$ROOT" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
    { tail -n 20 "$T/install.log" >&2; fail "meson install failed"; }
opts=$(meson introspect "$MUSTER_BUILD" --buildoptions)
opt() { jq -r --arg n "$1" '.[] | select(.name == $n) | .value' <<<"$opts"; }
prefix=$(opt prefix)
unitdir=$(opt systemdunitdir)
[ -n "$unitdir" ] || unitdir=$prefix/lib/systemd/system
UNITS=("$unitdir/musterd.service" "$unitdir/muster-collect.service" "$unitdir/muster-collect.timer")
for u in "${UNITS[@]}"; do
    [ -f "$ROOT$u" ] || fail "no $u installed"
done

step "the units name the installed programs and configuration"
sbindir=$(opt sbindir) bindir=$(opt bindir) sysconfdir=$(opt sysconfdir)
case $sysconfdir in /*) ;; *) sysconfdir=$prefix/$sysconfdir ;; esac
assert_contains "$(cat "$ROOT${UNITS[0]}")" "ExecStart=$prefix/$sbindir/musterd -c $sysconfdir/muster/server.cfg"
assert_contains "$(cat "$ROOT${UNITS[1]}")" "ExecStart=$prefix/$bindir/muster -c $sysconfdir/muster/client.cfg collect"
[ -x "$ROOT$prefix/$sbindir/musterd" ] || fail "the unit's musterd is not installed"

step "systemd-analyze verify: nothing to say"
assert_exit 0 installed_exec "$ROOT" systemd-analyze verify --man=no "${UNITS[@]}"
assert_eq "" "$OUT$ERR" "what systemd-analyze verify says of the installed units"

step "the same check on a unit with a misspelt key reports it"
sed 's/^PrivateTmp=yes/PrivateTmpp=yes/' "$ROOT${UNITS[0]}" >"$T/musterd.service"
installed_exec "$ROOT" systemd-analyze verify --man=no "$T/musterd.service" >"$T/bad.out" 2>&1 || true
assert_contains "$(cat "$T/bad.out")" "PrivateTmpp"
