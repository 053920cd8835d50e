#!/bin/bash
# The adaptive end of a broadcast (issue 13 point 5) misses nobody: nine
# nodes answer an action that sleeps (n - 1) x 100 ms (n, the node's index
# fact: 0 ms to 800 ms late), and a default `muster rpc` broadcast - no
# --dt, no --discovery-window - collects every one of them; so does a
# default `muster ping`.  Which nodes answered, never how fast.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

NODES=9
AGENTS=$(mktemp -d /tmp/muster-lateagents.XXXXXX)
# shellcheck disable=SC2154 # _rc is set inside the trap itself
trap '_rc=$?; set +e; rm -rf "$AGENTS"; (exit $_rc); _mst_test_exit' EXIT
chmod 755 "$AGENTS"

cat >"$AGENTS/late" <<'AGENT'
#!/bin/sh
# Answers after (n - 1) * 100 ms, n = the node's "n" fact.
set -eu
request=$1 reply=$2 protocol=$3
if [ "$protocol" = io.choria.mcorpc.external.v1.activation_request ]; then
    echo '{"activate": true}' >"$reply"
    exit 0
fi
n=$(jq -r .n "$CHORIA_EXTERNAL_FACTS")
ms=$(((n - 1) * 100))
sleep "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
jq -n --argjson ms "$ms" '{statuscode: 0, statusmsg: "OK", data: {slept_ms: $ms}}' >"$reply"
AGENT
cat >"$AGENTS/late.json" <<'DDL'
{
  "$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
  "metadata": {"name": "late", "description": "answers late, by the node's index",
               "author": "muster", "license": "Apache-2.0", "version": "1.0.0",
               "url": "https://example.invalid/muster", "timeout": 10},
  "actions": [
    {"action": "wait", "description": "sleeps (n - 1) x 100 ms, then answers",
     "display": "always", "input": {},
     "output": {
       "slept_ms": {"description": "how long it slept", "display_as": "Slept", "type": "integer"}}}
  ]
}
DDL
chmod 755 "$AGENTS/late"
chmod 644 "$AGENTS/late.json"

export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; };"
for ((i = 1; i <= NODES; i++)); do write_daemon_cfg "$i"; done
unset MST_CONFIG_EXTRA
start_daemons "$NODES"
write_client_cfg
export MUSTER_DDL_PATH=$AGENTS

all_nodes() {
    local i
    for ((i = 1; i <= NODES; i++)); do daemon_name "$i"; done | sort
}

step "a default broadcast collects nodes answering 0-800 ms late"
assert_exit 0 muster_cmd rpc late wait -j
assert_eq "$(all_nodes)" "$(jq -r '.replies[].sender' <<<"$OUT" | sort)"
assert_eq "$NODES" "$(jq -r .stats.responses <<<"$OUT")"
assert_eq "$(seq 0 100 800)" "$(jq -r '.replies[].data.slept_ms' <<<"$OUT" | sort -n)"
echo "ended by: $(jq -r .stats.ended <<<"$OUT")"

step "and a default ping every node"
assert_exit 0 muster_cmd ping -j
assert_eq "$(all_nodes)" "$(jq -r '.replies[].sender' <<<"$OUT" | sort)"

stop_daemons
