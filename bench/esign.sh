#!/usr/bin/env bash
# Aadhaar eSign (issue 19): the ASP's own cost per signature, and signatures per second end
# to end through `signet esp-simulator`:
#
#   bench/esign.sh [sqlite|postgres]     (both by default; about a minute a backend, builds aside)
#
# 1. ASP (once): crates/signet-esign/examples/bench_asp.rs on the 1 MB / 10-page fixture of
#    bench/pdf-sign.sh: prepare the revision with a typed mark and store it, write and sign the
#    Esign request, check the signed EsignResp and its CMS, embed; the ESP's part is made
#    between the timed steps. Median of BENCH_ENGINE_ROUNDS (50), in ms.
# 2. End to end, per backend: a release server with one form-transport 2.1 provider, the
#    simulator (the same binary) on its own port, `signet-load esign` walking BENCH_DOCS (200)
#    pre-sent documents of BENCH_PDF_KB (1024) KiB through start, the simulator's gateway and
#    authentication page, and the answer, at each of BENCH_CONCURRENCIES ("1 4"). The server's
#    CPU is measured; the simulator's (its RSA signatures, certificates and XML signatures)
#    shares the same two cores.
#
# Needs openssl, python3, psql (scripts/test installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DOCS=${BENCH_DOCS:-200}
CONCURRENCIES=${BENCH_CONCURRENCIES:-1 4}
PDF_KB=${BENCH_PDF_KB:-1024}
ENGINE_ROUNDS=${BENCH_ENGINE_ROUNDS:-50}
source "$ROOT/bench/lib.sh" "${1:-all}"
cargo build --release -q -p signet-pdf --example make_fixture -p signet-esign --example bench_asp
EXAMPLES=$BIN/examples

SIM_PID=
stop_simulator() {
    if [[ -n $SIM_PID ]]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
}
trap 'stop_simulator; cleanup' EXIT

KEYS=$WORK/keys
mkdir -p "$KEYS"
(
    cd "$KEYS"
    # key_and_cert NAME CN: an RSA-2048 key (PKCS#8) and a self-signed certificate.
    key_and_cert() {
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
        openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/O=Signet bench/CN=$2" \
            -out "$1.pem"
    }
    key_and_cert asp "Bench ASP"
    key_and_cert esp "Bench ESP"
    key_and_cert signer "Asha Rao"
    openssl pkcs12 -export -inkey asp.key -in asp.pem -passout pass:bench -out asp.p12
    openssl pkcs12 -export -inkey signer.key -in signer.pem -passout pass:bench -out signer.p12
)
cat >"$WORK/kyc.json" <<'KYC'
[{"aadhaar": "999941057058", "name": "Asha Rao", "yob": 1989, "gender": "F", "pincode": "560001", "state": "Karnataka"}]
KYC

echo "## ASP: 1.0 MB / 10 pages in memory, median of $ENGINE_ROUNDS ($(uptime | sed 's/.*load/load/'))"
echo
echo "| PDF | prepare (ms) | request (ms) | response check (ms) | embed (ms) | ASP total (ms) |"
echo "|---|---|---|---|---|---|"
"$EXAMPLES/make_fixture" 10 1 "$WORK/f1.pdf"
"$EXAMPLES/bench_asp" "$WORK/f1.pdf" "$ENGINE_ROUNDS" "$KEYS/asp.key" "$KEYS/asp.pem" \
    "$KEYS/esp.key" "$KEYS/esp.pem" "$KEYS/signer.p12" bench

# The simulator, on a free port; sets SIM_URL.
start_simulator() {
    local dir=$WORK/esp
    "$(signet_bin)" esp-simulator --listen 127.0.0.1:0 --data-dir "$dir" --kyc "$WORK/kyc.json" \
        --asp-certificate "$KEYS/asp.pem" >"$WORK/esp.out" 2>"$WORK/esp.err" &
    SIM_PID=$!
    for _ in $(seq 300); do
        SIM_URL=$(grep -o 'http://[0-9.:]*' "$WORK/esp.out" | head -1) || true
        [[ -n $SIM_URL ]] && return
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/esp.err" >&2; exit 1; }
        sleep 0.1
    done
    echo "the simulator did not start within 30 s" >&2
    exit 1
}
start_simulator
cat >"$WORK/esp.toml" <<TOML
[esp.sandbox]
version = "2.1"
transport = "form"
gateway_url = "$SIM_URL/2.1/form/signdoc"
asp_id = "ASP-TEST-1"
asp_pkcs12 = "$KEYS/asp.p12"
asp_pkcs12_password_env = "BENCH_ASP_PASSWORD"
esp_certificate = "$WORK/esp/esp.pem"
response_field = "eSignResponse"
TOML
export BENCH_ASP_PASSWORD=bench

for backend in $BACKENDS; do
    echo
    echo "## $backend: $DOCS signatures per row, $PDF_KB KiB PDFs, calibration $("$BIN/signet-load" calibrate)/s ($(uptime | sed 's/.*load/load/'))"
    echo
    "$BIN/signet-load" header
    for c in $CONCURRENCIES; do
        dir=$WORK/srv-$RANDOM
        mkdir -p "$dir"
        use_backend "$backend"
        SIGNET_ESP_CONFIG=$WORK/esp.toml SIGNET_SIGNER_TRUST_ROOTS=$WORK/esp/ca.pem \
            start_server "$dir"
        SIGNET_URL=$URL SIGNET_TOKEN=$(create_token "$dir")
        export SIGNET_URL SIGNET_TOKEN
        "$BIN/signet-load" esign --requests "$DOCS" --pdf-kb "$PDF_KB" --concurrency "$c" \
            --server-pid "$SERVER_PID" 2>>"$WORK/load.log" | grep '^| ' ||
            { echo "signet-load esign failed:" >&2; tail -5 "$WORK/load.log" >&2; exit 1; }
        stop_server
        drop_database
        rm -rf "$dir" "$dir.out" "$dir.err"
    done
done
