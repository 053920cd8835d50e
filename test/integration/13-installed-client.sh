#!/bin/bash
# libmusterclient as a site tool sees it: `meson install --destdir` of the
# build under test, then only the installed files.  The shared library
# exports nothing but the muster_* functions its header declares; the
# header compiles alone as C11 and as C++17; client/examples/
# fleet_packages.c, built with pkg-config against the destdir, reports
# dpkg's real version on three daemons as CSV, nodes without an answer
# included; the installed muster command pings them, and its `muster web`
# serves the page built into it.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$T/root
STRICT=(-Wall -Wextra -Werror)
# A sanitizer build installs an instrumented library: programs linked with
# it need the same runtime.
sanitize=$(meson introspect "$MUSTER_BUILD" --buildoptions |
    jq -r '.[] | select(.name == "b_sanitize") | .value')
LINK=()
[ "$sanitize" = none ] || LINK=(-fsanitize="$sanitize")

step "meson install --destdir installs the library, its headers and muster-client.pc"
meson install -C "$MUSTER_BUILD" --destdir "$ROOT" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
    { tail -n 20 "$T/install.log" >&2; fail "meson install failed"; }
pc=$(find "$ROOT" -name muster-client.pc | head -n 1)
so=$(find "$ROOT" -name libmusterclient.so.0 | head -n 1)
hdr=$(find "$ROOT" -path '*/include/muster/client.h' | head -n 1)
bin=$(find "$ROOT" -path '*/bin/muster' | head -n 1)
[ -n "$pc" ] || fail "no muster-client.pc under $ROOT"
[ -n "$so" ] || fail "no libmusterclient.so.0 under $ROOT"
[ -n "$hdr" ] || fail "no include/muster/client.h under $ROOT"
[ -n "$bin" ] || fail "no bin/muster under $ROOT"
[ -f "$(dirname "$hdr")/status.h" ] || fail "muster/status.h is not installed beside client.h"
libdir=$(dirname "$so")
# Only the destdir's .pc files: a muster-client installed on this machine
# must not stand in for the one under test.
export PKG_CONFIG_SYSROOT_DIR=$ROOT
export PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --cflags muster-client) || fail "pkg-config --cflags muster-client failed"
libs=$(pkg-config --libs muster-client) || fail "pkg-config --libs muster-client failed"
assert_contains "$cflags" "$ROOT" "pkg-config's include path points into the destdir"
assert_contains "$libs" "-lmusterclient"
assert_contains "$(pkg-config --print-requires muster-client)" "jansson"

step "nm -D lists only muster_* functions, each declared in the installed header"
nm -D --defined-only "$so" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | sort -u >"$T/syms"
[ -s "$T/syms" ] || fail "no exported symbols in $so"
if grep -v '^muster_' "$T/syms" >"$T/stray"; then
    fail "exported without the muster_ prefix: $(tr '\n' ' ' <"$T/stray")"
fi
while read -r sym; do
    grep -Eq "\\b$sym\\(" "$hdr" || fail "$sym is exported but not declared in $hdr"
done <"$T/syms"
readelf -d "$so" | grep -c 'SONAME.*\[libmusterclient\.so\.0\]' >/dev/null || fail "soname is not libmusterclient.so.0"

step "the installed header compiles alone as C11 and as C++17"
printf '#include <muster/client.h>\nint main(void) { return 0; }\n' >"$T/alone.c"
# shellcheck disable=SC2086 # pkg-config output is a word list
cc -std=c11 "${STRICT[@]}" $cflags -c "$T/alone.c" -o "$T/alone_c.o" ||
    fail "<muster/client.h> does not compile alone as C11"
command -v g++ >/dev/null || fail "g++ is missing (scripts/lib.sh installs build-essential)"
# shellcheck disable=SC2086
g++ -std=c++17 "${STRICT[@]}" $cflags -x c++ -c "$T/alone.c" -o "$T/alone_cc.o" ||
    fail "<muster/client.h> does not compile alone as C++17"

step "client/examples/fleet_packages.c builds against the installed files only"
# shellcheck disable=SC2086
cc -std=c11 "${STRICT[@]}" "$MST_ROOT/client/examples/fleet_packages.c" $cflags $libs \
    "${LINK[@]}" -Wl,-rpath,"$libdir" -o "$T/fleet_packages" || fail "the example does not build"
assert_contains "$(ldd "$T/fleet_packages")" "$libdir/libmusterclient.so.0"

start_package_daemons 3
write_client_cfg
export MUSTER_CONFIG=$CLIENT_CFG
v=$(dpkg-query -W -f='${Version}' dpkg)

step "fleet_packages dpkg: one CSV line per node with dpkg's real version"
assert_exit 0 "$T/fleet_packages" dpkg
assert_eq "identity,status,version
node1,installed,$v
node2,installed,$v
node3,installed,$v" "$OUT"

step "a package that is not there, and a node that does not exist: exit 1"
assert_exit 1 "$T/fleet_packages" no-such-package-here node1 ghost
assert_contains "$OUT" "ghost,no such node,"
assert_contains "$OUT" "node1,"
assert_not_contains "$OUT" "node1,installed"

step "a node that is there but does not answer is listed as no reply"
kill -STOP "$(daemon_pid 3)"
assert_exit 1 "$T/fleet_packages" dpkg node1 node2 node3
kill -CONT "$(daemon_pid 3)"
assert_eq "identity,status,version
node1,installed,$v
node2,installed,$v
node3,no reply," "$OUT"

step "the installed muster command pings the nodes through the installed library"
LD_LIBRARY_PATH=$libdir assert_exit 0 "$bin" -c "$CLIENT_CFG" ping
got=$(printf '%s\n' "$OUT" | awk '/time=/ {print $1}' | sort | tr '\n' ' ')
assert_eq "node1 node2 node3 " "$got"
assert_contains "$(LD_LIBRARY_PATH=$libdir ldd "$bin")" "$libdir/libmusterclient.so.0"

step "the installed muster web serves the page built into it"
port=$((MUSTER_TEST_PORT + 2700))
while ! mst_port_free "$port"; do port=$((port + 1)); done
LD_LIBRARY_PATH=$libdir "$bin" -c "$CLIENT_CFG" web --listen "127.0.0.1:$port" >"$T/web.log" 2>&1 &
web_pid=$!
mst_track "$web_pid" muster-web
web_start=$(mst_starttime "$web_pid")
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'mst_broker_answers 127.0.0.1 "$port" || ! mst_alive "$web_pid" "$web_start"' 30 ||
    fail "the installed muster web does not listen: $(tail -n 5 "$T/web.log")"
page=$(curl -sS "http://127.0.0.1:$port/") || fail "no page: $(tail -n 5 "$T/web.log")"
assert_contains "$page" '<meta name="muster-token" content="'
assert_contains "$page" '<script src="app.js"'
assert_eq "$(cat "$MST_ROOT/client/web/app.js")" "$(curl -sS "http://127.0.0.1:$port/app.js")"
krc=0
mst_kill "$web_pid" "$web_start" "$MST_STOP_GRACE" || krc=$?
assert_eq 0 "$krc" "muster web needed SIGKILL"

stop_daemons
