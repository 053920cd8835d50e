#!/bin/bash
# test/integration/run.sh [NAME-PREFIX...] — run every
# test/integration/NN-*.sh in order, each as its own process under
# `timeout`, against the broker in MUSTER_TEST_URL and the binaries in
# MUSTER_BUILD.  Prints PASS/FAIL per test (with the tail of its log on
# failure) and a final "N passed, N failed, N skipped"; exits non-zero if any
# failed.  A test that exits 77 could not run here: it is counted as
# skipped, never as passed.
#
# Environment (scripts/test sets all of these):
#   MUSTER_TEST_URL      amqp://guest:guest@127.0.0.1:PORT      (required)
#   MUSTER_BUILD         build directory (default: ./build)
#   MUSTER_TEST_NODE     the private broker's Erlang node name
#   MUSTER_RABBITMQCTL   rabbitmqctl wrapper for that node
#   MUSTER_TEST_TMPDIR   where per-test directories and logs go
#   MUSTER_TEST_TIMEOUT  seconds per test (default 300)
#   MUSTER_DEB_DIR       where 19-debian-packages keeps the .debs it built,
#                        reused while the source is the same (default: the
#                        test's own directory)
#
# Arguments, if any, select tests by name prefix: `run.sh 00 05-reconnect`.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${MUSTER_TEST_URL:?set MUSTER_TEST_URL (scripts/test does)}"
export MUSTER_BUILD=${MUSTER_BUILD:-$(cd "$here/../.." && pwd)/build}
if [ -z "${MUSTER_TEST_TMPDIR:-}" ]; then
    MUSTER_TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/muster-it.XXXXXX")
fi
export MUSTER_TEST_TMPDIR
mkdir -p "$MUSTER_TEST_TMPDIR"
timeout_s=${MUSTER_TEST_TIMEOUT:-300}

selected() {
    local name=$1 p
    [ ${#filters[@]} -eq 0 ] && return 0
    for p in "${filters[@]}"; do
        [[ $name == "$p"* ]] && return 0
    done
    return 1
}

filters=("$@")
passed=0
failed=0
skipped=0
for t in "$here"/[0-9][0-9]-*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    selected "$name" || continue
    dir=$MUSTER_TEST_TMPDIR/$name
    log=$MUSTER_TEST_TMPDIR/$name.log
    rm -rf "$dir"
    mkdir -p "$dir"
    start=$SECONDS
    MUSTER_TEST_DIR=$dir MUSTER_TEST_NAME=$name \
        timeout -k 10 "$timeout_s" bash "$t" </dev/null >"$log" 2>&1
    rc=$?
    took=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name (${took}s)"
    elif [ "$rc" -eq 77 ]; then
        skipped=$((skipped + 1))
        echo "SKIP $name ($(tail -n 1 "$log"))"
    else
        failed=$((failed + 1))
        why="exit $rc"
        [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why="timed out after ${timeout_s}s"
        echo "FAIL $name ($why, ${took}s; log $log)"
        tail -n 40 "$log" | sed 's/^/    | /'
    fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
