#!/usr/bin/env bash
# The server's load figures in BENCHMARKS.md, reproduced:
#
#   bench/server.sh              both backends (~15–25 minutes on 2 cores with the full seed)
#   bench/server.sh sqlite       one backend: sqlite or postgres
#   BENCH_SEED=10000 bench/server.sh sqlite      a quicker pass (~5 minutes)
#
# For each backend, a fresh `signet serve` (release build, RUST_LOG=warn) on an ephemeral port,
# SQLite in a temporary data dir or a throwaway PostgreSQL database on 127.0.0.1:5432 (user
# postgres, trust auth; dropped at the end), one account, and bench/load (`signet-load`):
#
# 1. create: POST /api/v3.0/sign/request with a 100 KB PDF (concurrency 32) and a 5 MB PDF
#    (concurrency 8, BENCH_BIG_REQUESTS requests).
# 2. details (GET /api/v3.3/document/details) and list (GET /api/v3.0/sign/request/list, plain
#    and with q=<irn>) on an almost empty database.
# 3. journey: create (20 KB), both invitees sign (VIRTUAL_SIGN), details with file=true, GET the
#    file URL: journeys per second and latency of each step.
# 4. seed: BENCH_SEED documents (default 100,000; 2 KB PDFs, distinct irns), then details and
#    list again, to see what a full database costs.
#
# Every run prints a summary on stderr and rows of one markdown table per backend on stdout;
# the CPU columns split the run's CPU between server, generator and everything else (PostgreSQL,
# other processes), as percent of one core (the machine has two: 200 %).
#
# Before each group of reads the server's outboxes are left to drain (`settle`), and on
# PostgreSQL the tables are ANALYZEd (`analyze`). Needs psql and sqlite3.
#
# Knobs: BENCH_DURATION (10s per timed run), BENCH_CONCURRENCY (32), BENCH_SEED (100000),
# BENCH_BIG_REQUESTS (100), BENCH_PG (postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-10s}
CONC=${BENCH_CONCURRENCY:-32}
SEED=${BENCH_SEED:-100000}
BIG=${BENCH_BIG_REQUESTS:-100}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
source "$ROOT/bench/lib.sh" "${1:-all}"

bench_backend() {
    local backend=$1 dir=$WORK/$1
    local PROFILE_ID DOCUMENT_ID SAMPLE_IRN
    serve_with_document "$dir" "$backend"
    load() { "$BIN/signet-load" "$@" --server-pid "$SERVER_PID"; }
    # What autovacuum does within a minute of a bulk load on any PostgreSQL with default
    # settings. The PostgreSQL of these machines runs with autovacuum off, so without this the
    # planner keeps the statistics of the nearly empty tables (and plans for them) for good.
    analyze() { [[ -z $PG_DB ]] || psql "$PG/$PG_DB" -qc "ANALYZE"; }
    echo "### $backend ($(date -u +%F), seed $SEED, $DURATION per timed run, calibration $("$BIN/signet-load" calibrate)/s)"
    echo
    "$BIN/signet-load" header
    load create --profile "$PROFILE_ID" --pdf-kb 100 --concurrency "$CONC" --duration "$DURATION"
    load create --profile "$PROFILE_ID" --pdf-kb 5120 --concurrency 8 --requests "$BIG"
    settle "$dir"
    analyze
    load details --document "$DOCUMENT_ID" --concurrency "$CONC" --duration "$DURATION"
    load list --concurrency "$CONC" --duration "$DURATION"
    load list --q "$SAMPLE_IRN" --concurrency "$CONC" --duration "$DURATION"
    load journey --profile "$PROFILE_ID" --concurrency "$CONC" --duration "$DURATION"
    load seed --profile "$PROFILE_ID" --count "$SEED" --concurrency "$CONC"
    local after="after seed, c$CONC"
    settle "$dir"
    analyze
    load details --document "$DOCUMENT_ID" --concurrency "$CONC" --duration "$DURATION" --label "details $after"
    load list --concurrency "$CONC" --duration "$DURATION" --label "list $after"
    load list --q "$SAMPLE_IRN" --concurrency "$CONC" --duration "$DURATION" --label "list q=irn $after"
    echo
    echo "Stored after the run: files $(du -sh "$dir" | cut -f1)$(
        [[ $backend == postgres ]] && psql "$PG/$PG_DB" -tAc \
            "SELECT ', database ' || pg_size_pretty(pg_database_size(current_database()))")"
    echo
    stop_server
    drop_database
}

for b in $BACKENDS; do
    bench_backend "$b"
done
