#!/bin/bash
# muster doctor (client) and musterd --check (server) find what is broken,
# one line each naming it with its fix: a setup that works passes (exit 0,
# "0 errors"); then each thing is broken in turn and the line that names
# it is checked: an unknown key (file:line), a certificate that expires
# soon (warning, exit 0) or has expired, a wrong CN, a certificate of the
# wrong kind, a key open to others, an unreachable broker URL beside a
# good one, TLS against the wrong CA (amqps:// runs), a clock off
# (faketime), a DDL that does not load, a facts file that does not parse,
# a policy that does not parse, an audit file that cannot be written.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "${MST_SECURITY_PROVIDER:-x509}" = x509 ] || {
    echo "SKIP: the certificate checks need MST_SECURITY_PROVIDER=x509"
    exit 77
}
MUSTER=$MUSTER_BUILD/client/cli/muster
MUSTERD=$MUSTER_BUILD/server/musterd

# doctor CFG [ARGS]: muster doctor on CFG (assert_exit sets OUT, RC).
doctor() { "$MUSTER" -c "$@" doctor; }
check() { "$MUSTERD" -c "$@" --check; }
# cert_for NAME client|server [issue options]: NAME's pair in MST_CERT_DIR.
cert_for() { mst_cert_ensure "$MST_CERT_DIR" "$@"; }

# has_line ERE: a line of $OUT matches ERE.
has_line() {
    grep -Eq -- "$1" <<<"$OUT" || fail "no line matching /$1/ in: $OUT"
}

write_client_cfg "$CLIENT_CFG"
SERVER_CFG=$T/server.cfg
AGENTS=$T/agents
POLICY=$T/policy
mkdir -p "$AGENTS" "$POLICY"
cp "$MST_ROOT/agents/package/package.json" "$AGENTS/"
cp "$MST_ROOT/conf/policy/rpcutil.policy" "$POLICY/"
MST_CONFIG_EXTRA="agents: { dir = \"$AGENTS\"; };
authorization: { policy_dir = \"$POLICY\"; };
audit: { file = \"$T/audit.log\"; };" \
    mst_write_config server "$SERVER_CFG" node1 "$MUSTER_TEST_URL"
: "${MST_CERT_DIR:?}"

# variant FILE NAME [OLD NEW]...: a copy of FILE as $T/NAME.cfg with each
# OLD (a sed pattern) replaced by NEW; prints its path.
variant() {
    local src=$1 name=$2 out
    shift 2
    out=$T/$name.cfg
    cp "$src" "$out"
    while [ $# -gt 0 ]; do
        sed -i "s|$1|$2|" "$out"
        shift 2
    done
    printf '%s\n' "$out"
}

step "a working client and server setup: no error, every check named with -v"
assert_exit 0 doctor "$CLIENT_CFG" -v
has_line "^ok: config: $CLIENT_CFG: every key known and valid$"
has_line "^ok: certificate: $MST_CERT_DIR/client.pem valid for [0-9]+ more days"
has_line "^ok: key: $MST_CERT_DIR/client.key is private and loads"
has_line "^ok: broker: amqps?://guest@127.0.0.1:[0-9]+ answers \(RabbitMQ [0-9.]+\)"
has_line "^ok: clock: clock within [0-9.]+ s of the broker's"
has_line "^ok: ddl: [0-9]+ of [0-9]+ agent DDLs in the DDL path load"
has_line "^muster doctor: 0 errors"
[[ $MUSTER_TEST_URL != amqps://* ]] || has_line "^ok: broker: .*, TLS verified"
assert_exit 0 check "$SERVER_CFG" -v
has_line "^ok: certificate: $MST_CERT_DIR/node1.pem valid"
has_line "^ok: policy: $POLICY/rpcutil.policy parses"
has_line "^ok: files: audit.file $T/audit.log can be created"
has_line "^ok: ddl: 1 of 1 agent DDLs in agents.dir load"
has_line "^musterd --check: 0 errors"
assert_not_contains "$OUT" "error:"
[ ! -e "$T/audit.log" ] || fail "--check created the audit file"

step "an unknown key: the file and line, and nothing else is checked"
cfg=$(variant "$CLIENT_CFG" badkey 'timeout = 10;' 'timeout = 10;\nbrokr = 1;')
line=$(grep -n '^brokr' "$cfg" | cut -d: -f1)
assert_exit 1 doctor "$cfg"
has_line "^error: config: $cfg:$line: brokr: unknown key; fix: edit $cfg \(man 5 muster.cfg"
assert_not_contains "$OUT" "broker:"
assert_exit 1 check "$(variant "$SERVER_CFG" badkey2 'heartbeat = 10;' 'heartbeat = 7200;')"
has_line "^error: config: .*badkey2.cfg:[0-9]+: broker.heartbeat: 7200 is out of range"

step "a certificate that expires in 12 days: a warning with the command, exit 0"
cert_for doc-soon client --days 12
cfg=$(variant "$CLIENT_CFG" soon "/client.pem" "/doc-soon.pem" "/client.key" "/doc-soon.key")
assert_exit 0 doctor "$cfg"
has_line "^warning: certificate: $MST_CERT_DIR/doc-soon.pem expires in 1[12] days; fix: muster cert issue $MST_CERT_DIR doc-soon --client"
has_line "^muster doctor: 0 errors, 1 warning$"

step "an expired certificate, and one of the wrong kind"
cert_for doc-old client --start-days -400 --days 365
cfg=$(variant "$CLIENT_CFG" old "/client.pem" "/doc-old.pem" "/client.key" "/doc-old.key")
assert_exit 1 doctor "$cfg"
has_line "^error: certificate: $MST_CERT_DIR/doc-old.pem has expired \(3[45] days ago\); fix: muster cert issue"
cfg=$(variant "$CLIENT_CFG" kind "/client.pem" "/node1.pem" "/client.key" "/node1.key")
assert_exit 1 doctor "$cfg"
has_line "^error: certificate: $MST_CERT_DIR/node1.pem is a server certificate; this side needs a client one; fix: muster cert issue $MST_CERT_DIR node1 --client"

step "a node certificate for another CN than the identity"
cert_for doc-other server
cfg=$(variant "$SERVER_CFG" cn "/node1.pem" "/doc-other.pem" "/node1.key" "/doc-other.key")
assert_exit 1 check "$cfg"
has_line "^error: certificate: $MST_CERT_DIR/doc-other.pem is for CN \"doc-other\" but identity is \"node1\": clients refuse its replies; fix: muster cert issue $MST_CERT_DIR node1 --server"

step "a key readable by others: chmod 600"
cp "$MST_CERT_DIR/client.key" "$T/open.key"
chmod 644 "$T/open.key"
cfg=$(variant "$CLIENT_CFG" openkey "$MST_CERT_DIR/client.key" "$T/open.key")
assert_exit 1 doctor "$cfg"
has_line "^error: key: $T/open.key is open to group or others \(mode 0644\): musterd and muster refuse it; fix: chmod 600 $T/open.key$"

step "an unreachable broker URL beside a good one: that URL is named"
dead=amqp://guest:guest@127.0.0.1:1
cfg=$(variant "$CLIENT_CFG" deadurl "urls = \[\"$MUSTER_TEST_URL\"\]" "urls = [\"$dead\", \"$MUSTER_TEST_URL\"]")
assert_exit 1 doctor "$cfg" -v
has_line "^error: broker: amqp://guest@127.0.0.1:1: connecting to 127.0.0.1:1: .*; fix: check that RabbitMQ listens there"
has_line "^ok: broker: ${MUSTER_TEST_URL/:guest@/@} answers"
assert_not_contains "$OUT" "guest:guest" "the password is shown"
has_line "^muster doctor: 1 error,"

if [[ $MUSTER_TEST_URL == amqps://* ]]; then
    step "TLS against a CA that did not sign the broker's certificate"
    "$MUSTER" cert init "$T/other-ca" >/dev/null
    cfg=$(variant "$CLIENT_CFG" otherca "ca = \"$MST_CERT_DIR/ca.pem\"" "ca = \"$T/other-ca/ca.pem\"")
    assert_exit 1 doctor "$cfg"
    has_line "^error: broker: amqps://.*; fix: check that security.ca is the CA that signed the broker's certificate"
fi

if command -v faketime >/dev/null; then
    step "a clock 5 minutes ahead of the broker (faketime): error; 20 s: warning"
    # (Behind would also make the freshly made certificates not valid yet.)
    fake() {
        at_time "$1" "$MUSTER" -c "$CLIENT_CFG" doctor
    }
    assert_exit 1 fake +300s
    has_line "^error: clock: this clock is (29[89]|30[0-2])\.[0-9] s ahead of the broker's at .*, more than security.skew \(60 s\).*; fix: sync the clock: timedatectl set-ntp true"
    assert_exit 0 fake +20s
    has_line "^warning: clock: this clock is (1[89]|2[0-2])\.[0-9] s ahead of the broker's"
else
    echo "no faketime here: the clock step is skipped"
fi

step "a DDL that does not load"
mkdir -p "$T/ddl"
# shellcheck disable=SC2016 # "$schema" is JSON, not a variable
printf '{"$schema": "x", "metadata": {"name": "broken"}}\n' >"$T/ddl/broken.json"
MUSTER_DDL_PATH=$T/ddl assert_exit 1 doctor "$CLIENT_CFG"
has_line "^error: ddl: agent broken: $T/ddl/broken.json"

step "a facts file that does not parse: musterd would not start"
printf 'role: [web\n' >"$T/broken-facts.yaml"
cfg=$(variant "$SERVER_CFG" badfacts 'audit: {' "facts: { files = [\"$T/broken-facts.yaml\"]; };\naudit: {")
assert_exit 1 check "$cfg"
has_line "^error: facts: .*$T/broken-facts.yaml.*; fix: fix that source: musterd does not start with a broken one"

step "a policy file that does not parse, and an audit file that cannot be written"
printf 'policy default deny\nallow\tcert=alice\n' >"$POLICY/package.policy"
mkdir -p "$T/audit-is-a-dir"
cfg=$(variant "$SERVER_CFG" badpolicy "$T/audit.log" "$T/audit-is-a-dir")
assert_exit 1 check "$cfg"
has_line "^error: policy: $POLICY/package.policy:2: .*; fix: fix that line"
has_line "^error: files: audit.file $T/audit-is-a-dir cannot be written: Is a directory; fix: "
cfg=$(variant "$SERVER_CFG" nodir "$T/audit.log" "$T/no/such/dir/audit.log")
assert_exit 1 check "$cfg"
has_line "^error: files: audit.file $T/no/such/dir/audit.log does not exist and its directory $T/no/such/dir is not writable"
has_line "^musterd --check: 2 errors"
