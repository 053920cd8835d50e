#!/bin/bash
# Operators' Choria scripts against our bundled agents: the CLIENT uses the
# published choria-plugins DDLs (test/data/ddl/choria/, through
# MUSTER_DDL_PATH) and the daemon runs our nettest and package plugins
# with their own DDLs.  `nettest ping fqdn=...` (Choria's input name; the
# agent sends its own ICMP echo requests), `nettest connect`, and
# `package status package=dpkg` with Choria's outputs.
#
# The published DDLs need the DDL loader's Choria support (the "list"
# choices of package.json, plugin validators such as nettest_fqdn and
# aggregates such as nettest_mma).  MST_CHORIA_CLIENT_DDLS=ours runs the
# same calls with our own DDLs on the client side, to check the daemon
# half alone.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v dpkg-query >/dev/null || { echo "no dpkg-query here: skipped"; exit 77; }

AGENTS=$T/agents
CLIENT_DDLS=$T/client-ddl
mkdir -p "$AGENTS" "$CLIENT_DDLS"
for a in nettest package; do
    cp "$MUSTER_BUILD/agents/$a.so" "$MST_ROOT/agents/$a/$a.json" "$AGENTS"/
    if [ "${MST_CHORIA_CLIENT_DDLS:-published}" = ours ]; then
        cp "$MST_ROOT/agents/$a/$a.json" "$CLIENT_DDLS"/
    else
        cp "$MST_ROOT/test/data/ddl/choria/$a.json" "$CLIENT_DDLS"/
    fi
done
export MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; };"
start_daemons 1
unset MST_CONFIG_EXTRA
write_client_cfg
export MUSTER_DDL_PATH=$CLIENT_DDLS
rpc() { muster_cmd rpc "$@" -I node1 -j; }

step "the client reads the published DDLs"
assert_exit 0 muster_cmd help nettest
assert_contains "$OUT" "fqdn"
assert_exit 0 muster_cmd help package
assert_contains "$OUT" "yum_clean"

step "nettest ping fqdn=127.0.0.1 answers with a round trip"
# ICMP needs root or a ping socket allowed for our group
read -r lo hi </proc/sys/net/ipv4/ping_group_range
if [ "$(id -u)" = 0 ] || { [ "$(id -g)" -ge "$lo" ] && [ "$(id -g)" -le "$hi" ]; }; then
    assert_exit 0 rpc nettest ping fqdn=127.0.0.1
    jq -e '.replies[0].data.rtt > 0' <<<"$OUT" >/dev/null ||
        fail "no rtt in $(jq -c '.replies[0]' <<<"$OUT")"
else
    echo "   (no ICMP socket for uid $(id -u) here: ping not run)"
fi

step "nettest connect fqdn=127.0.0.1 port=BROKER: Choria's outputs"
assert_exit 0 rpc nettest connect fqdn=127.0.0.1 port="$MUSTER_TEST_PORT"
assert_eq true "$(jq -r '.replies[0].data.connect' <<<"$OUT")"
assert_eq Connected "$(jq -r '.replies[0].data.connect_status' <<<"$OUT")"

step "package status package=dpkg: Choria's outputs with dpkg's answers"
assert_exit 0 rpc package status package=dpkg
assert_eq "$(dpkg-query -W -f='${Version}' dpkg)" "$(jq -r '.replies[0].data.ensure' <<<"$OUT")"
assert_eq dpkg "$(jq -r '.replies[0].data.name' <<<"$OUT")"
for k in epoch arch release provider version; do
    [ "$(jq -r ".replies[0].data.$k | type" <<<"$OUT")" = string ] ||
        fail "package status: no $k in $(jq -c '.replies[0].data' <<<"$OUT")"
done

step "package count: the installed packages, as Choria counts them"
assert_exit 0 rpc package count
assert_eq "$(dpkg --list | grep -c '^ii')" "$(jq -r '.replies[0].data.output' <<<"$OUT")"

stop_daemons
