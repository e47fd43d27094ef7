#!/usr/bin/env bash
# The dashboard's Documents list on a large account: time to first byte and bytes of
# /app/documents (the first page, a status filter, a search, a late page), signed in as a
# browser is, with a bounded number of sequential requests each:
#
#   bench/dashboard.sh                 both backends
#   bench/dashboard.sh sqlite          one backend: sqlite or postgres
#   BENCH_SEED=2000 BENCH_PROFILE=debug bench/dashboard.sh sqlite    check the script quickly
#
# For each backend: a fresh `signet serve` (release build unless BENCH_PROFILE=debug), an
# account with its admin (`signet account create --admin-email`), the workflow and document of
# `signet-load setup`, BENCH_SEED more documents (100,000 by default; each with two invitees,
# one of them asha@example.com), ANALYZE on PostgreSQL, then a sign-in through the login form
# (its CSRF token, the session cookie) and BENCH_REQUESTS (200) requests per form of the list
# after 10 unmeasured ones. The goal of issue 17: p99 TTFB under 50 ms with 100,000 documents.
#
# Prints one markdown table per backend: p50 and p99 TTFB in ms, the page's bytes. The search by
# the invitee address every seeded document shares is the list's worst case (every document
# matches it); the IRN search is the usual one. Needs curl, psql and sqlite3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SEED=${BENCH_SEED:-100000}
REQUESTS=${BENCH_REQUESTS:-200}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
source "$ROOT/bench/lib.sh" "${1:-all}"

# p50 and p99 of the numbers in file $1 (one a line, seconds), in ms.
percentiles() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1];
        printf "%.1f | %.1f", p50 * 1000, p99 * 1000 }'
}

bench_backend() {
    local backend=$1 dir=$WORK/$1
    local PROFILE_ID DOCUMENT_ID SAMPLE_IRN
    mkdir -p "$dir"
    use_backend "$backend"
    start_server "$dir"
    local created password
    created=$("$(signet_bin)" account create --name "Bench" --admin-email admin@bench.test --data-dir "$dir")
    SIGNET_TOKEN=$(sed -n 's/.*"authToken":"\([^"]*\)".*/\1/p' <<<"$created")
    password=$(sed -n 's/.*"adminPassword":"\([^"]*\)".*/\1/p' <<<"$created")
    export SIGNET_URL=$URL SIGNET_TOKEN
    eval "$("$BIN/signet-load" setup)"
    if [[ $SEED != 0 ]]; then
        "$BIN/signet-load" seed --profile "$PROFILE_ID" --count "$SEED" --concurrency 32 >/dev/null
    fi
    settle "$dir"
    [[ -z $PG_DB ]] || psql "$PG/$PG_DB" -qc "ANALYZE"

    # Sign in as a browser does: the form's CSRF token, then the session cookie.
    local jar=$WORK/cookies-$backend csrf
    csrf=$(curl -sf -c "$jar" "$URL/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -sf -b "$jar" -c "$jar" -o /dev/null \
        --data-urlencode "email=admin@bench.test" --data-urlencode "password=$password" \
        --data-urlencode "csrf=$csrf" "$URL/login"
    grep -q signet_session "$jar" || { echo "sign-in failed" >&2; exit 1; }

    local stored total late
    stored=$(db_query "$dir" "SELECT COUNT(*) FROM documents")
    late=$(( (stored + 19) / 20 ))
    echo "### $backend ($(date -u +%F), $PROFILE build, documents stored: $stored, $REQUESTS requests each)"
    echo
    echo "| Page | p50 TTFB ms | p99 TTFB ms | Bytes |"
    echo "|---|---|---|---|"
    for form in "first page|" "filter Sent|status=sent" "search by IRN|q=$SAMPLE_IRN" \
        "search by an address every document has|q=asha%40example.com" \
        "page $late (the last)|page=$late" "page 100|page=100"; do
        local label=${form%%|*} query=${form#*|}
        local path="/app/documents${query:+?$query}" times=$WORK/times-$backend bytes=0
        : >"$times"
        for i in $(seq $((REQUESTS + 10))); do
            local out code
            out=$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_starttransfer} %{size_download}' "$URL$path")
            read -r code t bytes <<<"$out"
            [[ $code == 200 ]] || { echo "$path answered $code" >&2; exit 1; }
            [[ $i -gt 10 ]] && echo "$t" >>"$times"
        done
        echo "| $label | $(percentiles "$times") | $bytes |"
    done
    echo
    stop_server
    drop_database
}

for backend in $BACKENDS; do
    bench_backend "$backend"
done
