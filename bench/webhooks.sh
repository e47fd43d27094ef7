#!/usr/bin/env bash
# Webhook delivery figures: how soon a webhook follows its action, and how fast a backlog drains.
#
#   bench/webhooks.sh              both backends (~1 minute each with the defaults)
#   bench/webhooks.sh sqlite       one backend: sqlite or postgres
#   BENCH_EVENTS=50000 bench/webhooks.sh sqlite     a bigger backlog
#
# For each backend, a fresh `signet serve` (release build, RUST_LOG=warn) on an ephemeral port
# with SIGNET_TEST_CLOCK=true (POST /api/signet/clock/advance moves the server's clock) and
# SIGNET_WEBHOOK_ALLOW_PRIVATE=true (webhooks may go to 127.0.0.1), SQLite in a temporary data
# dir or a throwaway PostgreSQL database on 127.0.0.1:5432 (user postgres, trust auth; dropped
# at the end), one account, and `signet-load webhooks`, which runs its own webhook receiver on
# 127.0.0.1 (it answers at once and only records what came):
#
# 1. delay: BENCH_DOCS documents, one Reviewer each whose success webhook points at the
#    receiver; BENCH_CONCURRENCY reviewers approve at a time. For each approval, the webhook's
#    arrival minus the instant the approve request was sent (commit → arrival), and minus the
#    instant its answer came (negative when the webhook beats the answer); approvals per second.
# 2. expiry burst: BENCH_EVENTS invitations (50 Reviewer slots a document, expiryDays -1) whose
#    error webhook points at the receiver, which answers 503. The clock moves 46 minutes: every
#    invitation expires, and each delivery fails its first attempt and its immediate retry
#    (2 × BENCH_EVENTS requests), then waits an hour. Time from the advance call to the last.
# 3. backlog drain: the receiver now answers 200 and the clock moves 3601 s, so every delivery
#    is due at once. Deliveries per second from the advance call to the last distinct
#    webhook-id accepted, the receiver's rate from first to last arrival, and duplicates
#    (a webhook-id accepted twice; should be 0).
#
# Every run prints a summary on stderr and rows of one markdown table per backend on stdout:
# Count is what was measured, Missing what was expected but did not come before the timeout
# (or approvals that failed), Extra what came beyond it (third attempts, duplicates). The CPU
# columns split each measurement's CPU between server, generator (receiver included) and
# everything else (PostgreSQL, other processes), as percent of one core (the machine has two).
#
# Knobs: BENCH_DOCS (500), BENCH_CONCURRENCY (4), BENCH_EVENTS (5000), BENCH_TIMEOUT (300s per
# wait of the burst and the drain), BENCH_DELAY_TIMEOUT (60s after the last approval),
# BENCH_PG (postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DOCS=${BENCH_DOCS:-500}
CONC=${BENCH_CONCURRENCY:-4}
EVENTS=${BENCH_EVENTS:-5000}
TIMEOUT=${BENCH_TIMEOUT:-300s}
DELAY_TIMEOUT=${BENCH_DELAY_TIMEOUT:-60s}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
# The servers started here take both: see the header.
export SIGNET_TEST_CLOCK=true SIGNET_WEBHOOK_ALLOW_PRIVATE=true
source "$ROOT/bench/lib.sh" "${1:-all}"

bench_backend() {
    local backend=$1 dir=$WORK/$1
    mkdir -p "$dir"
    use_backend "$backend"
    start_server "$dir"
    local token
    token=$(create_token "$dir")

    echo "### $backend ($(date -u +%F), $DOCS approvals at c$CONC, $EVENTS deliveries, calibration $("$BIN/signet-load" calibrate)/s)"
    echo
    SIGNET_URL=$URL SIGNET_TOKEN=$token "$BIN/signet-load" webhooks \
        --docs "$DOCS" --concurrency "$CONC" --events "$EVENTS" \
        --timeout "$TIMEOUT" --delay-timeout "$DELAY_TIMEOUT" --server-pid "$SERVER_PID"
    echo
    if grep -q . "$dir.err"; then
        echo "(the server's log: $(grep -c . "$dir.err") lines at RUST_LOG=${RUST_LOG:-warn}; the last:)" >&2
        tail -5 "$dir.err" >&2
    fi
    stop_server
    drop_database
}

for b in $BACKENDS; do
    bench_backend "$b"
done
