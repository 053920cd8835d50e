#!/bin/bash
# bench/fleet.sh K [ROUNDS] - collection at fleet scale: bench_fleet plays
# K signing nodes in one process (2 threads, one connection each) for one
# libmusterclient client, against a private broker (bench/lib.sh).  Prints
#   fleet_certs_made, fleet_certs_s   node certificates issued by this run:
#                                     kept in $BUILD/bench/fleet-certs and
#                                     made only when missing (50,000 take
#                                     about 80 s on 2 cores)
#   fleet_all_ms_p50/_p99            publish to the K-th verified reply
#   client_replies_per_s             K-1 replies already queued, read and
#                                     verified by the client (median)
#   raw_drain_per_s                  the same messages read, not decoded
# MUSTER_FLEET_VERIFY_THREADS / MUSTER_FLEET_CERT_CACHE set the client's
# client.verify_threads / security.cert_cache (default: the configuration's
# defaults).  Figures, not assertions.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

K=${1:?usage: bench/fleet.sh K [ROUNDS]}
ROUNDS=${2:-3}
bench_setup
CERTS=${MUSTER_FLEET_CERTS:-$BUILD/bench/fleet-certs}
mkdir -p "$(dirname "$CERTS")"
"$BUILD/bench/bench_fleet" "$URL" "$K" "$CERTS" "$W" "$ROUNDS"
