#!/bin/bash
# musterd refuses to start, with one clear line, when its private key is
# readable by others or does not match its certificate.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/security_lib.sh
. "$(dirname "$0")/security_lib.sh"

write_daemon_cfg 1
cert_for node2 server
mkdir -p "$T/keys"
cp "$MST_CERT_DIR/node1.key" "$T/keys/open.key"
chmod 644 "$T/keys/open.key"
cp "$MST_CERT_DIR/node2.key" "$T/keys/other.key"
chmod 600 "$T/keys/other.key"

# start_with KEY: run musterd with node1's config but KEY; must exit 1.
start_with() {
    sed "s|key = \"[^\"]*\"|key = \"$1\"|" "$(daemon_cfg 1)" >"$T/bad.cfg"
    assert_exit 1 timeout 20 "$MUSTER_BUILD/server/musterd" -c "$T/bad.cfg" -f
}

step "key readable by others"
start_with "$T/keys/open.key"
assert_contains "$ERR" "accessible by group or others (mode 0644)"
step "key of another certificate"
start_with "$T/keys/other.key"
assert_contains "$ERR" "does not match certificate"
