#!/bin/bash
# Reports from the inventory store: six real daemons answer one poll into
# a real SQLite file; their facts, classes and agents appear in `muster
# inventory`; every filter kind selects from the store exactly the nodes a
# live broadcast finds (one filter implementation); --format csv parses
# with python3's csv module and json/jsonl with jq; a fact edit + SIGHUP
# shows up in --changes as the old and new value; --count-by counts;
# `muster inventory NODE --from-store` reads the store while NODE keeps
# working live; the bash completion offers the stored fact names.  The
# store is filled by `muster collect --poll` (fill_store).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "no jq: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }

DB=$T/inventory.db
# node: role os.family classes
fleet=(
    "web Debian apache base"
    "db Debian mysql base"
    "web RedHat apache base"
    "db RedHat postgres"
    "cache Debian base"
    "web Debian nginx base"
)
for i in 1 2 3 4 5 6; do
    read -r role family classes <<<"${fleet[i - 1]}"
    name=$(daemon_name "$i")
    cat >"$T/$name.facts.yaml" <<YAML
role: $role
os:
  family: $family
n: $i
motto: 'say "hi", then go'
YAML
    tr ' ' '\n' <<<"$classes" >"$T/$name.classes.txt"
    MST_CONFIG_EXTRA="classes_file = \"$T/$name.classes.txt\";" write_daemon_cfg "$i"
done
start_daemons 6
MST_CONFIG_EXTRA="inventory: { db = \"$DB\"; };" write_client_cfg

step "no store yet: a clear error naming the file"
assert_exit 3 muster_cmd inventory
assert_contains "$ERR" "$DB"

step "one poll stores six nodes with their facts, classes and agents"
assert_exit 0 fill_store
assert_exit 0 muster_cmd inventory --format json
assert_eq 6 "$(jq length <<<"$OUT")"
assert_eq "RedHat" "$(jq -r '.[] | select(.identity=="node3") | .facts.os.family' <<<"$OUT")"
assert_eq '["mysql","base"]' "$(jq -c '.[] | select(.identity=="node2") | .classes' <<<"$OUT")"
assert_eq "rpcutil" "$(jq -r '.[0].agents[] | select(.name=="rpcutil") | .name' <<<"$OUT")"
assert_eq "false" "$(jq -r '.[0].stale' <<<"$OUT")"
assert_exit 0 muster_cmd inventory
assert_contains "$OUT" "identity"
assert_contains "$OUT" "node6"

step "shell completion offers the facts the daemons registered (muster complete facts)"
assert_exit 0 muster_cmd complete facts
assert_eq "motto n os.family role" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
# shellcheck source=completion/muster.bash
. "$MST_ROOT/completion/muster.bash"
# bashcomp WORD...: COMPREPLY for `muster -c CLIENT_CFG WORD...`, one a line.
bashcomp() {
    COMP_WORDS=("$MUSTER_BUILD/client/cli/muster" -c "$CLIENT_CFG" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _muster
    printf '%s\n' "${COMPREPLY[@]}"
}
assert_eq "os.family" "$(bashcomp inventory -F os.)"
assert_eq "identity,role" "$(bashcomp inventory --fields identity,r)"
assert_eq "motto" "$(bashcomp inventory --count-by mo)"

step "each filter selects from the store what a live broadcast finds"
# stored ARGS / live ARGS: the identities on one line.
stored() { muster_cmd inventory --format csv --fields identity "$@" | tail -n +2 | tr -d '\r' | tr '\n' ' '; }
live() { muster_cmd find --dm broadcast "$@" | tr '\n' ' '; }
for f in "-F os.family=RedHat" "-F role=web -F os.family=Debian" "-C apache" \
    "-C /^(mysql|postgres)$/" "-A rpcutil" "-I node2 -I node5" "-I /^node[13]$/" \
    "-W role=db base" "-S (role=web and not os.family=RedHat) or postgres" \
    "-F n>=4" "-F os.family=debian"; do
    # shellcheck disable=SC2086  # the filter words are meant to split
    if [[ $f == -W* ]]; then s=$(stored -W "${f#-W }"); l=$(live -W "${f#-W }")
    elif [[ $f == -S* ]]; then s=$(stored -S "${f#-S }"); l=$(live -S "${f#-S }")
    else s=$(stored $f); l=$(live $f); fi
    assert_ne "" "$s" "store: $f matched nothing"
    assert_eq "$l" "$s" "filter $f: live vs store"
done
assert_eq "node3 node4 " "$(stored -F os.family=RedHat)"
assert_exit 2 muster_cmd inventory -F 'os.family=~/['
assert_exit 0 muster_cmd inventory -F os.family=Solaris --format jsonl
assert_eq "" "$OUT"

step "--format csv (RFC 4180) parses with python3's csv module"
assert_exit 0 muster_cmd inventory --format csv --fields identity,os.family,motto,no.such.fact,classes
printf '%s' "$OUT" >"$T/report.csv"
python3 - "$T/report.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0] == ['identity', 'os.family', 'motto', 'no.such.fact', 'classes'], rows[0]
assert len(rows) == 7, rows
by = {r[0]: r for r in rows[1:]}
assert by['node4'][1] == 'RedHat', by['node4']
assert by['node1'][2] == 'say "hi", then go', by['node1']
assert by['node1'][3] == '', by['node1']
assert by['node2'][4] == '["mysql","base"]', by['node2']
PY

step "--format jsonl: one object per node with the fields"
assert_exit 0 muster_cmd inventory --format jsonl --fields identity,os.family -C apache
assert_eq '{"identity":"node1","os.family":"Debian"}
{"identity":"node3","os.family":"RedHat"}' "$(jq -c . <<<"$OUT")"

step "--count-by counts the nodes per value"
assert_exit 0 muster_cmd inventory --count-by os.family --format csv
assert_eq 'os.family,count
Debian,4
RedHat,2' "$(tr -d '\r' <<<"$OUT")"
assert_exit 0 muster_cmd inventory --count-by role --format json -F os.family=Debian
assert_eq 2 "$(jq -r '.[] | select(.role=="web") | .count' <<<"$OUT")"

step "a fact edit + SIGHUP shows up in --changes with the old and new value"
sed -i 's/^role: db/role: dbmaster/' "$T/node2.facts.yaml"
kill -HUP "$(daemon_pid 2)"
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for '[ "$(muster_cmd rpc rpcutil get_fact fact=role -I node2 -j | jq -r ".replies[0].data.value")" = dbmaster ]' 20 ||
    fail "node2 did not reload its facts on SIGHUP"
assert_exit 0 fill_store
assert_exit 0 muster_cmd inventory --changes --since 1h --format jsonl -I node2
assert_contains "$OUT" '"kind":"appeared"'
change=$(jq -c 'select(.kind=="fact_changed")' <<<"$OUT")
assert_eq '"role" "db" "dbmaster"' "$(jq -r '"\"\(.name)\" \"\(.old)\" \"\(.new)\""' <<<"$change")"
assert_exit 0 muster_cmd inventory --changes --since 1h -I node5 --format json
assert_eq '["appeared"]' "$(jq -c '[.[].kind]' <<<"$OUT")"
assert_exit 0 muster_cmd inventory --changes --format csv
assert_contains "$OUT" "fact_changed"
assert_eq "dbmaster" "$(muster_cmd inventory --format csv --fields role -I node2 | tail -n 1 | tr -d '\r')"

step "inventory NODE --from-store reads the store; NODE alone stays live"
assert_exit 0 muster_cmd inventory node3 --from-store -j
assert_eq "RedHat" "$(jq -r .facts.os.family <<<"$OUT")"
assert_exit 0 muster_cmd inventory node3 --from-store
assert_contains "$OUT" "(from the store)"
assert_contains "$OUT" "os.family => RedHat"
assert_exit 1 muster_cmd inventory nosuchnode --from-store
assert_contains "$ERR" "nosuchnode: not in the store"
assert_exit 0 muster_cmd inventory node3
assert_contains "$OUT" "Server Statistics"
assert_not_contains "$OUT" "(from the store)"

step "bad report options are refused"
assert_exit 2 muster_cmd inventory --format xml
assert_exit 2 muster_cmd inventory --stale soon
assert_exit 2 muster_cmd inventory --changes --count-by role
assert_exit 2 muster_cmd ping --format csv
assert_exit 2 muster_cmd inventory -S 'fstat("/etc/hostname").present'
assert_contains "$ERR" "cannot be evaluated from the inventory store"
assert_exit 2 muster_cmd ping --dm inventory -S 'fstat("/etc/hostname").present'
assert_contains "$ERR" "cannot be evaluated from the inventory store"

stop_daemons
