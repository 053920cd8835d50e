#!/bin/bash
# test_completion.sh MUSTER SRCDIR BENCH_INVENTORY - the real completion
# scripts, run the way the shells run them, against the muster binary
# MUSTER: bash's _muster with COMP_WORDS/COMP_CWORD (after `complete -p
# muster` shows it is registered), and zsh's _muster with `words`/CURRENT
# and compadd captured (skipped without zsh).  Agent, action and input
# names must come from the DDLs muster finds; -c FILE must reach muster.
# Fact names come from the inventory store -c FILE or --db PATH names, a
# real one (BENCH_INVENTORY gen writes it with the store's code); without
# a store nothing is offered and nothing is printed.
set -euo pipefail
MUSTER=$1
SRC=$2
BENCH_INVENTORY=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0

# The DDL path of a -c configuration: only the package agent's DDL; its
# inventory store: three generated nodes.
mkdir -p "$T/ddl"
cp "$SRC/agents/package/package.json" "$T/ddl/"
"$BENCH_INVENTORY" gen "$T/inventory.db" 3 >/dev/null
printf 'security: { provider = "none"; };\nddl_path = ["%s/ddl"];\ninventory: { db = "%s/inventory.db"; };\n' \
    "$T" "$T" >"$T/client.cfg"
# No store: the default inventory.db is not looked for where a machine may
# have one.
printf 'security: { provider = "none"; };\ninventory: { db = "%s/none.db"; };\n' "$T" >"$T/nostore.cfg"
export MUSTER_DDL_PATH=$SRC/agents
unset MUSTER_CONFIG
export HOME=$T # no ~/.config/muster/client.cfg of the machine's user

expect() { # expect WHAT GOT WORD...: every WORD is one of GOT's words
    local what=$1 got=$2 w
    shift 2
    for w in "$@"; do
        if ! grep -qxF -- "$w" <<<"$got"; then
            echo "FAIL: $what: '$w' not offered; got: $(tr '\n' ' ' <<<"$got")"
            failures=$((failures + 1))
        fi
    done
}
refuse() { # refuse WHAT GOT WORD...: no WORD is offered
    local what=$1 got=$2 w
    shift 2
    for w in "$@"; do
        if grep -qxF -- "$w" <<<"$got"; then
            echo "FAIL: $what: '$w' offered; got: $(tr '\n' ' ' <<<"$got")"
            failures=$((failures + 1))
        fi
    done
}

# ---- bash
# shellcheck source=completion/muster.bash
. "$SRC/completion/muster.bash"
complete -p muster | grep -c -- '-F _muster' >/dev/null || { echo "FAIL: complete -p muster"; exit 1; }
bashcomp() { # bashcomp WORD... : COMPREPLY for the line, the last word current
    COMP_WORDS=("$MUSTER" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _muster
    printf '%s\n' "${COMPREPLY[@]}"
}
expect "bash: commands" "$(bashcomp '')" ping rpc find facts inventory help doctor cert ddl web
expect "bash: web's options" "$(bashcomp web --)" --listen --read-only
refuse "bash: commands" "$(bashcomp '')" complete
expect "bash: options" "$(bashcomp --co)" --config
expect "bash: agents" "$(bashcomp rpc '')" package rpcutil service filemgr
expect "bash: agents by prefix" "$(bashcomp rpc pa)" package
refuse "bash: agents by prefix" "$(bashcomp rpc pa)" rpcutil
expect "bash: actions" "$(bashcomp rpc package '')" status install uninstall
expect "bash: actions after a filter" "$(bashcomp -I web1 rpc service '')" status restart
expect "bash: inputs" "$(bashcomp rpc package status '')" package=
expect "bash: help AGENT" "$(bashcomp help '')" rpcutil package
expect "bash: -A AGENT" "$(bashcomp -A '')" rpcutil
expect "bash: cert" "$(bashcomp cert '')" init issue show
got=$(unset MUSTER_DDL_PATH; bashcomp -c "$T/client.cfg" rpc '')
expect "bash: -c FILE's ddl_path" "$got" package
refuse "bash: -c FILE's ddl_path" "$got" rpcutil service
C=(-c "$T/client.cfg")
expect "bash: -F FACT" "$(bashcomp "${C[@]}" inventory -F '')" os.family role \
    networking.interfaces.eth0.ip packages.package-number-07
got=$(bashcomp "${C[@]}" find -F os.)
expect "bash: -F by prefix" "$got" os.family os.release os.name
refuse "bash: -F by prefix" "$got" role kernel.release
expect "bash: --fields' last part" "$(bashcomp "${C[@]}" inventory --fields identity,os.fa)" \
    identity,os.family
expect "bash: --count-by" "$(bashcomp "${C[@]}" inventory --count-by ro)" role
expect "bash: -W" "$(bashcomp "${C[@]}" find -W datac)" datacenter
expect "bash: facts FACT" "$(bashcomp "${C[@]}" facts kernel.)" kernel.release kernel.version
expect "bash: --db PATH's store" "$(bashcomp --db "$T/inventory.db" -c "$T/nostore.cfg" inventory -F ro)" role
got=$(bashcomp -c "$T/nostore.cfg" inventory -F '')
[ -z "$got" ] || { echo "FAIL: bash: no store, yet -F offers: $got"; failures=$((failures + 1)); }
out=$("$MUSTER" -c "$T/nostore.cfg" complete facts 2>&1) ||
    { echo "FAIL: muster complete facts without a store exits $?"; failures=$((failures + 1)); }
[ -z "$out" ] || { echo "FAIL: muster complete facts without a store prints: $out"; failures=$((failures + 1)); }

# ---- zsh
if command -v zsh >/dev/null; then
    zshcomp() { # zshcomp WORD...: what compadd was given for the line
        zsh -f -c '
            compadd() { # print the words, not the options
                local skip=0 a
                for a in "$@"; do
                    if ((skip)); then skip=0; continue; fi
                    case $a in -S) skip=1 ;; --) ;; *) print -r -- "$a" ;; esac
                done
            }
            _files() { print -r -- "(files)"; }
            compset() { PREFIX=${PREFIX##$~2}; } # -P PATTERN, as zsh does
            words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
            source "$SRC/completion/_muster"
        ' zsh "$MUSTER" "$@"
    }
    export SRC
    expect "zsh: commands" "$(zshcomp '')" rpc doctor cert web
    expect "zsh: web's options" "$(zshcomp web --)" --listen --read-only
    expect "zsh: agents" "$(zshcomp rpc '')" package rpcutil
    expect "zsh: actions" "$(zshcomp rpc package '')" status install
    expect "zsh: inputs" "$(zshcomp rpc package status '')" package=
    expect "zsh: options" "$(zshcomp --co)" --config
    got=$(unset MUSTER_DDL_PATH; zshcomp -c "$T/client.cfg" rpc '')
    expect "zsh: -c FILE's ddl_path" "$got" package
    refuse "zsh: -c FILE's ddl_path" "$got" rpcutil
    expect "zsh: -F FACT" "$(zshcomp "${C[@]}" inventory -F '')" os.family role
    expect "zsh: --fields" "$(zshcomp "${C[@]}" inventory --fields identity,)" os.family
    expect "zsh: --count-by" "$(zshcomp "${C[@]}" inventory --count-by '')" datacenter
    expect "zsh: --db PATH's store" "$(zshcomp --db "$T/inventory.db" -c "$T/nostore.cfg" facts '')" role
else
    echo "no zsh here: the zsh part is skipped"
fi

[ "$failures" -eq 0 ] || exit 1
echo "completion: every expected word offered"
