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

# wrk prints latencies as 812.00us, 1.84ms or 1.02s: milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
machine_ticks() { awk 'NR == 1 { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6 }' /proc/stat; }

# One wrk run of GET $2 at concurrency $3; prints a table row labelled $1. A path of
# `spread:FILE` asks, for each request, the details of a document drawn at random from the
# ids in FILE.
run_wrk() {
    local label=$1 path=$2 c=$3 s0 m0 s1 m1 out target=$SIGNET_URL$2 script=()
    if [[ $path == spread:* ]]; then
        target=$SIGNET_URL
        script=(-s "$WORK/spread.lua")
        export WRK_IDS=${path#spread:}
    fi
    s0=$(ticks_of "$SERVER_PID")
    m0=$(machine_ticks)
    # `times` after wrk prints the subshell's children's CPU: wrk's own.
    out=$(
        wrk -t1 -c"$c" -d"$DURATION" --latency -H "X-Auth-Token: $SIGNET_TOKEN" \
            -H "Content-Type: application/json" "${script[@]}" "$target"
        times
    )
    s1=$(ticks_of "$SERVER_PID")
    m1=$(machine_ticks)
    local secs rate p50 p99 errors wrk_cpu
    secs=$(awk '/requests in/ { sub(/s,?$/, "", $4); print $4 }' <<<"$out")
    rate=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    errors=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) e += $i } END { print e + 0 }' <<<"$out")
    wrk_cpu=$(tail -1 <<<"$out" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); print (u[1] * 60 + u[2]) + (s[1] * 60 + s[2]) }')
    awk -v l="$label" -v c="$c" -v r="$rate" -v p50="$p50" -v p99="$p99" -v e="$errors" \
        -v srv=$((s1 - s0)) -v all=$((m1 - m0)) -v w="$wrk_cpu" -v t="$secs" 'BEGIN {
        printf "| %s | %d | %s | %s | %s | %s | %.0f %% | %.0f %% | %.0f %% |\n",
            l, c, r, p50, p99, e, srv / t, w * 100 / t, (all / 100 - srv / 100 - w) * 100 / t }'
}

cat >"$WORK/spread.lua" <<'EOF'
local ids = {}
for id in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = id end
request = function()
    return wrk.format(nil, "/api/v3.3/document/details?documentId=" .. ids[math.random(#ids)])
end
EOF

# Fails the run unless GET $1 answers status 1.
check_answer() {
    local body
    body=$(curl -sf -H "X-Auth-Token: $SIGNET_TOKEN" "$SIGNET_URL$1")
    [[ $body == *'"status":1'* ]] || { echo "GET $1 did not succeed: ${body:0:300}" >&2; exit 1; }
}

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
