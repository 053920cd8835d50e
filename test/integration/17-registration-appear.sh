#!/bin/bash
# Six daemons register on muster.registration; a one-shot `muster collect`
# stores all six with their facts, silently; the daemons count what they
# sent; a later run takes the "still here" ones (-v says so); a fact edit +
# SIGHUP reaches the store by registration and its history as a change.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/registration_lib.sh
. "$(dirname "$0")/registration_lib.sh"

reg_client_cfg

step "a first run declares the collector queue: nothing yet, no output"
assert_exit 0 collect
assert_eq "" "$OUT" "stdout of a quiet run"
assert_eq "" "$ERR" "stderr of a quiet run"

step "six daemons register at start and every 2 s"
reg_daemons 6 2
collect_until 6 || fail "the store holds $(stored_count) nodes, expected 6"
assert_eq "$(printf 'node%s\n' 1 2 3 4 5 6)" "$(stored)" "stored identities"
assert_eq web "$(stored_fact node3 role)" "node3's role"
assert_eq db "$(stored_fact node4 role)" "node4's role"
assert_eq 5 "$(stored_fact node5 n)" "node5's n"

step "each daemon counts its registrations"
for i in 1 6; do
    sent=$(muster_cmd rpc rpcutil daemon_stats -I "node$i" -j | jq -r '.replies[0].data.registrations')
    [ "$sent" -ge 1 ] || fail "node$i: registrations is $sent"
done

step "unchanged daemons say \"still here\""
wait_for "collect -v | grep -q 'still here'" 20 || fail "no still-here registration was stored"
assert_exit 0 collect -v
assert_contains "$OUT" "refused 0"

step "a fact edit + SIGHUP is registered and kept as a change"
sed -i 's/^role: db/role: dbmaster/' "$T/node4.facts.yaml"
kill -HUP "$(daemon_pid 4)"
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'collect >/dev/null 2>&1; [ "$(stored_fact node4 role)" = dbmaster ]' 20 ||
    fail "node4's new role did not reach the store: $(stored_fact node4 role)"
assert_exit 0 muster_cmd inventory --db "$DB" --changes --since 1h --format jsonl -I node4
change=$(jq -c 'select(.kind=="fact_changed")' <<<"$OUT")
assert_eq '"role" "db" "dbmaster"' "$(jq -r '"\"\(.name)\" \"\(.old)\" \"\(.new)\""' <<<"$change")"
assert_eq db "$(stored_fact node2 role)" "node2's role, not edited"
stop_daemons
