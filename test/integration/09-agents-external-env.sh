#!/bin/bash
# External agents get the environment Choria gives them: CHORIA_EXTERNAL_CONFIG
# (DIR/plugin.d/AGENT, DIR holding musterd's configuration file, as
# go-choria does) and CHORIA_EXTERNAL_FACTS (the node's facts as JSON, in
# the run directory: readable by agents.run_as, removed after the run).
# An agent its user cannot execute because of a directory on its path
# says so in the activation error.  Reals print as people write them
# (0.081, not 0.081000000000000003) in text and JSON output.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

AGENTS=$(mktemp -d /tmp/muster-envagents.XXXXXX)
LOCKED=$(mktemp -d /tmp/muster-locked.XXXXXX)
CONF=
trap '_rc=$?; set +e; rm -rf "$AGENTS" "$LOCKED" $CONF; (exit $_rc); _mst_test_exit' EXIT
chmod 755 "$AGENTS"
chmod 700 "$LOCKED" # "nobody" cannot traverse it
mkdir -m 755 "$LOCKED/agents"

cat >"$AGENTS/envtest" <<'AGENT'
#!/bin/sh
# Replies with what Choria's environment variables point at.
set -eu
request=$1 reply=$2 protocol=$3
if [ "$protocol" = io.choria.mcorpc.external.v1.activation_request ]; then
    [ -r "$CHORIA_EXTERNAL_FACTS" ] || exit 3
    echo '{"activate": true}' >"$reply"
    exit 0
fi
jq -n --arg config "$CHORIA_EXTERNAL_CONFIG" \
    --arg config_text "$(cat "$CHORIA_EXTERNAL_CONFIG")" \
    --arg facts_file "$CHORIA_EXTERNAL_FACTS" \
    --slurpfile facts "$CHORIA_EXTERNAL_FACTS" \
    '{statuscode: 0, statusmsg: "OK",
      data: {config: $config, config_text: $config_text,
             facts_file: $facts_file, role: $facts[0].role, time: 0.081}}' \
    >"$reply"
AGENT
cat >"$AGENTS/envtest.json" <<'DDL'
{
  "$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
  "metadata": {"name": "envtest", "description": "prints its environment",
               "author": "muster", "license": "Apache-2.0", "version": "1.0.0",
               "url": "https://example.invalid/muster", "timeout": 5},
  "actions": [
    {"action": "show", "description": "what the environment points at",
     "display": "always", "input": {},
     "output": {
       "config": {"description": "CHORIA_EXTERNAL_CONFIG", "display_as": "Config", "type": "string"},
       "config_text": {"description": "its content", "display_as": "Config text", "type": "string"},
       "facts_file": {"description": "CHORIA_EXTERNAL_FACTS", "display_as": "Facts file", "type": "string"},
       "role": {"description": "the role fact read from it", "display_as": "Role", "type": "string"},
       "time": {"description": "a real", "display_as": "Time", "type": "number"}}}
  ]
}
DDL
chmod 755 "$AGENTS/envtest"
chmod 644 "$AGENTS/envtest.json"
cp "$AGENTS/envtest" "$AGENTS/envtest.json" "$LOCKED/agents/"

# The daemons' configuration files in a directory "nobody" may traverse
# (the test's own is private to root), the agent's config beside them, as
# /etc/choria/plugin.d/AGENT is; the certificates stay in $T.
export MST_CERT_DIR=${MST_CERT_DIR:-$T/certs}
CONF=$(mktemp -d /tmp/muster-envconf.XXXXXX)
chmod 755 "$CONF"
daemon_cfg() { printf '%s/%s.cfg\n' "$CONF" "$(daemon_name "$1")"; }
mkdir -m 755 "$CONF/plugin.d"
echo "greeting = hello" >"$CONF/plugin.d/envtest"
chmod 644 "$CONF/plugin.d/envtest"

export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; run_as = \"nobody\"; };"
write_daemon_cfg 1
export MST_CONFIG_EXTRA="agents: { dir = \"$LOCKED/agents\"; run_as = \"nobody\"; };"
write_daemon_cfg 2
unset MST_CONFIG_EXTRA
chmod 600 "$CONF"/*.cfg
start_daemons 2
write_client_cfg
export MUSTER_DDL_PATH=$AGENTS

step "the agent reads CHORIA_EXTERNAL_CONFIG and CHORIA_EXTERNAL_FACTS"
assert_exit 0 muster_cmd rpc envtest show -I "$(daemon_name 1)" -j
data=$(jq -c '.replies[0].data' <<<"$OUT")
assert_eq "$CONF/plugin.d/envtest" "$(jq -r .config <<<"$data")"
assert_eq "greeting = hello" "$(jq -r .config_text <<<"$data")"
assert_eq web "$(jq -r .role <<<"$data")"
facts_file=$(jq -r .facts_file <<<"$data")
assert_contains "$facts_file" /tmp/musterd-agent.
[ ! -e "$facts_file" ] || fail "$facts_file is still there after the run"

step "reals print as people write them"
assert_contains "$OUT" '"time": 0.081'
assert_not_contains "$OUT" '0.0810000'
assert_exit 0 muster_cmd rpc envtest show -I "$(daemon_name 1)"
assert_contains "$OUT" "Time: 0.081"
assert_not_contains "$OUT" '0.0810000'

step "an agent its user cannot reach says why"
assert_contains "$(cat "$(daemon_log 2)")" \
    "envtest: activation check: not executable by nobody: permission denied on $LOCKED"
assert_not_contains "$(cat "$(daemon_log 2)")" "status 127"

stop_daemons
