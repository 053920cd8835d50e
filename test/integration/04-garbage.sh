#!/bin/bash
# Garbage and allocation bombs published straight to muster.broadcast are
# counted as invalid by every daemon, which all keep answering.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 3
write_client_cfg

bodies=(
    "00"                      # a bare integer, not an envelope
    "c1"                      # the reserved byte
    "dd ff 00 00 00"          # array32 claiming 4 billion items
    "dd 0f ff ff ff"          # array32 claiming 268 million items
    "df 0f ff ff ff"          # map32 claiming 268 million entries
    "84 a1 76 01"             # an envelope map cut short
    "81 a1 76 02"             # wrong version, missing fields
    "84 a1 76 01 a7 70 61 79 6c 6f 61 64 c4 01 00 a3 73 69 67 c0 a4 63 65 72 74 c0"
)
# the last one: a well-formed envelope whose payload is one zero byte

step "publish ${#bodies[@]} malformed messages"
for b in "${bodies[@]}"; do
    publish_raw "$b"
done
head -c 100000 /dev/urandom >"$T/random.bin"
publish_raw "$T/random.bin"
publish_raw -e muster.direct -k node2 "dd ff 00 00 00"
expected=$((${#bodies[@]} + 1))

step "every daemon still answers ping"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "3 replies"

# The last body is a well-formed but unsigned envelope: the x509 provider
# refuses it before looking at the payload (unverified), none decodes the
# payload and finds it malformed (invalid).  Either way it is one refusal.
step "each daemon counted the garbage as invalid or unverified"
for i in 1 2 3; do
    want=$expected
    [ "$i" = 2 ] && want=$((expected + 1))
    assert_exit 0 muster_cmd rpc rpcutil daemon_stats -I "node$i" -j
    assert_eq "$want" "$(jq -r '.replies[0].data | .invalid + .unverified' <<<"$OUT")" "node$i invalid+unverified count"
    grep -q "refused request" "$(daemon_log "$i")" || fail "node$i logged no refusal"
done

stop_daemons
