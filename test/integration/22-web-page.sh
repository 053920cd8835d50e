#!/bin/bash
# The console page in a real browser: five daemons (node1, 3, 5 have
# role=web, node2, 4 role=db) polled into a real inventory store, `muster
# web` serving the page, and headless Chromium (Debian's chromium, driven
# over the DevTools protocol by test/web/page_test.mjs) loading it as an
# operator would: a bad filter is shown as an error, `-F role=web` narrows
# the fleet table to the three web nodes, the form generated from
# rpcutil's DDL refuses an input its validation refuses, then runs
# `get_fact fact=role` after the confirmation; the results table shows
# exactly the three nodes, OK, with "web", the aggregate is drawn as a bar
# chart and the reply times as a histogram.  The screenshot stays in the
# test's directory (web-page.png).  Skipped (77) where Chromium or node
# cannot run, or muster was built without `muster web`.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "no jq: skipped"; exit 77; }

command -v chromium >/dev/null || { echo "no chromium: skipped"; exit 77; }
command -v node >/dev/null || { echo "no node: skipped"; exit 77; }
"$MUSTER_BUILD/client/cli/muster" complete commands 2>/dev/null | grep -cx web >/dev/null ||
    { echo "this muster has no 'web' command: skipped"; exit 77; }

DB=$T/inventory.db
start_daemons 5
MST_CONFIG_EXTRA="inventory: { db = \"$DB\"; };" write_client_cfg

step "five nodes in the store"
assert_exit 0 fill_store
assert_exit 0 muster_cmd inventory --format json
assert_eq 5 "$(jq length <<<"$OUT")"
web_nodes=$(jq -r '[.[] | select(.facts.role == "web") | .identity] | sort | join(",")' <<<"$OUT")
assert_eq node1,node3,node5 "$web_nodes"

step "muster web on a free loopback port"
port=$((MUSTER_TEST_PORT + 2600))
while ! mst_port_free "$port"; do port=$((port + 1)); done
# the binary itself in the background, not the muster_cmd function (a
# subshell, which SIGTERM would stop instead of muster web)
"$MUSTER_BUILD/client/cli/muster" -c "$CLIENT_CFG" web --listen "127.0.0.1:$port" >"$T/web.log" 2>&1 &
web_pid=$!
mst_track "$web_pid" muster-web
web_start=$(mst_starttime "$web_pid")
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'mst_broker_answers 127.0.0.1 "$port" || ! mst_alive "$web_pid" "$web_start"' 30 ||
    fail "muster web does not listen on $port: $(tail -n 5 "$T/web.log")"
mst_alive "$web_pid" "$web_start" || fail "muster web exited: $(tail -n 5 "$T/web.log")"

step "the page in Chromium"
rc=0
node "$MST_ROOT/test/web/page_test.mjs" --url "http://127.0.0.1:$port/" \
    --filter="-F role=web" --expect "$web_nodes" --fact role --value web \
    --profile "$T/chromium-profile" --shot "$T/web-page.png" || rc=$?
[ "$rc" -eq 77 ] && exit 77
assert_eq 0 "$rc" "page_test.mjs (log above; web log: $(tail -n 5 "$T/web.log"))"
[ -s "$T/web-page.png" ] || fail "no screenshot in $T/web-page.png"

step "muster web stops cleanly on SIGTERM"
krc=0
mst_kill "$web_pid" "$web_start" "$MST_STOP_GRACE" || krc=$?
status=0
wait "$web_pid" 2>/dev/null || status=$?
assert_eq 0 "$krc" "muster web needed SIGKILL"
assert_eq 0 "$status" "muster web's exit status after SIGTERM"
