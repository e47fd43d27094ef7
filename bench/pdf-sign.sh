#!/usr/bin/env bash
# The PDF engine's figures in BENCHMARKS.md, reproduced:
#
#   bench/pdf-sign.sh            (needs scripts/test run once, for pyHanko; ~3 minutes)
#
# 1. Fixtures: 1 MB / 10 pages, 10 MB / 500 pages, 50 MB / 50 pages, 2.5 MB / 1,000 pages,
#    with incompressible image data so sizes are real (examples/make_fixture.rs).
# 2. In-process medians (examples/bench_sign.rs): the floor (read + SHA-256), one signature
#    (read + open + sign + write), signatures per second in memory; invisible and with a
#    typed Devanagari mark.
# 3. Peak memory of one signature as a process (/usr/bin/time).
# 4. Growth: 100 signatures in sequence on the 1 MB file, time of the 1st, 10th, 50th, 100th.
# 5. pyHanko on the same files (bench/pyhanko-sign.sh), for the ratio.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
cargo build --release -q -p signet-pdf --examples
BIN=$ROOT/target/release/examples
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -sha256 -days 30 -subj "/CN=Bench Root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out root.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signer.key 2>/dev/null
openssl req -new -key signer.key -subj "/CN=Bench Signer RSA-2048" -out signer.csr
printf 'keyUsage=critical,digitalSignature,nonRepudiation\n' >signer.ext
openssl x509 -req -in signer.csr -CA root.pem -CAkey root.key -set_serial 1 -days 30 \
    -sha256 -extfile signer.ext -out signer.pem 2>/dev/null
cat signer.pem root.pem >chain.pem

"$BIN/make_fixture" 10 1 f1.pdf
"$BIN/make_fixture" 500 10 f10.pdf
"$BIN/make_fixture" 50 50 f50.pdf
"$BIN/make_fixture" 1000 2.5 p1000.pdf

echo "## In-process (RSA-2048, median of 20)"
for f in f1 f10 f50 p1000; do
    echo "invisible: $("$BIN/bench_sign" signer.key chain.pem $f.pdf 20)"
    echo "visible:   $(BENCH_VISIBLE=1 "$BIN/bench_sign" signer.key chain.pem $f.pdf 20)"
done

echo "## Peak memory, one signature as a process"
for f in f1 f10 f50; do
    /usr/bin/time -f "$f.pdf ($(stat -c %s $f.pdf) bytes): %e s, peak RSS %M KB" \
        "$BIN/sign" signer.key chain.pem $f.pdf out.pdf 2>&1 | tail -1
done

echo "## 100 signatures in sequence on f1.pdf"
"$BIN/sign" signer.key chain.pem f1.pdf seq.pdf 100 2>seq.log
sed -n '1p;10p;50p;100p' seq.log
echo "final size: $(stat -c %s seq.pdf) bytes"

echo "## pyHanko 0.38 on the same files"
for f in f1 f10 f50; do
    echo "$f.pdf:"
    "$ROOT/bench/pyhanko-sign.sh" "$WORK/$f.pdf" 5 2>&1 | tail -2
done
