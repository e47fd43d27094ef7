#!/usr/bin/env bash
# Time to first byte and bytes of the dashboard's workflow editor (BENCHMARKS.md, dashboard):
#
#   bench/editor.sh                 the release build (built first)
#   SIGNET_BIN=target/debug/signet bench/editor.sh    another build, not rebuilt
#
# A fresh `signet serve` on SQLite, an account with its admin (`signet account create
# --admin-email`), a published workflow of BENCH_SLOTS (4) signers with BENCH_BOXES (2) boxes
# each, a session by the sign-in form; then BENCH_REQUESTS (300) GETs of the editor page one
# after another with curl (the page as a browser asks for it, session cookie included). Prints
# p50/p90/p99/max time to first byte, the page's bytes, and the bytes of a first visit (the
# page plus every asset it loads: style sheets, editor.js, pdf.js and its worker, which are
# cached for an hour afterwards).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
REQUESTS=${BENCH_REQUESTS:-300}
SLOTS=${BENCH_SLOTS:-4}
BOXES=${BENCH_BOXES:-2}
if [[ -z ${SIGNET_BIN:-} ]]; then
    cargo build --release -q -p signet
    SIGNET_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/signet
fi
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [[ -n $SERVER_PID ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT

DATA=$WORK/data
mkdir -p "$DATA"
export SIGNET_DATA_DIR=$DATA
unset SIGNET_DATABASE_URL
RUST_LOG=warn "$SIGNET_BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" >"$WORK/out" 2>"$WORK/err" &
SERVER_PID=$!
URL=
for _ in $(seq 300); do
    URL=$(grep -o 'Signet listening on http://[^ ]*' "$WORK/out" | head -1 | sed 's/.* on //') || true
    [[ -n $URL ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/err" >&2; exit 1; }
    sleep 0.1
done
[[ -n $URL ]] || { echo "the server did not start" >&2; exit 1; }

ACCOUNT=$("$SIGNET_BIN" account create --name "Bench" --admin-email bench@example.com)
TOKEN=$(jq -r .authToken <<<"$ACCOUNT")
PASSWORD=$(jq -r .adminPassword <<<"$ACCOUNT")

WORKFLOW=$(jq -n --argjson slots "$SLOTS" --argjson boxes "$BOXES" '{
  name: "Bench workflow", publish: true, requireSigningOrder: true,
  invitees: [range(0; $slots) as $s | {
    label: "Signer \($s + 1)", inviteeType: "Signer",
    webhook: {success: "https://example.com/ok", error: "https://example.com/err"},
    webhookHeaders: {"X-Api-Key": "secret"},
    appearances: [range(0; $boxes) as $b | {page: "L", x1: (50 + $b * 10), y1: 50, x2: (250 + $b * 10), y2: 110}]
  }]
}')
PROFILE=$(curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
    -d "$WORKFLOW" "$URL/api/signet/workflows" | jq -r .data.profileId)

JAR=$WORK/jar
LOGIN=$(curl -sf -c "$JAR" -b "$JAR" "$URL/login")
CSRF=$(grep -o 'name="csrf" value="[^"]*"' <<<"$LOGIN" | head -1 | sed 's/.*value="//; s/"$//')
curl -sf -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "email=bench@example.com" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "csrf=$CSRF" "$URL/login"

PAGE=$URL/app/workflows/$PROFILE
status=$(curl -s -o "$WORK/page.html" -w '%{http_code}' -b "$JAR" "$PAGE")
[[ $status == 200 ]] || { echo "the editor answered $status" >&2; exit 1; }
grep -q 'id="workflow-form"' "$WORK/page.html" || { echo "no editor form on the page" >&2; exit 1; }

# Warm up, then one request after another (the figure is a single user's wait, not a load test).
for _ in $(seq 20); do curl -s -o /dev/null -b "$JAR" "$PAGE"; done
for _ in $(seq "$REQUESTS"); do
    curl -s -o /dev/null -b "$JAR" -w '%{time_starttransfer}\n' "$PAGE"
done | sort -n >"$WORK/ttfb"
pct() { awk -v p="$1" '{v[NR]=$1} END {i=int(NR*p/100+0.5); if(i<1)i=1; if(i>NR)i=NR; printf "%.2f", v[i]*1000}' "$WORK/ttfb"; }

page_bytes=$(wc -c <"$WORK/page.html")
assets=0
for asset in /static/dashboard.css /static/workflows.css /static/editor.css /static/editor.js \
    /static/pdfjs/pdf.min.mjs /static/pdfjs/pdf.worker.min.mjs /static/favicon.svg; do
    n=$(curl -s -o /dev/null -w '%{size_download}' "$URL$asset")
    assets=$((assets + n))
done
echo "editor page: $SLOTS signers x $BOXES boxes, $REQUESTS requests (SQLite, $(basename "$SIGNET_BIN") $(dirname "$SIGNET_BIN" | xargs basename))"
echo "  TTFB ms: p50 $(pct 50)  p90 $(pct 90)  p99 $(pct 99)  max $(pct 100)"
echo "  bytes: page $page_bytes; first visit with assets $((page_bytes + assets)) (assets $assets, cached 1 h)"
