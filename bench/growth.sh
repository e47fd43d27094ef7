#!/usr/bin/env bash
# Is any read slower with many documents stored than with few? Two servers side by side, one
# holding BENCH_SMALL documents (100) and one BENCH_LARGE (100,000), read in turns with wrk:
#
#   bench/growth.sh               both backends (~8 minutes each)
#   bench/growth.sh postgres      one backend: sqlite or postgres
#
# Why in turns: this machine's speed drifts by 20–50 % within minutes (BENCHMARKS.md), more
# than the difference asked about, so one run at 100 documents and a later one at 100,000
# (bench/server.sh) cannot tell growth from drift. Here each round reads every endpoint on both
# servers back to back, the order swapped every round, and the summary compares medians.
#
# For each backend: two fresh `signet serve` (release build, RUST_LOG=warn), each with one
# account and the workflow and document of `signet-load setup`, then seeded to its size,
# outboxes drained, ANALYZE on PostgreSQL. Then BENCH_ROUNDS (3) rounds of BENCH_DURATION
# (10s) wrk runs at BENCH_CONCURRENCY (8) connections: details of one document, details of one
# of SPREAD stored documents drawn at random per request (BENCH_SMALL, at most 1,000: the same
# number on both servers, so that only what is stored differs, not what is read), the list,
# the list with q= an irn. Prints every run as a table row, then per endpoint the median rate and p99 of each size
# and the large/small ratio of the rates. Needs wrk (apt-get install wrk), curl, psql, sqlite3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-10s}
CONC=${BENCH_CONCURRENCY:-8}
ROUNDS=${BENCH_ROUNDS:-3}
SMALL=${BENCH_SMALL:-100}
LARGE=${BENCH_LARGE:-100000}
SPREAD=$((SMALL < 1000 ? SMALL : 1000))
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
command -v wrk >/dev/null || { echo "bench/growth.sh needs wrk: apt-get install wrk" >&2; exit 2; }
source "$ROOT/bench/lib.sh" "${1:-all}"
source "$ROOT/bench/wrk.sh"

# The servers of the backend being measured, by size: pid, URL, token, database, and the
# paths each endpoint reads.
declare -A PID_OF URL_OF TOKEN_OF DB_OF PATH_OF
stop_both() {
    for size in "${!PID_OF[@]}"; do
        SERVER_PID=${PID_OF[$size]} PG_DB=${DB_OF[$size]}
        stop_server
        drop_database
    done
    PID_OF=()
}
trap 'stop_both; cleanup' EXIT

# A server on backend $1 holding $2 documents, remembered under that size.
start_sized() {
    local backend=$1 size=$2 dir=$WORK/$1-$2
    local PROFILE_ID DOCUMENT_ID SAMPLE_IRN
    serve_with_document "$dir" "$backend"
    if [[ $size -gt 1 ]]; then
        "$BIN/signet-load" seed --profile "$PROFILE_ID" --count $((size - 1)) --concurrency 32 >/dev/null
    fi
    settle "$dir"
    [[ -z $PG_DB ]] || psql "$PG/$PG_DB" -qc "ANALYZE"
    local ids=$WORK/ids-$backend-$size
    db_query "$dir" "SELECT id FROM documents ORDER BY random() LIMIT $SPREAD" >"$ids"
    PID_OF[$size]=$SERVER_PID URL_OF[$size]=$SIGNET_URL TOKEN_OF[$size]=$SIGNET_TOKEN DB_OF[$size]=$PG_DB
    PATH_OF[$size,details]="/api/v3.3/document/details?documentId=$DOCUMENT_ID"
    PATH_OF[$size,spread]=spread:$ids
    PATH_OF[$size,list]="/api/v3.0/sign/request/list"
    PATH_OF[$size,by_irn]="/api/v3.0/sign/request/list?q=$SAMPLE_IRN"
    # The next server gets its own database; this one's is dropped by stop_both.
    SERVER_PID= PG_DB=
}

# Points the wrk helpers at the server of size $1.
use_server() {
    SERVER_PID=${PID_OF[$1]} SIGNET_URL=${URL_OF[$1]} SIGNET_TOKEN=${TOKEN_OF[$1]}
}

bench_backend() {
    local backend=$1 rows= first second
    start_sized "$backend" "$SMALL"
    start_sized "$backend" "$LARGE"
    for size in "$SMALL" "$LARGE"; do
        use_server "$size"
        for what in details list by_irn; do check_answer "${PATH_OF[$size,$what]}"; done
        check_answer "/api/v3.3/document/details?documentId=$(head -1 "${PATH_OF[$size,spread]#spread:}")"
    done

    echo "### $backend: $SMALL against $LARGE documents, in turns ($(date -u +%F), $DURATION per run, $CONC connections, calibration $("$BIN/signet-load" calibrate)/s)"
    echo
    echo "| Endpoint | Documents | Per second | p50 ms | p99 ms | Errors | Server CPU | wrk CPU | Other CPU |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for round in $(seq "$ROUNDS"); do
        first=$SMALL second=$LARGE
        [[ $((round % 2)) == 0 ]] && first=$LARGE second=$SMALL
        for what in details spread list by_irn; do
            for size in "$first" "$second"; do
                use_server "$size"
                local label=${what/by_irn/list q=irn}
                label=${label/spread/details, $SPREAD documents}
                local row
                row=$(run_wrk "$label" "${PATH_OF[$size,$what]}" "$CONC" | sed "s/^| $label | $CONC |/| $label | $size |/")
                echo "$row"
                rows+=$row$'\n'
            done
        done
    done
    echo
    echo "| Endpoint | Median per second, $SMALL | p99 ms | Median per second, $LARGE | p99 ms | $LARGE / $SMALL |"
    echo "|---|---|---|---|---|---|"
    for what in "details" "details, $SPREAD documents" "list" "list q=irn"; do
        awk -F'|' -v w="$what" -v s="$SMALL" -v l="$LARGE" '
            function median(a, n,   i, j, t) {
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                return a[int((n + 1) / 2)]
            }
            { gsub(/^ +| +$/, "", $2); gsub(/ /, "", $3) }
            $2 == w && $3 == s { rs[++ns] = $4 + 0; ps[ns] = $6 + 0 }
            $2 == w && $3 == l { rl[++nl] = $4 + 0; pl[nl] = $6 + 0 }
            END {
                ms = median(rs, ns); ml = median(rl, nl)
                printf "| %s | %.0f | %.2f | %.0f | %.2f | %.2f |\n", w, ms, median(ps, ns), ml, median(pl, nl), ml / ms
            }' <<<"$rows"
    done
    echo
    stop_both
}

for b in $BACKENDS; do
    bench_backend "$b"
done
