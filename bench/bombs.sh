#!/usr/bin/env bash
# Peak memory of the server under a burst of decompression bombs (BENCHMARKS.md, memory):
#
#   bench/bombs.sh               both backends
#   bench/bombs.sh sqlite        one backend: sqlite or postgres
#   SIGNET_BIN=/tmp/base-target/release/signet bench/bombs.sh sqlite    another build's server
#
# A bomb is a one-page PDF of a few KB whose cross-reference stream is Flate data twice over:
# the first layer inflates to about BOMB_MB KB, the second to BOMB_MB MB (default 300), and
# the reader must inflate it to find the objects.
# For each backend: a fresh `signet serve` (release build, RUST_LOG=warn; SIGNET_* settings
# come from the environment, e.g. SIGNET_PDF_CONCURRENCY), an account and the workflow of
# `signet-load setup`, then BENCH_BOMBS (32) creates with a bomb sent at once with curl.
# Prints the answers' codes, the server's peak RSS (VmHWM from /proc) before and after the
# burst, the goal (2 x SIGNET_MAX_PDF_BYTES x SIGNET_PDF_CONCURRENCY + 100 MB), and whether
# an ordinary create still succeeds afterwards.
#
# Knobs: BENCH_BOMBS (32), BOMB_MB (300), BENCH_PG (postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BOMBS=${BENCH_BOMBS:-32}
BOMB_MB=${BOMB_MB:-300}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
source "$ROOT/bench/lib.sh" "${1:-all}"

# The create body ($1: profile) with a PDF whose cross-reference stream inflates to $2 MB more
# than its rows (0: an ordinary PDF), written to $3.
write_request() {
    python3 - "$1" "$2" >"$3" <<'EOF'
import base64, json, sys, zlib

profile, mb = sys.argv[1], int(sys.argv[2])
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]
pdf = bytearray(b"%PDF-1.7\n")
offsets = []
for n, body in enumerate(objects, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n%s\nendobj\n" % (n, body)
xref_at = len(pdf)
# The real rows (W [1 4 2]: free head, objects 1-3, the stream itself), then zeros.
rows = b"\x00\x00\x00\x00\x00\xff\xff"
rows += b"".join(b"\x01" + o.to_bytes(4, "big") + b"\x00\x00" for o in offsets + [xref_at])
deflate = zlib.compressobj(9)
data = deflate.compress(rows)
zeros = bytes(1 << 20)
for _ in range(mb):
    data += deflate.compress(zeros)
data += deflate.flush()
# Deflated twice: a few KB to send, a few hundred KB after the first layer.
data = zlib.compress(data, 9)
pdf += b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R " \
       b"/Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n" % len(data)
pdf += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
people = [{"name": "Asha Rao", "email": "asha@example.com"},
          {"name": "Ravi Kumar", "email": "ravi@example.com"}]
json.dump({"profileId": profile,
           "file": {"name": "bomb.pdf", "file": base64.b64encode(bytes(pdf)).decode()},
           "invitees": people}, sys.stdout)
EOF
}

peak_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }

create() {
    curl -sS -X POST "$SIGNET_URL/api/v3.0/sign/request" -H "X-Auth-Token: $SIGNET_TOKEN" \
        -H 'Content-Type: application/json' --data-binary "@$1"
}

bench_backend() {
    local backend=$1 dir=$WORK/$1
    local PROFILE_ID DOCUMENT_ID SAMPLE_IRN
    serve_with_document "$dir" "$backend"
    write_request "$PROFILE_ID" "$BOMB_MB" "$WORK/bomb.json"
    local before started elapsed
    before=$(peak_mb)
    started=$(date +%s.%N)
    for i in $(seq "$BOMBS"); do
        create "$WORK/bomb.json" >"$WORK/answer-$i.json" &
    done
    wait $(jobs -p | grep -vx "$SERVER_PID")
    elapsed=$(echo "$(date +%s.%N) - $started" | bc)
    local max=${SIGNET_MAX_PDF_BYTES:-15728640} permits=${SIGNET_PDF_CONCURRENCY:-4}
    echo "### $backend ($(date -u +%F), $(git rev-parse --short HEAD), $BOMBS bombs of $(($(stat -c %s "$WORK/bomb.json") / 1024)) KB inflating to $BOMB_MB MB)"
    echo
    echo "answers: $(cat "$WORK"/answer-*.json | grep -o '"code":"[^"]*"' | sort | uniq -c | xargs)"
    printf 'burst: %.1f s\n' "$elapsed"
    echo "peak RSS: ${before} MB before the burst, $(peak_mb) MB after"
    echo "goal: under $(((2 * max * permits) / 1048576 + 100)) MB (2 x $max x $permits + 100 MB)"
    write_request "$PROFILE_ID" 0 "$WORK/ordinary.json"
    echo "an ordinary create afterwards: $(create "$WORK/ordinary.json" | grep -o '"status":[01]')"
    echo
    stop_server
    drop_database
}

for b in $BACKENDS; do
    bench_backend "$b"
done
