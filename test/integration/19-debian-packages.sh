#!/bin/bash
# The Debian packages as a site gets them (issue 12 points 2, 3 and 7):
# scripts/package builds them with dpkg-buildpackage from a copy of the
# tree and lintian finds no error and no unexplained warning; each package
# holds what it should, /etc files are conffiles; the units pass
# `systemd-analyze verify`.  Then everything runs through installed-exec,
# which lays a root over the machine's /etc, /usr and /var with throw-away
# upper layers (nothing reaches the real ones): `dpkg -i` of the packages
# (their dependencies met, their maintainer scripts make the user muster,
# /var/lib/muster and /var/log/muster; a site's edit of server.cfg
# survives a reinstall; purge removes the logs and the conffiles); the
# packaged musterd, installed so and started by its unit's ExecStart with
# the packaged /etc/muster/server.cfg (only the broker URL changed; its
# certificate where that file says), reports READY=1 on $NOTIFY_SOCKET;
# the packaged muster (dpkg-deb -x), with the packaged client.cfg, lists
# every agent and pings it; the packaged policies refuse what they do not
# allow; `muster rpc package update package=musterd` hands the upgrade to
# systemd-run (a stand-in here), out of the daemon's way.
#
# Building takes a while: with MUSTER_DEB_DIR set (scripts/test sets it
# for the whole run), the packages built for this very source are reused.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in dpkg-buildpackage dpkg-deb lintian fakeroot python3; do
    command -v "$tool" >/dev/null || { echo "no $tool here: skipped"; exit 77; }
done
(cd "$MST_ROOT" && dpkg-checkbuilddeps -B) >"$T/builddeps.txt" 2>&1 ||
    { cat "$T/builddeps.txt"; echo "build dependencies missing: skipped"; exit 77; }
installed_possible || { echo "no mount namespace with overlayfs here (needs root): skipped"; exit 77; }
unset MUSTER_DDL_PATH MUSTER_CONFIG
# What the packages would make on this machine, had anything leaked out of
# the root: checked again at the end.
outside() { ls -d /etc/muster /var/lib/muster /var/log/muster 2>/dev/null || true; getent passwd muster || true; }
outside_before=$(outside)
export HOME=$T/home
mkdir -p "$HOME"

step "scripts/package: dpkg-buildpackage -us -uc -b, then lintian"
DEBS=${MUSTER_DEB_DIR:-$T/debs}
mkdir -p "$DEBS"
# What the packages are built from: every file scripts/package copies.
sum=$(cd "$MST_ROOT" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 sha256sum 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$(cat "$DEBS/source.sha256" 2>/dev/null)" != "$sum" ]; then
    rm -f "$DEBS/source.sha256"
    "$MST_ROOT/scripts/package" "$DEBS" >"$T/package.log" 2>&1 ||
        { tail -n 40 "$T/package.log" >&2; fail "scripts/package failed"; }
    echo "$sum" >"$DEBS/source.sha256"
else
    echo "packages of this source already in $DEBS"
fi
grep -E '^[EW]: ' "$DEBS/lintian.txt" && fail "lintian errors or warnings (see above)"
deb() {
    local f
    f=$(find "$DEBS" -maxdepth 1 -name "$1_*.deb" -print -quit)
    [ -n "$f" ] || fail "no $1 package in $DEBS"
    printf '%s\n' "$f"
}
PKGS=(musterd muster-client libmusterclient0 libmusterclient-dev muster-agent-dev)

step "each package holds its part"
# has PACKAGE PATH-REGEX...: the package has a file matching each.
has() {
    local p=$1 list
    shift
    list=$(dpkg-deb -c "$(deb "$p")" | awk '{print $6}')
    for re in "$@"; do
        grep -Eq "^\.$re\$" <<<"$list" || fail "$p has no file matching $re"
    done
}
has musterd /usr/sbin/musterd '/usr/lib/[^/]+/muster/agents/package\.so' \
    '/usr/lib/[^/]+/muster/agents/package\.json' /etc/muster/server.cfg \
    /etc/muster/policy/rpcutil.policy /etc/muster/facts.d/ \
    /etc/logrotate.d/muster /lib/systemd/system/musterd.service
has muster-client /usr/bin/muster /usr/share/muster/ddl/package.json \
    /usr/share/muster/ddl/rpcutil.json /etc/muster/client.cfg \
    /lib/systemd/system/muster-collect.service /lib/systemd/system/muster-collect.timer \
    /usr/share/doc/muster-client/examples/muster-collect.cron
has libmusterclient0 '/usr/lib/[^/]+/libmusterclient\.so\.0'
has libmusterclient-dev /usr/include/muster/client.h '/usr/lib/[^/]+/libmusterclient\.so' \
    '/usr/lib/[^/]+/pkgconfig/muster-client.pc'
has muster-agent-dev /usr/include/muster/agent.h /usr/include/muster/status.h \
    /usr/share/pkgconfig/muster-agent.pc

step "configuration files are conffiles: dpkg never overwrites a site's edits"
conffiles() { dpkg-deb -I "$(deb "$1")" conffiles; }
for f in /etc/muster/server.cfg /etc/muster/policy/rpcutil.policy \
    /etc/muster/policy/service.policy /etc/muster/policy/groups /etc/logrotate.d/muster; do
    grep -qx "$f" <<<"$(conffiles musterd)" || fail "$f is not a conffile of musterd"
done
grep -qx /etc/muster/client.cfg <<<"$(conffiles muster-client)" ||
    fail "/etc/muster/client.cfg is not a conffile of muster-client"

ROOT=$T/root
step "dpkg-deb -x of every package into $ROOT"
DEB_FILES=()
for p in "${PKGS[@]}"; do
    DEB_FILES+=("$(deb "$p")")
    dpkg-deb -x "$(deb "$p")" "$ROOT"
done
UNIT=$ROOT/lib/systemd/system/musterd.service

step "the units: systemd-analyze verify, and what they promise"
if command -v systemd-analyze >/dev/null; then
    # It exits 0 on an unknown key too, with a warning: a clean unit says nothing.
    assert_exit 0 installed_exec "$ROOT" systemd-analyze verify --man=no "$UNIT" \
        "$ROOT/lib/systemd/system/muster-collect.service" "$ROOT/lib/systemd/system/muster-collect.timer"
    assert_eq "" "$OUT$ERR" "what systemd-analyze verify says of the packaged units"
else
    echo "no systemd-analyze here: not verified"
fi
grep -qx 'Type=notify' "$UNIT" || fail "musterd.service is not Type=notify"
grep -qx 'ConditionPathExists=/etc/muster/ssl/server.pem' "$UNIT" ||
    fail "musterd.service would start before the node has its certificate"
# shellcheck disable=SC2016  # systemd's $MAINPID, literally
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNIT" || fail "musterd.service: no SIGHUP reload"
grep -q 'systemctl kill .*--signal=HUP.* musterd.service' "$ROOT/etc/logrotate.d/muster" ||
    fail "logrotate does not send SIGHUP through systemd"

step "the packaged default configuration, only the broker URL changed"
SSL=$ROOT/etc/muster/ssl
mkdir -p "$SSL"
host=$(hostname)
MST_CERT_DIR=${MST_CERT_DIR:-$T/certs}
mst_cert_ensure "$MST_CERT_DIR" "$host" server || fail "no certificate for $host"
mst_cert_ensure "$MST_CERT_DIR" admin client || fail "no certificate for admin"
cp "$MST_CERT_DIR/ca.pem" "$SSL/ca.pem"
cp "$MST_CERT_DIR/$host.pem" "$SSL/server.pem"
cp "$MST_CERT_DIR/$host.key" "$SSL/server.key"
cp "$MST_CERT_DIR/admin.pem" "$MST_CERT_DIR/admin.key" "$SSL/"
for cfg in server client; do
    f=$ROOT/etc/muster/$cfg.cfg
    cp "$f" "$T/$cfg.cfg.packaged"
    sed -i "s|^    urls = \[ \"amqp://guest:guest@127.0.0.1:5672\" \];|    urls = [ \"$MUSTER_TEST_URL\" ];|" "$f"
    assert_eq 1 "$(diff "$T/$cfg.cfg.packaged" "$f" | grep -c '^>')" "lines changed in $cfg.cfg"
done

# The machine as it is, plus the node's certificate: dpkg -i installs
# into that (inside installed-exec).  /run/systemd is hidden there, so
# that no maintainer script reaches this machine's systemd.
NODE=$T/node
mkdir -p "$NODE/etc/muster"
cp -r "$SSL" "$NODE/etc/muster/"
HIDE_SYSTEMD='if [ -d /run/systemd ]; then mount -t tmpfs muster-installed /run/systemd; fi'

step "dpkg -i: dependencies, the user muster, its directories, conffiles kept, purge"
{
    printf '#!/bin/bash\nset -e\n%s\n' "$HIDE_SYSTEMD"
    printf 'dpkg -i %s >/dev/null\n' "${DEB_FILES[*]}"
    printf 'getent passwd muster\n'
    printf 'stat -c "%%n %%U:%%G %%a" /var/log/muster /var/lib/muster\n'
    printf 'echo "# a site edit" >>/etc/muster/server.cfg\n'
    printf 'dpkg -i %s >/dev/null\n' "$(deb musterd)"
    # shellcheck disable=SC2016  # expanded by the script, in the root
    printf 'echo "after reinstall: $(tail -n 1 /etc/muster/server.cfg)"\n'
    printf 'dpkg --purge musterd >/dev/null\n'
    printf 'ls -d /var/log/muster /etc/muster/server.cfg /usr/sbin/musterd 2>&1 || true\n'
} >"$T/dpkg-cycle"
chmod +x "$T/dpkg-cycle"
assert_exit 0 installed_exec "$NODE" "$T/dpkg-cycle"
assert_contains "$OUT" "muster:x:"
assert_contains "$OUT" "/var/log/muster root:adm 2750"
assert_contains "$OUT" "/var/lib/muster muster:muster 750"
assert_contains "$OUT" "after reinstall: # a site edit"
for gone in /var/log/muster /etc/muster/server.cfg /usr/sbin/musterd; do
    assert_contains "$OUT" "cannot access '$gone'" "after dpkg --purge musterd"
done

step "the unit's ExecStart runs the dpkg-installed musterd with the packaged server.cfg"
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
assert_eq "/usr/sbin/musterd -c /etc/muster/server.cfg" "$exec_start"
{
    printf '#!/bin/bash\nset -e\n%s\n' "$HIDE_SYSTEMD"
    printf 'dpkg -i %s >"%s" 2>&1\n' "${DEB_FILES[*]}" "$T/dpkg.log"
    # The site's edit: the broker URL (the copy in ROOT, changed above).
    printf 'cp "%s" /etc/muster/server.cfg\n' "$ROOT/etc/muster/server.cfg"
    # systemd's part in an upgrade of musterd by its own package agent
    # (below): a systemd-run that writes down what it would start.
    printf 'export MUSTER_SYSTEMD_RUN="%s"\n' "$T/systemd-run"
    printf 'exec %s\n' "$exec_start"
} >"$T/as-systemd"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s"\n' "$T/systemd-run.argv" >"$T/systemd-run"
chmod +x "$T/as-systemd" "$T/systemd-run"
NOTIFY=$T/notify.sock
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    with open(sys.argv[2], "ab") as f:
        f.write(s.recv(4096) + b"\n")
' "$NOTIFY" "$T/notified" &
mst_track $! notify-listener
wait_for "[ -S '$NOTIFY' ]" 10 || fail "no notify socket"
NOTIFY_SOCKET=$NOTIFY "$INSTALLED_EXEC" "$NODE" "$T/as-systemd" </dev/null >"$T/musterd.out" 2>&1 &
dpid=$!
mst_track "$dpid" musterd:packaged
dstart=$(mst_starttime "$dpid")
LOG=/proc/$dpid/root/var/log/muster/musterd.log
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'grep -q READY=1 "$T/notified"' 30 ||
    { cat "$T/dpkg.log" "$T/musterd.out" "$LOG" >&2 || true; fail "the packaged musterd sent no READY=1"; }
assert_contains "$(cat "$T/notified")" "STATUS=connected to"
assert_eq /usr/sbin/musterd "$(readlink "/proc/$dpid/exe")" "the daemon runs the packaged binary"
assert_contains "$(cat "$LOG")" "as $host; queue bound"
assert_contains "$(cat "$LOG")" "agent package"

step "the packaged muster: help lists every agent, ping finds the node"
assert_exit 0 installed_exec "$ROOT" /usr/bin/muster help
for j in "$MST_ROOT"/agents/*/*.json; do
    a=$(basename "$j" .json)
    [ "$(basename "$(dirname "$j")")" = "$a" ] || continue
    grep -Eq "^  $a " <<<"$OUT" || fail "muster help does not list $a: $OUT"
done
assert_exit 0 installed_exec "$ROOT" /usr/bin/muster ping
assert_contains "$OUT" "$host"
assert_contains "$OUT" "time="
# The packaged doctor reads the packaged client.cfg (broker URL and
# certificate paths changed) and finds nothing wrong with it.
assert_exit 0 installed_exec "$ROOT" /usr/bin/muster doctor
assert_contains "$OUT" "muster doctor: 0 errors"
# package.policy is not shipped and the packaged default is deny.
assert_exit 1 installed_exec "$ROOT" /usr/bin/muster rpc package status package=dpkg -I "$host"
assert_contains "$OUT$ERR" "unauthorised"
# The site allows updates (read at the SIGHUP below).
printf 'policy default deny\nallow\t*\tupdate\t*\t*\n' >"/proc/$dpid/root/etc/muster/policy/package.policy"

step "SIGHUP (logrotate's, through ExecReload) reopens the log; SIGTERM stops cleanly"
kill -HUP "$dpid"
wait_for "grep -q 'SIGHUP: log and audit reopened' '$LOG'" 10 || fail "no reopen after SIGHUP"

step "muster rpc package update package=musterd starts the upgrade in a unit of its own"
# The package's postinst restarts musterd.service: apt-get runs in a
# transient unit (docs/daemon.md), and the reply comes before the restart.
assert_exit 0 installed_exec "$ROOT" /usr/bin/muster rpc package update package=musterd -I "$host" -j
assert_contains "$OUT" "started in muster-self-upgrade.service"
assert_eq "--unit=muster-self-upgrade --collect --quiet --setenv=DEBIAN_FRONTEND=noninteractive -- /usr/bin/apt-get -y install --only-upgrade -- musterd" \
    "$(tr '\n' ' ' <"$T/systemd-run.argv" | sed 's/ $//')" "what the package agent asked systemd-run to start"
mst_kill "$dpid" "$dstart" "$MST_STOP_GRACE" || fail "the packaged musterd needed SIGKILL"
status=0
wait "$dpid" || status=$?
assert_eq 0 "$status" "exit status of the packaged musterd after SIGTERM"
grep -q STOPPING=1 "$T/notified" || fail "no STOPPING=1 on the way out"
assert_eq "$outside_before" "$(outside)" "what exists of /etc/muster, /var/lib/muster, /var/log/muster and the user muster outside the root"
