#!/bin/bash
# The console's JSON API (docs/web.md "The API") with curl against real
# daemons and a real inventory store: three daemons with the package
# agent, polled into the store; `muster web` serves the page with its
# token; the agents and their DDLs; the nodes from the store with the
# CLI's filters and fields; rpcutil ping by filter and package status by
# node list, their replies streamed as Server-Sent Events (also to a
# stream opened after the call ended) and the summary; refused without a
# word sent: an input the DDL refuses (with muster rpc's own line), a
# request without the token (403), a state-changing action without the
# confirmation (428), a fifth call while 4 run (429), a foreign Host
# (421), a body over 64 KiB (413); a call that cannot be made ends with
# an error event; --read-only refuses calls (403); a non-loopback address
# without TLS does not start; HTTPS with web.tls_cert, without a store
# (nodes by live discovery, fact fields asked of the nodes) and with
# web.confirm_all; SIGTERM stops it cleanly, also while a call waits for
# a stopped node: its stream ends with an error event saying so.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "no jq: skipped"; exit 77; }
command -v curl >/dev/null || { echo "no curl: skipped"; exit 77; }
MUSTER=$MUSTER_BUILD/client/cli/muster
"$MUSTER" complete commands 2>/dev/null | grep -cx web >/dev/null ||
    { echo "this muster has no 'web' command: skipped"; exit 77; }

start_package_daemons 3
DB=$T/inventory.db
MST_CONFIG_EXTRA="inventory: { db = \"$DB\"; };" write_client_cfg
assert_exit 0 muster_cmd collect --poll --db "$DB"

# start_web NAME ARGS...: `muster web ARGS` on a free loopback port, in
# WEB_PORT; its pid and start time in WEB_PID, WEB_START.
port=$((MUSTER_TEST_PORT + 2650))
start_web() {
    local name=$1
    shift
    while ! mst_port_free "$port"; do port=$((port + 1)); done
    WEB_PORT=$port
    port=$((port + 1))
    "$MUSTER" -c "$CLIENT_CFG" web --listen "127.0.0.1:$WEB_PORT" "$@" >"$T/$name.log" 2>&1 &
    WEB_PID=$!
    mst_track "$WEB_PID" "$name"
    WEB_START=$(mst_starttime "$WEB_PID")
    # shellcheck disable=SC2016  # eval'd by wait_for
    wait_for 'mst_broker_answers 127.0.0.1 "$WEB_PORT" || ! mst_alive "$WEB_PID" "$WEB_START"' 30 ||
        fail "muster web does not listen on $WEB_PORT: $(tail -n 5 "$T/$name.log")"
    mst_alive "$WEB_PID" "$WEB_START" || fail "muster web exited: $(tail -n 5 "$T/$name.log")"
}

stop_web() {
    local krc=0 status=0
    mst_kill "$WEB_PID" "$WEB_START" "$MST_STOP_GRACE" || krc=$?
    wait "$WEB_PID" 2>/dev/null || status=$?
    assert_eq 0 "$krc" "muster web needed SIGKILL"
    assert_eq 0 "$status" "muster web's exit status after SIGTERM"
}

# http METHOD PATH [CURL ARGS...]: CODE, BODY and HEADERS of the answer.
http() {
    local method=$1 path=$2
    shift 2
    CODE=$(curl -sS -X "$method" -o "$T/body" -D "$T/headers" -w '%{http_code}' \
        "$@" "http://127.0.0.1:$WEB_PORT$path")
    BODY=$(cat "$T/body")
    HEADERS=$(cat "$T/headers")
}
# call JSON: POST /api/calls with the session's token.
call() {
    http POST /api/calls -H "X-Muster-Token: $TOKEN" -H 'Content-Type: application/json' --data-binary "$1"
}
# events ID: the event stream of call ID, to its end (the server closes it).
events() {
    curl -sS -N --max-time 60 "http://127.0.0.1:$WEB_PORT/api/calls/$1/events"
}
# event_data NAME: the data lines of the NAME events in $EVENTS, one a line.
event_data() {
    awk -v want="event: $1" '$0 == want { take = 1; next }
        take && /^data: / { print substr($0, 7); take = 0 }' <<<"$EVENTS"
}

# calls wait long for a stopped node (the bound on running calls below);
# a node that answers ends its call at once whatever the timeout
sed -i 's/^timeout = .*/timeout = 60;/' "$CLIENT_CFG"
start_web web

step "the page carries the session token; CSP; no CORS"
http GET /
assert_eq 200 "$CODE"
TOKEN=$(grep -o 'name="muster-token" content="[0-9a-f]*"' "$T/body" | sed 's/.*content="//; s/"$//')
assert_eq 64 "${#TOKEN}" "token length"
assert_contains "$HEADERS" "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'"
assert_contains "$HEADERS" "Content-Type: text/html"
assert_contains "$BODY" '<script src="app.js"'
http GET /app.js
assert_eq 200 "$CODE"
assert_contains "$HEADERS" "Content-Type: text/javascript"
assert_eq "$(cat "$MST_ROOT/client/web/app.js")" "$BODY" "app.js as built in"
http GET /style.css
assert_contains "$HEADERS" "Content-Type: text/css"
http GET /api/session -H 'Origin: http://evil.example'
assert_eq 200 "$CODE"
assert_eq "$TOKEN" "$(jq -r .token <<<"$BODY")"
assert_eq false "$(jq -r .read_only <<<"$BODY")"
assert_eq cert=client "$(jq -r .identity <<<"$BODY")"
assert_not_contains "$HEADERS" "Access-Control-"
http GET /no-such-page
assert_eq 404 "$CODE"

step "the agents and a DDL"
http GET /api/agents
assert_eq 200 "$CODE"
assert_eq true "$(jq '.agents | index("rpcutil") != null and index("package") != null' <<<"$BODY")"
http GET /api/agents/rpcutil
assert_eq 200 "$CODE"
assert_eq rpcutil "$(jq -r .metadata.name <<<"$BODY")"
assert_eq '"^[\\w\\-\\.]+$"' "$(jq -c '.actions[] | select(.action == "get_fact") | .input.fact.validation' <<<"$BODY")"
http GET /api/agents/nosuch
assert_eq 404 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "no DDL for agent nosuch"

step "the nodes from the store, with the CLI's filters and fields"
http GET /api/nodes
assert_eq 200 "$CODE"
assert_eq store "$(jq -r .source <<<"$BODY")"
assert_eq node1,node2,node3 "$(jq -r '[.nodes[].identity] | join(",")' <<<"$BODY")"
http GET '/api/nodes?filter=-F+role%3Dweb&fields=identity,role,os.family'
assert_eq 200 "$CODE"
assert_eq '[{"identity":"node1","role":"web","os.family":"Debian"},{"identity":"node3","role":"web","os.family":"Debian"}]' \
    "$(jq -c '[.nodes[] | {identity, role, "os.family"}]' <<<"$BODY")"
http GET '/api/nodes?filter=-S+%22role%3Ddb+or+n%3D3%22&fields=identity'
assert_eq node2,node3 "$(jq -r '[.nodes[].identity] | join(",")' <<<"$BODY")"
http GET '/api/nodes?filter=-Q+x'
assert_eq 400 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "'-Q': not a filter option"

step "rpcutil ping by filter: replies streamed, then the summary"
call '{"agent": "rpcutil", "action": "ping", "filter": "-F role=web"}'
assert_eq 202 "$CODE" "POST /api/calls: $BODY"
id=$(jq -r .id <<<"$BODY")
EVENTS=$(events "$id")
assert_eq node1,node3 "$(event_data reply | jq -rs '[.[].sender] | sort | join(",")')"
assert_eq 0,0 "$(event_data reply | jq -rs '[.[].statuscode] | join(",")')"
assert_eq true "$(event_data reply | jq -s 'all(.rtt_ms >= 0 and (.data.pong | type) == "number")')"
end=$(event_data end)
assert_eq 2 "$(jq -r .stats.responses <<<"$end")"
assert_eq 2 "$(jq -r .stats.ok <<<"$end")"
assert_eq '[]' "$(jq -c .stats.no_responses <<<"$end")"
http GET "/api/calls/$id"
assert_eq 200 "$CODE"
assert_eq ended "$(jq -r .state <<<"$BODY")"
assert_eq 2 "$(jq '.replies | length' <<<"$BODY")"
assert_eq 2 "$(jq .stats.responses <<<"$BODY")"

step "package status of dpkg on a node list: the versions and the aggregates"
call '{"agent": "package", "action": "status", "inputs": {"package": "dpkg"},
       "nodes": ["node1", "node2", "node3"], "batch": {"size": 2, "sleep": 0}}'
assert_eq 202 "$CODE" "POST /api/calls: $BODY"
id=$(jq -r .id <<<"$BODY")
EVENTS=$(events "$id")
version=$(dpkg-query -W -f='${Version}' dpkg)
assert_eq node1,node2,node3 "$(event_data reply | jq -rs '[.[].sender] | sort | join(",")')"
assert_eq "$version $version $version" "$(event_data reply | jq -rs '[.[].data.version] | join(" ")')"
end=$(event_data end)
assert_eq 3 "$(jq -r .stats.ok <<<"$end")"
assert_eq 2 "$(jq -r .stats.batches <<<"$end")"
# the DDL's summary of ensure: the three nodes have the same version
assert_eq 3 "$(jq --arg v "$version" '.aggregates[] | select(.output == "ensure") | .value[$v]' <<<"$end")"
step "a stream opened after the end replays every reply, then the end"
EVENTS=$(events "$id")
assert_eq 3 "$(event_data reply | wc -l)"
assert_eq 1 "$(event_data end | wc -l)"

step "an input the DDL refuses: 400 with muster rpc's line, nothing sent"
assert_exit 2 muster_cmd rpc rpcutil get_fact 'fact=role;' -I node1
call '{"agent": "rpcutil", "action": "get_fact", "inputs": {"fact": "role;"}, "nodes": ["node1"]}'
assert_eq 400 "$CODE"
assert_eq "$ERR" "muster: $(jq -r .error <<<"$BODY")"
assert_exit 2 muster_cmd rpc rpcutil get_fact -I node1
call '{"agent": "rpcutil", "action": "get_fact", "nodes": ["node1"]}'
assert_eq 400 "$CODE"
assert_eq "$ERR" "muster: $(jq -r .error <<<"$BODY")"
assert_exit 2 muster_cmd rpc rpcutil nosuch -I node1
call '{"agent": "rpcutil", "action": "nosuch", "nodes": ["node1"]}'
assert_eq "$ERR" "muster: $(jq -r .error <<<"$BODY")"
call '{"agent": "rpcutil", "action": "ping", "filter": "-F"}'
assert_eq 400 "$CODE"
call '{"agent": "rpcutil", "action": "ping", "nodes": ["node1", "no such"]}'
assert_eq 400 "$CODE"
call 'not json'
assert_eq 400 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "not a JSON object"
# nothing was sent: the next call gets the next id
http GET "/api/calls/$((id + 1))"
assert_eq 404 "$CODE"

step "a call that cannot be made ends with an error event"
call '{"agent": "rpcutil", "action": "ping", "filter": "-F role=nothing", "batch": {"size": 1}}'
assert_eq 202 "$CODE"
id=$(jq -r .id <<<"$BODY")
EVENTS=$(events "$id")
assert_eq "no nodes matched" "$(event_data error)"
http GET "/api/calls/$id"
assert_eq failed "$(jq -r .state <<<"$BODY")"
assert_eq "no nodes matched" "$(jq -r .error <<<"$BODY")"
next=$((id + 1))

step "no token, a wrong token: 403"
http POST /api/calls -H 'Content-Type: application/json' \
    --data-binary '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"]}'
assert_eq 403 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "X-Muster-Token"
wrong=${TOKEN%?}0
[ "$wrong" = "$TOKEN" ] && wrong=${TOKEN%?}1
http POST /api/calls -H "X-Muster-Token: $wrong" -H 'Content-Type: application/json' \
    --data-binary '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"]}'
assert_eq 403 "$CODE"
http GET "/api/calls/$next"
assert_eq 404 "$CODE"

step "an action that changes state needs the confirmation step: 428"
call '{"agent": "package", "action": "install", "inputs": {"package": "no-such-package-here"}, "nodes": ["node1"]}'
assert_eq 428 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "package install changes state"
http GET "/api/calls/$next"
assert_eq 404 "$CODE"

step "at most 4 calls run at once: a fifth gets 429"
kill -STOP "$(daemon_pid 3)"
running=()
for _ in 1 2 3 4; do
    call '{"agent": "rpcutil", "action": "ping", "nodes": ["node3"]}'
    assert_eq 202 "$CODE"
    running+=("$(jq -r .id <<<"$BODY")")
done
http GET "/api/calls/${running[0]}"
assert_eq running "$(jq -r .state <<<"$BODY")"
call '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"]}'
assert_eq 429 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "4 calls are running"
kill -CONT "$(daemon_pid 3)"
for id in "${running[@]}"; do
    EVENTS=$(events "$id")
    assert_eq node3 "$(event_data reply | jq -r .sender)"
done
call '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"]}'
assert_eq 202 "$CODE"

step "a foreign Host (DNS rebinding): 421, the token not given away"
http GET /api/session -H "Host: evil.example:$WEB_PORT"
assert_eq 421 "$CODE"
assert_not_contains "$BODY" "$TOKEN"
http GET / -H "Host: evil.example"
assert_eq 421 "$CODE"
http GET /api/session -H "Host: localhost:$WEB_PORT"
assert_eq 200 "$CODE"

step "a body over 64 KiB, with a length or chunked: 413"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big.json"
http POST /api/calls -H "X-Muster-Token: $TOKEN" --data-binary "@$T/big.json"
assert_eq 413 "$CODE"
# chunked: no Content-Length to refuse it by, the bound is kept while
# reading
http POST /api/calls -H "X-Muster-Token: $TOKEN" -H 'Transfer-Encoding: chunked' --data-binary "@$T/big.json"
assert_eq 413 "$CODE"
stop_web

step "--read-only: the nodes, but no calls (403)"
start_web web-ro --read-only
http GET /api/session
assert_eq true "$(jq -r .read_only <<<"$BODY")"
TOKEN=$(jq -r .token <<<"$BODY")
http GET /api/nodes
assert_eq 3 "$(jq '.nodes | length' <<<"$BODY")"
call '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"]}'
assert_eq 403 "$CODE"
assert_contains "$(jq -r .error <<<"$BODY")" "read-only"
stop_web

step "not loopback without TLS: refused at start"
assert_exit 2 muster_cmd web --listen "0.0.0.0:$port"
assert_contains "$ERR" "not loopback: it needs HTTPS"
assert_exit 2 muster_cmd ping --read-only
assert_contains "$ERR" "options of 'muster web'"

step "HTTPS with web.tls_cert and web.tls_key; no store: live discovery; web.confirm_all"
WEBCA=$T/web-ca
"$MUSTER" cert init "$WEBCA" >/dev/null
"$MUSTER" cert issue "$WEBCA" console --server --san 127.0.0.1 >/dev/null
write_client_cfg "$T/tls.cfg"
printf 'web: { tls_cert = "%s"; tls_key = "%s"; confirm_all = true; };\n' \
    "$WEBCA/console.pem" "$WEBCA/console.key" >>"$CLIENT_CFG"
start_web web-tls
https() { curl -sS --cacert "$WEBCA/ca.pem" "$@"; }
url=https://127.0.0.1:$WEB_PORT
out=$(https "$url/api/session")
assert_eq cert=client "$(jq -r .identity <<<"$out")"
assert_eq true "$(jq -r .confirm_all <<<"$out")"
TOKEN=$(jq -r .token <<<"$out")
out=$(https "$url/api/nodes?filter=-F+role%3Dweb")
assert_eq discovery "$(jq -r .source <<<"$out")"
assert_eq node1,node3 "$(jq -r '[.nodes[].identity] | join(",")' <<<"$out")"
# fact fields asked of the nodes live: each node's own values
out=$(https "$url/api/nodes?filter=-F+role%3Dweb&fields=identity,role,facts.os.family,nosuch")
assert_eq discovery "$(jq -r .source <<<"$out")"
assert_eq '[{"identity":"node1","role":"web","facts.os.family":"Debian","nosuch":null},{"identity":"node3","role":"web","facts.os.family":"Debian","nosuch":null}]' \
    "$(jq -c '[.nodes[] | {identity, role, "facts.os.family", nosuch}]' <<<"$out")"
out=$(https "$url/api/nodes?fields=n")
assert_eq 1,2,3 "$(jq -r '[.nodes[].n] | join(",")' <<<"$out")" "fact n per node, live"
out=$(https -X POST -H "X-Muster-Token: $TOKEN" -w ' %{http_code}' \
    -d '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"]}' "$url/api/calls")
assert_eq 428 "${out##* }" "an action that only reads, under web.confirm_all"
out=$(https -X POST -H "X-Muster-Token: $TOKEN" \
    -d '{"agent": "rpcutil", "action": "ping", "nodes": ["node1"], "confirmed": true}' "$url/api/calls")
EVENTS=$(https -N --max-time 60 "$url/api/calls/$(jq -r .id <<<"$out")/events")
assert_eq node1 "$(event_data reply | jq -r .sender)"
rc=0
curl -sS -o /dev/null "http://127.0.0.1:$WEB_PORT/api/session" 2>/dev/null || rc=$?
assert_ne 0 "$rc" "plain HTTP to the HTTPS console"
stop_web

step "SIGTERM during a call: the stream says the console stops, exit 0 without waiting for the call"
# node2 stopped: the call waits for it up to its timeout (60 s, longer
# than stop_web's grace before SIGKILL)
sed -i 's/^timeout = .*/timeout = 60;/' "$CLIENT_CFG"
start_web web-stop
url=https://127.0.0.1:$WEB_PORT
TOKEN=$(https "$url/api/session" | jq -r .token)
kill -STOP "$(daemon_pid 2)"
out=$(https -X POST -H "X-Muster-Token: $TOKEN" \
    -d '{"agent": "rpcutil", "action": "ping", "nodes": ["node1", "node2"], "confirmed": true}' "$url/api/calls")
id=$(jq -r .id <<<"$out")
https -N --max-time 120 "$url/api/calls/$id/events" >"$T/stop-events" 2>&1 &
stream=$!
mst_track "$stream" "events stream"
# the stream is open once node1's reply is in it
# shellcheck disable=SC2016  # eval'd by wait_for
wait_for 'grep -qx "event: reply" "$T/stop-events"' 30 || fail "no reply in the stream: $(cat "$T/stop-events")"
assert_eq running "$(https "$url/api/calls/$id" | jq -r .state)"
stop_web
kill -CONT "$(daemon_pid 2)"
wait "$stream" || true # the stream's end, however curl saw it
EVENTS=$(cat "$T/stop-events")
assert_eq node1 "$(event_data reply | jq -r .sender)"
assert_contains "$(event_data error)" "the console is stopping"
assert_eq "" "$(event_data end)"
assert_contains "$(cat "$T/web-stop.log")" "1 call not waited for"
