#!/bin/bash
# The standard agents loaded by a real daemon from agents.dir and called
# through muster rpc: filemgr's sha256 of a real file, package and service
# status with real answers from this machine, process list, nettest
# connect; shell metacharacters in inputs never reach a command, whether
# the CLI refuses them first or a raw client sends them anyway.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

AGENTS=$T/agents
mkdir -p "$AGENTS"
for a in filemgr nettest nrpe package process puppet service; do
    cp "$MUSTER_BUILD/agents/$a.so" "$MST_ROOT/agents/$a/$a.json" "$AGENTS"/
done
export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; };"
start_daemons 1
unset MST_CONFIG_EXTRA
write_client_cfg
rpc() { muster_cmd rpc "$@" -I node1 -j; }
CANARY=$T/canary

step "the agents that can work here are loaded (puppet only with puppet)"
assert_exit 0 rpc rpcutil agent_inventory
names=$(jq -r '[.replies[0].data.agents[].agent] | sort | join(" ")' <<<"$OUT")
want="filemgr nettest nrpe package process rpcutil service"
command -v puppet >/dev/null && want="filemgr nettest nrpe package process puppet rpcutil service"
assert_eq "$want" "$names"

step "filemgr status returns the file's real sha256, size and mode"
printf 'muster was here\n' >"$T/file.txt"
chmod 640 "$T/file.txt"
assert_exit 0 rpc filemgr status file="$T/file.txt"
assert_eq "$(sha256sum "$T/file.txt" | cut -d' ' -f1)" "$(jq -r '.replies[0].data.sha256' <<<"$OUT")"
assert_eq 16 "$(jq -r '.replies[0].data.size' <<<"$OUT")"
assert_contains "$(jq -r '.replies[0].data.mode' <<<"$OUT")" "640"

step "package status of dpkg: installed, with the version dpkg reports"
assert_exit 0 rpc package status package=dpkg
assert_eq "$(dpkg-query -W -f='${Version}' dpkg)" "$(jq -r '.replies[0].data.version' <<<"$OUT")"

step "service status gives a real answer"
assert_exit 0 rpc service status service=rabbitmq-server
assert_contains "running stopped unknown" "$(jq -r '.replies[0].data.status' <<<"$OUT")"
assert_exit 1 rpc service status service=no-such-service-here
assert_contains "$(jq -r '.replies[0].statusmsg' <<<"$OUT")" "no such service"

step "process list finds the daemon itself"
assert_exit 0 rpc process list pattern=musterd
jq -e --argjson p "$(daemon_pid 1)" '[.replies[0].data.processes[].pid] | index($p) != null' <<<"$OUT" >/dev/null ||
    fail "musterd (pid $(daemon_pid 1)) not in the process list"

step "nettest connect reaches the broker's port and is refused on a closed one"
assert_exit 0 rpc nettest connect fqdn=127.0.0.1 port="$MUSTER_TEST_PORT"
assert_eq true "$(jq -r '.replies[0].data.connect' <<<"$OUT")"

step "metacharacters never reach a command"
bad=("dpkg; touch $CANARY" "\$(touch $CANARY)" "\`touch $CANARY\`" "-oDpkg::x=1"
     "dpkg
touch $CANARY")
for b in "${bad[@]}"; do
    assert_exit 2 muster_cmd rpc package status package="$b" -I node1
    data=$(jq -cn --arg p "$b" '{package: $p}')
    assert_exit 0 "$MUSTER_BUILD/test/tools/mst_rawreq" "$CLIENT_CFG" node1 package status "$data"
    assert_eq 4 "$(jq -r .statuscode <<<"$OUT")" "daemon's answer to package=$b"
    data=$(jq -cn --arg s "$b" '{service: $s}')
    assert_exit 0 "$MUSTER_BUILD/test/tools/mst_rawreq" "$CLIENT_CFG" node1 service status "$data"
    assert_eq 4 "$(jq -r .statuscode <<<"$OUT")" "daemon's answer to service=$b"
done
[ ! -e "$CANARY" ] || fail "a command ran a shell metacharacter: $CANARY exists"
assert_exit 0 muster_cmd ping -I node1

stop_daemons
