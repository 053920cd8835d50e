#!/bin/bash
# The agent SDK as a site uses it: `meson install --destdir` of the build
# under test; the installed <muster/agent.h> and <muster/status.h> compile
# alone as C11 (gcc) and C++17 (g++) with -Wall -Wextra -Werror; the
# example agent agents/examples/hello is built with one cc line against
# the installed muster-agent.pc (PKG_CONFIG_SYSROOT_DIR/PKG_CONFIG_PATH);
# the INSTALLED musterd loads it from agents.dir and answers
# `muster rpc hello greet`; the same agent rebuilt with a wrong ABI version
# is refused with one log line.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in meson pkg-config gcc g++; do
    command -v "$tool" >/dev/null || { echo "no $tool here: skipped"; exit 77; }
done

ROOT=$T/root
step "meson install --destdir of the build under test"
meson install -C "$MUSTER_BUILD" --destdir "$ROOT" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
    { tail -n 20 "$T/install.log" >&2; fail "meson install failed"; }
PC=$(find "$ROOT" -name muster-agent.pc -print -quit)
[ -n "$PC" ] || fail "no muster-agent.pc under $ROOT"
MUSTERD=$(find "$ROOT" -path '*/sbin/musterd' -type f -print -quit)
[ -x "$MUSTERD" ] || fail "no installed musterd under $ROOT"
export PKG_CONFIG_SYSROOT_DIR=$ROOT
export PKG_CONFIG_PATH=$(dirname "$PC")
CFLAGS=$(pkg-config --cflags muster-agent) || fail "pkg-config --cflags muster-agent"
LIBS=$(pkg-config --libs muster-agent) || fail "pkg-config --libs muster-agent"
assert_contains "$CFLAGS" "-I$ROOT/" "Cflags point into the install"
assert_contains "$LIBS" "-ljansson" "Libs come from Requires: jansson"

step "the installed headers compile alone: C11 and C++17, -Wall -Wextra -Werror"
SRC=$T/src
mkdir -p "$SRC"
for h in agent status; do
    printf '#include <muster/%s.h>\n' "$h" >"$SRC/only_$h.c"
    cp "$SRC/only_$h.c" "$SRC/only_$h.cpp"
    # shellcheck disable=SC2086  # pkg-config output is a list of flags
    assert_exit 0 gcc -std=c11 -Wall -Wextra -Werror $CFLAGS -c "$SRC/only_$h.c" -o "$SRC/only_$h.c.o"
    # shellcheck disable=SC2086
    assert_exit 0 g++ -std=c++17 -Wall -Wextra -Werror $CFLAGS -c "$SRC/only_$h.cpp" -o "$SRC/only_$h.cpp.o"
done

step "the example agent builds out of tree with one cc line"
AGENTS=$T/agents
mkdir -p "$AGENTS"
HELLO=$MST_ROOT/agents/examples/hello
# shellcheck disable=SC2086
assert_exit 0 cc -Wall -Wextra -Werror -shared -fPIC -o "$AGENTS/hello.so" "$HELLO/hello.c" $CFLAGS $LIBS
cp "$HELLO/hello.json" "$AGENTS/"
# The same source against a header claiming another ABI version.
cat >"$SRC/hello99.c" <<EOF
#include <muster/agent.h>
#undef MUSTER_AGENT_ABI_VERSION
#define MUSTER_AGENT_ABI_VERSION 99
#include "$HELLO/hello.c"
EOF
# shellcheck disable=SC2086
assert_exit 0 cc -shared -fPIC -o "$AGENTS/hello99.so" "$SRC/hello99.c" $CFLAGS $LIBS

step "the installed musterd loads hello from agents.dir"
LIBDIR=$(dirname "$(dirname "$PC")")
export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; };"
MST_MUSTERD=$MUSTERD LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} start_daemon 1
unset MST_CONFIG_EXTRA
assert_eq "$(realpath "$MUSTERD")" "$(realpath "/proc/$(daemon_pid 1)/exe")" "the daemon runs the installed binary"
LOG=$(daemon_log 1)
assert_contains "$(cat "$LOG")" "agent hello 1.0.0 loaded ($AGENTS/hello.so)"

step "muster rpc hello greet answers with the agent's message"
write_client_cfg
export MUSTER_DDL_PATH=$AGENTS
assert_exit 0 muster_cmd rpc hello greet name=World -I node1 -j
assert_eq "Hello, World, from node1" "$(jq -r '.replies[0].data.message' <<<"$OUT")"
assert_eq 0 "$(jq -r '.replies[0].statuscode' <<<"$OUT")"
assert_exit 0 muster_cmd rpc hello greet name=Ada -I node1
assert_contains "$OUT" "Hello, Ada, from node1"

step "the agent rebuilt with a wrong ABI version is refused with one line"
refusals=$(grep -c "hello99.so: agent ABI version 99, musterd has 1" "$LOG" || true)
assert_eq 1 "$refusals" "log lines refusing hello99.so"
assert_contains "$(grep "hello99.so" "$LOG")" "rebuild it against this <muster/agent.h>; agent not loaded"

stop_daemons
