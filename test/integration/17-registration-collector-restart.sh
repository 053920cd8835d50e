#!/bin/bash
# A --follow collector stores six registering daemons; it is stopped
# (SIGTERM: a clean stop), the daemons keep registering and a seventh
# starts meanwhile; their registrations wait in the durable queue; the
# collector starts again and nothing is missing.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/integration/registration_lib.sh
. "$(dirname "$0")/registration_lib.sh"

reg_client_cfg

step "a collector follows six daemons"
collector_start
wait_for "rabbitmqctl -q list_queues name | grep -qx '$REG_QUEUE'" 15 ||
    fail "the collector did not declare $REG_QUEUE"
reg_daemons 6 2
wait_for "[ \"\$(stored_count)\" -ge 6 ]" 30 || fail "stored $(stored_count) of 6 while following"

step "the collector stops; registrations wait in its queue"
collector_stop
reg_daemon_cfg 7
start_daemon 7 # registers at start, with no collector running
wait_for "[ \"\$(rabbitmqctl -q list_queues name messages | awk -v q='$REG_QUEUE' '\$1 == q {print \$2}')\" -ge 7 ]" 20 ||
    fail "registrations did not wait in $REG_QUEUE"
assert_eq 6 "$(stored_count)" "nodes stored before the restart"

step "the collector starts again: nothing is missing"
collector_start
wait_for "[ \"\$(stored_count)\" -ge 7 ]" 30 || fail "stored $(stored_count) of 7 after the restart"
assert_eq "$(printf 'node%s\n' 1 2 3 4 5 6 7)" "$(stored)" "stored identities"
assert_eq web "$(stored_fact node7 role)" "node7, registered while no collector ran"
collector_stop
stop_daemons
