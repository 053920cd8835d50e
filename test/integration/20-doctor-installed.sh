#!/bin/bash
# The installed form of point 4-6 of issue 12: `meson install --destdir`,
# then only installed files.  man finds and renders musterd(8), muster(1)
# and muster.cfg(5) through MANPATH; the installed bash completion, asking
# the installed muster, offers agents and actions; the installed muster
# doctor and musterd --check pass on a working setup.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$T/root
meson install -C "$MUSTER_BUILD" --destdir "$ROOT" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
    { tail -n 20 "$T/install.log" >&2; fail "meson install failed"; }
bin=$(find "$ROOT" -path '*/bin/muster' | head -n 1)
daemon=$(find "$ROOT" -path '*/sbin/musterd' | head -n 1)
so=$(find "$ROOT" -name libmusterclient.so.0 | head -n 1)
man1=$(find "$ROOT" -path '*/man1/muster.1' | head -n 1)
bashcomp=$(find "$ROOT" -path '*/bash-completion/completions/muster' | head -n 1)
if [ -z "$bin" ] || [ -z "$daemon" ] || [ -z "$so" ]; then
    fail "muster, musterd or the library is not installed"
fi
[ -n "$bashcomp" ] || fail "no bash-completion/completions/muster under $ROOT"
find "$ROOT" -path '*/zsh/vendor-completions/_muster' | grep -c . >/dev/null ||
    fail "no zsh/vendor-completions/_muster under $ROOT"
export LD_LIBRARY_PATH=${so%/*}

if [ -z "$man1" ]; then
    command -v scdoc >/dev/null && fail "scdoc is here but no man page was installed"
    echo "no scdoc: man pages not built, their step is skipped"
else
    step "man shows the installed pages through MANPATH"
    MANDIR=${man1%/man1/*}
    export MANPATH=$MANDIR
    for page in "1 muster" "5 muster.cfg" "8 musterd"; do
        # shellcheck disable=SC2086 # "SECTION NAME"
        where=$(man -w $page) || fail "man -w $page found nothing"
        assert_contains "$where" "$MANDIR/" "man $page comes from the install"
    done
    assert_contains "$(MANWIDTH=80 man 8 musterd 2>&1)" "--check"
    assert_contains "$(MANWIDTH=80 man 5 muster.cfg 2>&1)" "broker.reply_queue_max_length"
    assert_contains "$(MANWIDTH=80 man 1 muster 2>&1)" "doctor"
fi

step "the installed bash completion asks the installed muster"
export MUSTER_DDL_PATH=$MST_ROOT/agents
# shellcheck disable=SC1090
. "$bashcomp"
COMP_WORDS=("$bin" rpc package "")
COMP_CWORD=3
_muster
assert_contains " ${COMPREPLY[*]} " " status " "actions of package"
COMP_WORDS=("$bin" rpc "")
COMP_CWORD=2
_muster
assert_contains " ${COMPREPLY[*]} " " rpcutil " "agents"
unset MUSTER_DDL_PATH

step "the installed muster doctor and musterd --check pass on a working setup"
write_client_cfg "$CLIENT_CFG"
write_daemon_cfg 1
assert_exit 0 "$bin" -c "$CLIENT_CFG" doctor
assert_contains "$OUT" "muster doctor: 0 errors"
assert_exit 0 "$daemon" -c "$(daemon_cfg 1)" --check
assert_contains "$OUT" "musterd --check: 0 errors"
