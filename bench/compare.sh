#!/usr/bin/env bash
# Throughput of two `signet` binaries, run in turns:
#
#   bench/compare.sh OLD NEW [sqlite|postgres]     (postgres by default; ~2 minutes)
#   BENCH_STEP=create bench/compare.sh OLD NEW     (details by default; or create, 100 KB PDFs)
#
# OLD and NEW are release binaries, e.g. an earlier commit's built in its own worktree and
# target directory (a shared target directory keeps whichever binary cargo thinks is fresh):
#
#   git worktree add /tmp/old <commit>
#   (cd /tmp/old && CARGO_TARGET_DIR=/tmp/old/target cargo build --release -p signet)
#   bench/compare.sh /tmp/old/target/release/signet target/release/signet
#
# The speed of these machines' hosts drifts by 20–50 % within minutes (BENCHMARKS.md), so a
# before/after figure from two separate bench/server.sh runs says little; here each of
# BENCH_ROUNDS (3) rounds runs OLD then NEW, each on a fresh server and database, for
# BENCH_DURATION (8s) of `signet-load $BENCH_STEP` at BENCH_CONCURRENCY (32). Prints one table
# row per run, then each binary's CPU per request (server, generator, other) in µs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
[[ $# -ge 2 && -x $1 && -x $2 ]] || { echo "usage: $0 OLD_BINARY NEW_BINARY [sqlite|postgres]" >&2; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
BACKEND=${3:-postgres}
DURATION=${BENCH_DURATION:-8s}
CONC=${BENCH_CONCURRENCY:-32}
ROUNDS=${BENCH_ROUNDS:-3}
STEP=${BENCH_STEP:-details}
[[ $STEP == details || $STEP == create ]] || { echo "BENCH_STEP: details or create" >&2; exit 2; }
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
source "$ROOT/bench/lib.sh" "$BACKEND"

one_run() {
    local label=$1 dir
    dir=$WORK/$label-$RANDOM
    local PROFILE_ID DOCUMENT_ID SAMPLE_IRN
    serve_with_document "$dir" "$BACKEND"
    [[ -z $PG_DB ]] || psql "$PG/$PG_DB" -qc "ANALYZE"
    local what=(--document "$DOCUMENT_ID")
    [[ $STEP == create ]] && what=(--profile "$PROFILE_ID" --pdf-kb 100)
    "$BIN/signet-load" "$STEP" "${what[@]}" --concurrency "$CONC" \
        --duration "$DURATION" --server-pid "$SERVER_PID" --label "$label" 2>/dev/null | grep '^| '
    stop_server
    drop_database
}

echo "### $STEP on $BACKEND, calibration $("$BIN/signet-load" calibrate)/s"
echo
"$BIN/signet-load" header
rows=$(for _ in $(seq "$ROUNDS"); do
    SIGNET_BIN=$OLD one_run old
    SIGNET_BIN=$NEW one_run new
done)
echo "$rows"
echo
echo "| Binary | Median per second | CPU µs per request: server | generator | other |"
echo "|---|---|---|---|---|"
for label in old new; do
    mine=$(grep "^| $label |" <<<"$rows" | tr -d '%')
    median=$(cut -d'|' -f6 <<<"$mine" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
    awk -F'|' -v l="$label" -v m="$median" '
        { n++; srv += $11 * 1e4 / $6; gen += $12 * 1e4 / $6; oth += $13 * 1e4 / $6 }
        END { printf "| %s | %.0f | %.0f | %.0f | %.0f |\n", l, m, srv / n, gen / n, oth / n }' <<<"$mine"
done
