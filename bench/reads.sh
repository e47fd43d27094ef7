#!/usr/bin/env bash
# Details and list, the endpoints clients poll, at several concurrencies, driven by wrk:
#
#   bench/reads.sh               both backends (~3 minutes each)
#   bench/reads.sh postgres      one backend: sqlite or postgres
#   BENCH_SEED=100000 bench/reads.sh postgres    the same with that many documents stored
#
# With documents seeded, details also run over up to 1,000 of them drawn at random per
# request, as clients polling many documents do.
#
# Why wrk and not signet-load: the generator shares the machine's two cores with the server
# and its database, so its CPU per request comes off the server's throughput. signet-load
# (reqwest) spends about 60 µs per details request, wrk about 25 µs: with wrk the figures are
# closer to what the server does when its clients are elsewhere, and the CPU columns show
# what the generator still takes. signet-load keeps the runs that need logic per request
# (create, journey, seed) and bench/compare.sh's A/B runs.
#
# For each backend: a fresh `signet serve` (release build, RUST_LOG=warn), one account, the
# workflow and document of `signet-load setup` (two invitees), optionally BENCH_SEED more
# documents, ANALYZE on PostgreSQL, then for each endpoint and each concurrency in
# BENCH_CONCURRENCIES a BENCH_DURATION run of `wrk -t1`. Every answer is checked once before
# its runs (status 1); wrk counts non-2xx answers and socket errors, printed as errors.
#
# Prints one markdown table per backend on stdout: requests per second, p50 and p99 in ms,
# and CPU as percent of one core (the machine has two: 200 %) split between the server, wrk
# and everything else (PostgreSQL, other processes). The goal of issue 3 is details at
# ≥ 10,000/s with p99 ≤ 5 ms: the row that matters is the highest rate whose p99 is ≤ 5 ms.
#
# Knobs: BENCH_DURATION (10s), BENCH_CONCURRENCIES ("4 8 16 32"), BENCH_SEED (0),
# BENCH_ENDPOINTS ("details spread list by_irn": details of one document, of many, the list,
# the list with q=),
# BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_PG_SOCKET (unset: the server reaches
# PostgreSQL over TCP; a directory such as /var/run/postgresql: over its Unix socket). Needs wrk (apt-get install wrk), curl, psql
# and sqlite3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-10s}
CONCURRENCIES=${BENCH_CONCURRENCIES:-4 8 16 32}
ENDPOINTS=${BENCH_ENDPOINTS:-details spread list by_irn}
SEED=${BENCH_SEED:-0}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
command -v wrk >/dev/null || { echo "bench/reads.sh needs wrk: apt-get install wrk" >&2; exit 2; }
source "$ROOT/bench/lib.sh" "${1:-all}"

source "$ROOT/bench/wrk.sh"

bench_backend() {
    local backend=$1 dir=$WORK/$1
    local PROFILE_ID DOCUMENT_ID SAMPLE_IRN
    serve_with_document "$dir" "$backend"
    if [[ $SEED != 0 ]]; then
        "$BIN/signet-load" seed --profile "$PROFILE_ID" --count "$SEED" --concurrency 32 >/dev/null
    fi
    settle "$dir"
    [[ -z $PG_DB ]] || psql "$PG/$PG_DB" -qc "ANALYZE"

    local how=
    [[ $backend == postgres && -n ${BENCH_PG_SOCKET:-} ]] && how=", over the Unix socket"
    echo "### $backend$how ($(date -u +%F), documents stored: $((SEED + 1)), $DURATION per run, calibration $("$BIN/signet-load" calibrate)/s)"
    echo
    echo "| Endpoint | Connections | Per second | p50 ms | p99 ms | Errors | Server CPU | wrk CPU | Other CPU |"
    echo "|---|---|---|---|---|---|---|---|---|"
    local details="/api/v3.3/document/details?documentId=$DOCUMENT_ID"
    local list="/api/v3.0/sign/request/list"
    local by_irn="/api/v3.0/sign/request/list?q=$SAMPLE_IRN"
    # Up to 1,000 stored documents, for details asked of a different one each time.
    local ids=$WORK/ids-$backend spread= count
    db_query "$dir" "SELECT id FROM documents ORDER BY random() LIMIT 1000" >"$ids"
    count=$(wc -l <"$ids")
    [[ $count -gt 1 ]] && spread=spread:$ids
    for what in $ENDPOINTS; do
        local path=${!what}
        [[ -n $path ]] || continue
        if [[ $what == spread ]]; then
            check_answer "/api/v3.3/document/details?documentId=$(head -1 "$ids")"
        else
            check_answer "$path"
        fi
        local label=${what/by_irn/list q=irn}
        label=${label/spread/details, $count documents}
        for c in $CONCURRENCIES; do
            run_wrk "$label" "$path" "$c"
        done
    done
    echo
    stop_server
    drop_database
}

for b in $BACKENDS; do
    bench_backend "$b"
done
