#!/usr/bin/env bash
# Times pyHanko signing a PDF (PAdES B-B, RSA-2048 signer, visible field, no timestamp): the
# reference our engine is compared with in BENCHMARKS.md.
#
#   bench/pyhanko-sign.sh FILE.pdf [RUNS]     (default 10 runs; needs scripts/test run once)
#
# Prints two means:
#   cli        `pyhanko sign addsig`, timed by hyperfine if installed (apt hyperfine), else a
#              bash loop. Includes Python start-up and imports (~0.5 s), as a user of the CLI
#              pays them.
#   in-process `signers.sign_pdf` called in a loop in one interpreter: the signing work alone,
#              the fairer comparison with a library call in our server.
# BENCH_NO_HYPERFINE=1 forces the bash loop.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PDF=$(realpath "${1:?usage: bench/pyhanko-sign.sh FILE.pdf [RUNS]}")
RUNS=${2:-10}
VENV=${SIGNET_TEST_TOOLS:-$PWD/.test-tools}/venv
PYHANKO=$VENV/bin/pyhanko
[ -x "$PYHANKO" ] || { echo "pyhanko not found in $VENV: run scripts/test once" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# A throwaway root and RSA-2048 signer, with the extensions the test PKI uses.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -sha256 -days 30 -subj "/CN=Bench Root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -out root.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signer.key 2>/dev/null
openssl req -new -key signer.key -subj "/CN=Bench Signer RSA-2048" -out signer.csr
printf 'keyUsage=critical,digitalSignature,nonRepudiation\n' >signer.ext
openssl x509 -req -in signer.csr -CA root.pem -CAkey root.key -set_serial 1 -days 30 \
    -sha256 -extfile signer.ext -out signer.pem 2>/dev/null

SIGN=("$PYHANKO" sign addsig --field 1/72,72,272,142/BenchSig --use-pades pemder
    --key signer.key --cert signer.pem --chain root.pem --no-pass "$PDF" out.pdf)
"${SIGN[@]}" # once untimed: fails loudly here rather than inside the timer

echo "pyhanko sign addsig, PAdES B-B, RSA-2048, no timestamp: $PDF ($(stat -c %s "$PDF") bytes), $RUNS runs"
if command -v hyperfine >/dev/null && [ "${BENCH_NO_HYPERFINE:-0}" != 1 ]; then
    hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json h.json "${SIGN[*]}" >/dev/null
    python3 -c 'import json; r = json.load(open("h.json"))["results"][0]
print("cli        mean %.3f s ± %.3f (hyperfine)" % (r["mean"], r["stddev"]))'
else
    total=0
    for _ in $(seq "$RUNS"); do
        start=$(date +%s%N)
        "${SIGN[@]}"
        total=$((total + $(date +%s%N) - start))
    done
    awk -v t="$total" -v n="$RUNS" 'BEGIN { printf "cli        mean %.3f s (bash loop)\n", t / n / 1e9 }'
fi

"$VENV/bin/python" - "$PDF" "$RUNS" <<'EOF'
import io, sys, time
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

pdf, runs = sys.argv[1], int(sys.argv[2])
signer = signers.SimpleSigner.load("signer.key", "signer.pem", ca_chain_files=["root.pem"])
meta = signers.PdfSignatureMetadata(field_name="BenchSig", subfilter=fields.SigSeedSubFilter.PADES)
spec = fields.SigFieldSpec("BenchSig", on_page=0, box=(72, 72, 272, 142))
data = open(pdf, "rb").read()

def sign():
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer,
                     new_field_spec=spec, output=io.BytesIO())

sign()  # warm-up
times = []
for _ in range(runs):
    start = time.perf_counter()
    sign()
    times.append(time.perf_counter() - start)
print(f"in-process mean {sum(times) / runs:.3f} s (min {min(times):.3f})")
EOF
