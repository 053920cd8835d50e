#!/bin/bash
# Discovery: six daemons with different facts (files and a facts.dir
# executable) and classes.  Every filter kind selects exactly the expected
# identities (the examples in docs/filters.md are run as they are written),
# --nodes addresses only the listed nodes, --batch and --batch-fail roll out
# as documented, a bad filter is refused before anything is published, and
# SIGHUP reloads facts.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# node: role os.family version cpus classes
fleet=(
    "web Debian 1.9.12 2 apache base"
    "db Debian 1.10.2 8 mysql base"
    "web RedHat 2.0.0 4 apache base role::web"
    "db RedHat 1.2.0 16 postgres"
    "cache Debian 1.10.0 1 base"
    "web Debian 1.9.0 32 nginx base"
)
for i in 1 2 3 4 5 6; do
    read -r role family version cpus classes <<<"${fleet[i - 1]}"
    name=$(daemon_name "$i")
    cat >"$T/$name.facts.yaml" <<YAML
role: $role
os:
  family: $family
version: "$version"
cpus: $cpus
YAML
    tr ' ' '\n' <<<"$classes" >"$T/$name.classes.txt"
    extra="classes_file = \"$T/$name.classes.txt\";"
    if [ "$i" = 6 ]; then
        mkdir -p "$T/node6.facts.d"
        printf '#!/bin/sh\necho '\''{"dir": {"fact": "yes"}}'\''\n' >"$T/node6.facts.d/10-dir"
        chmod 755 "$T/node6.facts.d/10-dir"
        extra+=" facts: { files = [\"$T/$name.facts.yaml\"]; dir = \"$T/node6.facts.d\"; };"
        MST_CONFIG_EXTRA=$extra mst_write_config server "$(daemon_cfg "$i")" \
            "$name" "$MUSTER_TEST_URL"
    else
        MST_CONFIG_EXTRA=$extra write_daemon_cfg "$i"
    fi
done
start_daemons 6
write_client_cfg

# found ARGS...: the identities `muster find ARGS` prints, on one line.
found() {
    muster_cmd find "$@" 2>"$T/.find.err" | tr '\n' ' ' | sed 's/ $//'
}

step "the examples in docs/filters.md"
n=0
while IFS= read -r line; do
    cmd=${line%%# ->*}
    want=${line##*# -> }
    eval "set -- ${cmd#*muster find}"
    got=$(found "$@" || true)
    assert_eq "$want" "$got" "muster find${cmd#*muster find}"
    n=$((n + 1))
done < <(grep -E '^    muster find .*# -> ' "$MST_IT_DIR/../../docs/filters.md")
[ "$n" -ge 15 ] || fail "only $n examples found in docs/filters.md"

step "no match: exit 1, nothing on stdout"
assert_exit 1 muster_cmd find -F role=none
assert_eq "" "$OUT"

step "inventory and facts show classes and facts"
assert_exit 0 muster_cmd inventory node3
assert_contains "$OUT" "role::web"
assert_contains "$OUT" "os.family => RedHat"
assert_exit 0 muster_cmd facts role -v
assert_contains "$OUT" "web                                      found 3 times"
assert_exit 0 muster_cmd facts os.family -j
assert_eq "node1 node2 node5 node6" "$(jq -r '.values.Debian | join(" ")' <<<"$OUT")"
assert_exit 0 muster_cmd rpc rpcutil inventory -I node3 -j
assert_eq '["apache","base","role::web"]' "$(jq -c '.replies[0].data.classes' <<<"$OUT")"

step "--nodes FILE addresses only the listed nodes and names the missing one"
printf 'node1\n# a comment\nnode3\n\nghost\n' >"$T/nodes.txt"
assert_exit 1 muster_cmd rpc rpcutil ping --nodes "$T/nodes.txt" -j
assert_eq "node1 node3" "$(jq -r '[.replies[].sender] | sort | join(" ")' <<<"$OUT")"
assert_eq '["ghost"]' "$(jq -c '.stats.unknown_nodes' <<<"$OUT")"
assert_eq complete "$(jq -r .stats.ended <<<"$OUT")"
assert_exit 0 muster_cmd find --nodes - <<<"node2"
assert_eq "node2" "$OUT"
assert_exit 2 muster_cmd find --nodes "$T/nodes.txt" -F role=web
assert_contains "$ERR" "cannot be combined"

step "--batch 2 visits all six in three batches"
assert_exit 0 muster_cmd rpc rpcutil ping --batch 2 --batch-sleep 0.1 --jsonl
assert_eq 3 "$(grep -c '^batch [123]/3: node[0-9] node[0-9]$' <<<"$ERR")" "batch headers: $ERR"
assert_eq "node1 node2 node3 node4 node5 node6" \
    "$(grep -v '"stats"' <<<"$OUT" | jq -r .sender | sort | tr '\n' ' ' | sed 's/ $//')"
assert_eq 3 "$(tail -n 1 <<<"$OUT" | jq .stats.batches)"
assert_eq 6 "$(tail -n 1 <<<"$OUT" | jq .stats.ok)"

step "--batch-fail 1 stops after the batch with a failure"
printf 'node1\nghost\nnode3\nnode4\nnode5\nnode6\n' >"$T/rollout.txt"
assert_exit 1 muster_cmd rpc rpcutil ping --nodes "$T/rollout.txt" --batch 2 --batch-fail 1 -j
assert_eq 1 "$(jq .stats.batches <<<"$OUT")"
assert_eq '["node3","node4","node5","node6"]' "$(jq -c .stats.not_reached <<<"$OUT")"
assert_eq '["ghost"]' "$(jq -c .stats.unknown_nodes <<<"$OUT")"

step "--limit-nodes picks a repeatable subset"
a=$(found --limit-nodes 2 --limit-seed 7)
b=$(found --limit-nodes 2 --limit-seed 7)
assert_eq "$a" "$b"
assert_eq 2 "$(wc -w <<<"$a")"
assert_eq 3 "$(found --limit-nodes 50% | wc -w)"

step "--discovery-window ends a broadcast long before --dt"
assert_exit 0 muster_cmd rpc rpcutil ping --dt 8 --discovery-window 300 -j
assert_eq discovery_window "$(jq -r .stats.ended <<<"$OUT")"
assert_eq 6 "$(jq .stats.responses <<<"$OUT")"
step "without a window the end adapts to the replies; off, --dt ends it"
assert_exit 0 muster_cmd rpc rpcutil ping --dt 1 -j
assert_eq discovery_window "$(jq -r .stats.ended <<<"$OUT")"
assert_eq 6 "$(jq .stats.responses <<<"$OUT")"
adaptive_cfg=$CLIENT_CFG
MST_CONFIG_EXTRA='discovery_adaptive = false;' write_client_cfg "$T/client-fixed.cfg"
assert_exit 0 muster_cmd rpc rpcutil ping --dt 1 -j
assert_eq discovery_timeout "$(jq -r .stats.ended <<<"$OUT")"
assert_eq 6 "$(jq .stats.responses <<<"$OUT")"
CLIENT_CFG=$adaptive_cfg

step "a bad filter exits 2 before anything is published"
received() {
    muster_cmd rpc rpcutil daemon_stats -I node1 -j | jq .replies[0].data.received
}
before=$(received)
assert_exit 2 muster_cmd find -S 'role=web and (os.family=Debian'
assert_contains "$ERR" "position 31: expected ')'"
assert_exit 2 muster_cmd rpc rpcutil ping -S "$(printf '(%.0s' $(seq 10000))x"
assert_contains "$ERR" "position"
assert_exit 2 muster_cmd ping -F 'cpus</4/'
assert_exit 2 muster_cmd find -S 'fstat("etc/passwd").size > 0'
assert_contains "$ERR" "absolute path"
after=$(received)
assert_eq $((before + 1)) "$after" "requests received by node1 (only the second daemon_stats)"

step "SIGHUP reloads facts; a broken source keeps the last good ones"
sed -i 's/^role: cache$/role: changed/' "$T/node5.facts.yaml"
kill -HUP "$(daemon_pid 5)"
wait_for '[ "$(found -F role=changed)" = node5 ]' 10 || fail "node5 did not reload its facts"
printf 'role: [unclosed\n' >"$T/node5.facts.yaml"
kill -HUP "$(daemon_pid 5)"
wait_for 'grep -q "keeping the facts loaded before" "$(daemon_log 5)"' 10 ||
    fail "no error logged for broken facts"
assert_eq node5 "$(found -F role=changed)"

stop_daemons
