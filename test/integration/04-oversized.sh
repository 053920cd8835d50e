#!/bin/bash
# A message over the daemon's cap (1 MiB) but under the broker's
# max_message_size (4 MiB in the test broker) is refused by the size its
# content header announces, before its body is read into memory: each
# daemon counts it as oversized, answers the next ping, and its peak RSS
# does not grow by the body's size (rabbitmq-c alone would malloc it).
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_daemons 3
write_client_cfg

# peak_kb I: the high-water mark of node I's resident memory.
peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$(daemon_pid "$1")/status"; }

step "a first ping, so each daemon has served once"
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "3 replies"
declare -A before
for i in 1 2 3; do before[$i]=$(peak_kb "$i"); done

step "publish four 3.5 MiB messages"
head -c $((3584 * 1024)) /dev/zero | tr '\0' 'x' >"$T/big.bin"
for _ in 1 2 3 4; do publish_raw "$T/big.bin"; done

step "each daemon counted them, refused by size, and still answers"
for i in 1 2 3; do
    wait_for "[ \"\$(muster_cmd rpc rpcutil daemon_stats -I node$i -j | jq -r '.replies[0].data.oversized')\" = 4 ]" 30 ||
        fail "node$i: oversized is not 4"
    grep -q 'refused a message: body of 3670016 bytes' "$(daemon_log "$i")" ||
        fail "node$i logged no size refusal naming the size"
done
assert_exit 0 muster_cmd ping
assert_contains "$OUT" "3 replies"

step "no daemon's peak memory grew by a body"
for i in 1 2 3; do
    grew=$(($(peak_kb "$i") - before[$i]))
    echo "node$i: peak RSS grew by $grew kB"
    [ "$grew" -lt 2048 ] || fail "node$i: peak RSS grew by $grew kB (a 3,584 kB body was read into memory)"
done

stop_daemons
