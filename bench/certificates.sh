#!/usr/bin/env bash
# Certificate signatures (issue 18), end to end through the release server, and the engine
# alone:
#
#   bench/certificates.sh [sqlite|postgres]     (both by default; ~2 minutes a backend, builds aside)
#
# 1. Engine (once): the 1 MB / 10-page fixture of bench/pdf-sign.sh signed in memory with each
#    key as PKCS#8 and on a SoftHSM2 token (crates/signet-pkcs11/examples/bench_pkcs11.rs).
# 2. Server, per backend, a fresh server and database per row group: `signet-load docsign`
#    (VIRTUAL_SIGN, then DOC_SIGNER with a PKCS#12 and a SoftHSM key, RSA-2048 and P-256) and
#    `signet-load dsc` (prepare, the key signs in the generator, complete), each timing only
#    the signatures of BENCH_DOCS (200) pre-sent documents of BENCH_PDF_KB (1024) KiB at each
#    of BENCH_CONCURRENCIES ("1 4"). Every signature completes its document, whose audit trail
#    the server then seals; with BENCH_KEEP_OPEN=1 (the default) VIRTUAL_SIGN and the PKCS#12
#    RSA key are measured again on documents that a reviewer slot keeps open ("kept open"),
#    to tell the signature from the seal that follows it.
#
# Two PKIs, both leaf → intermediate → root, with the leaves good-rsa (RSA-2048) and good-p256:
# - "plain", made here: no certificate names an OCSP responder or a CRL, so nothing is fetched
#   and no DSS is added (PAdES B-B). The main rows.
# - "B-LT" (BENCH_LTV=1, the default): crates/signet-pdf/tests/pki/make-pki.sh served by its
#   serve.py on 127.0.0.1. Every certificate signature then fetches the leaf's OCSP answer
#   (serve.py runs `openssl ocsp` per request: its CPU is in "Other") and the root's CRL (for
#   the intermediate) before signing, and appends a DSS revision after it. Rows marked "B-LT".
# The server trusts the PKI's root (SIGNET_SIGNER_TRUST_ROOTS), so every signature also checks
# the chain. No timestamp authority: no row is B-T.
#
# Needs openssl, softhsm2 and opensc (scripts/test installs them), python3, sqlite3, psql.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DOCS=${BENCH_DOCS:-200}
CONCURRENCIES=${BENCH_CONCURRENCIES:-1 4}
PDF_KB=${BENCH_PDF_KB:-1024}
ENGINE_ROUNDS=${BENCH_ENGINE_ROUNDS:-50}
LTV=${BENCH_LTV:-1}
KEEP_OPEN=${BENCH_KEEP_OPEN:-1}
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
TOKEN="Signet Org"
PIN=246810
source "$ROOT/bench/lib.sh" "${1:-all}"
# The engine's examples: the fixture maker and the PKCS#11 comparison.
cargo build --release -q -p signet-pdf -p signet-pkcs11 --example make_fixture --example bench_pkcs11
EXAMPLES=$BIN/examples

RESPONDER_PID=
stop_responder() {
    if [[ -n $RESPONDER_PID ]]; then
        kill "$RESPONDER_PID" 2>/dev/null || true
        wait "$RESPONDER_PID" 2>/dev/null || true
        RESPONDER_PID=
    fi
}
trap 'stop_responder; cleanup' EXIT

# plain_pki DIR: the file names make-pki.sh writes for what is used here (root.pem,
# intermediate.{pem,der}, LEAF.{key,pem,der,p12} with password "signet"), and no revocation
# sources in any certificate.
plain_pki() {
    local d=$1
    mkdir -p "$d"
    (
        cd "$d"
        printf '%s\n' "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >ca.ext
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,nonRepudiation" "subjectKeyIdentifier=hash" \
            "authorityKeyIdentifier=keyid" >leaf.ext
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key 2>/dev/null
        openssl req -x509 -new -key root.key -sha256 -days 30 -subj "/O=Signet bench/CN=Bench Root" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -out root.pem
        # issue NAME SUBJECT ISSUER EXTFILE
        issue() {
            openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
            openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 30 \
                -sha256 -extfile "$4" -out "$1.pem" 2>/dev/null
            openssl x509 -in "$1.pem" -outform DER -out "$1.der"
        }
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out intermediate.key 2>/dev/null
        issue intermediate "/O=Signet bench/CN=Bench Issuing CA" root ca.ext
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out good-rsa.key 2>/dev/null
        issue good-rsa "/O=Signet bench/CN=Signet Test Signer RSA" intermediate leaf.ext
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out good-p256.key
        issue good-p256 "/C=IN/ST=Karnataka/CN=Asha Rao" intermediate leaf.ext
        cat intermediate.pem root.pem >chain.pem
        for leaf in good-rsa good-p256; do
            openssl pkcs12 -export -inkey $leaf.key -in $leaf.pem -certfile chain.pem -name $leaf \
                -passout pass:signet -out $leaf.p12
        done
    )
}

# token PKI_DIR: a SoftHSM2 token holding both leaves' keys as org-rsa and org-p256, as
# crates/signet/tests/common/pki.rs makes it; exports SOFTHSM2_CONF for the server.
token() {
    local d=$1 t=$ROOT/crates/signet-pkcs11/tests/softhsm-token.sh
    bash "$t" "$d/softhsm" init "$TOKEN" $PIN 5678
    bash "$t" "$d/softhsm" key "$TOKEN" $PIN org-rsa 01 "$d/good-rsa.key" "$d/good-rsa.pem"
    bash "$t" "$d/softhsm" key "$TOKEN" $PIN org-p256 02 "$d/good-p256.key" "$d/good-p256.pem"
    bash "$t" "$d/softhsm" cert "$TOKEN" $PIN issuing-ca 10 "$d/intermediate.pem"
    export SOFTHSM2_CONF=$d/softhsm/softhsm2.conf
}

# ltv_pki DIR: make-pki.sh's PKI and its OCSP and CRL server on a free port.
ltv_pki() {
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    bash "$ROOT/crates/signet-pdf/tests/pki/make-pki.sh" "$1" "$port"
    python3 "$ROOT/crates/signet-pdf/tests/pki/serve.py" "$1" "$port" --keep-running \
        >"$1/serve.out" 2>"$1/serve.err" &
    RESPONDER_PID=$!
    for _ in $(seq 100); do
        grep -qx "$port" "$1/serve.out" 2>/dev/null && return
        sleep 0.1
    done
    echo "serve.py did not start" >&2
    exit 1
}

# rows BACKEND PKI_DIR SUFFIX SIGNET-LOAD-ARGS…: a fresh server trusting the PKI's root, then
# the subcommand at each concurrency; prints its table rows, the label followed by SUFFIX.
rows() {
    local backend=$1 pki=$2 suffix=$3 dir c
    shift 3
    dir=$WORK/srv-$RANDOM
    mkdir -p "$dir"
    use_backend "$backend"
    SIGNET_SIGNER_TRUST_ROOTS=$pki/root.pem SIGNET_PKCS11_MODULES=$SOFTHSM \
        SIGNET_WEBHOOK_ALLOW_PRIVATE=true start_server "$dir"
    SIGNET_URL=$URL SIGNET_TOKEN=$(create_token "$dir")
    export SIGNET_URL SIGNET_TOKEN
    for c in $CONCURRENCIES; do
        "$BIN/signet-load" "$@" --requests "$DOCS" --pdf-kb "$PDF_KB" --concurrency "$c" \
            --server-pid "$SERVER_PID" 2>>"$WORK/load.log" | grep '^| ' |
            sed "s/^| \([^|]*\) |/| \1$suffix |/" ||
            { echo "signet-load $* failed:" >&2; tail -5 "$WORK/load.log" >&2; exit 1; }
    done
    stop_server
    drop_database
    rm -rf "$dir" "$dir.out" "$dir.err"
}

# every_key BACKEND PKI_DIR SUFFIX WHICH: WHICH is "all" or "ltv" (one RSA DOC_SIGNER and one
# P-256 DSC row, enough to see what fetching adds).
every_key() {
    local b=$1 p=$2 s=$3
    if [[ $4 == all ]]; then
        rows "$b" "$p" "$s" docsign --key virtual
    fi
    rows "$b" "$p" "$s" docsign --key pkcs12 --p12 "$p/good-rsa.p12"
    if [[ $4 == all ]]; then
        rows "$b" "$p" "$s" docsign --key pkcs12 --p12 "$p/good-p256.p12"
        rows "$b" "$p" "$s" docsign --key pkcs11 --token-label "$TOKEN" --key-label org-rsa --pin $PIN
        rows "$b" "$p" "$s" docsign --key pkcs11 --token-label "$TOKEN" --key-label org-p256 --pin $PIN
        rows "$b" "$p" "$s" dsc --key "$p/good-rsa.key" --certs "$p/good-rsa.der,$p/intermediate.der"
    fi
    rows "$b" "$p" "$s" dsc --key "$p/good-p256.key" --certs "$p/good-p256.der,$p/intermediate.der"
}

PLAIN=$WORK/plain
plain_pki "$PLAIN"
token "$PLAIN"

echo "## Engine: 1.0 MB / 10 pages in memory, median of $ENGINE_ROUNDS ($(uptime | sed 's/.*load/load/'))"
echo
"$EXAMPLES/make_fixture" 10 1 "$WORK/f1.pdf"
cat "$PLAIN/good-rsa.pem" "$PLAIN/intermediate.pem" >"$PLAIN/good-rsa-chain.pem"
cat "$PLAIN/good-p256.pem" "$PLAIN/intermediate.pem" >"$PLAIN/good-p256-chain.pem"
"$EXAMPLES/bench_pkcs11" "$SOFTHSM" "$TOKEN" $PIN "$WORK/f1.pdf" "$ENGINE_ROUNDS" \
    "org-rsa:$PLAIN/good-rsa.key:$PLAIN/good-rsa-chain.pem" \
    "org-p256:$PLAIN/good-p256.key:$PLAIN/good-p256-chain.pem"

if [[ $LTV == 1 ]]; then
    LTV_PKI=$WORK/ltv
    ltv_pki "$LTV_PKI"
fi

for backend in $BACKENDS; do
    echo
    echo "## $backend: $DOCS signatures per row, $PDF_KB KiB PDFs, calibration $("$BIN/signet-load" calibrate)/s ($(uptime | sed 's/.*load/load/'))"
    echo
    "$BIN/signet-load" header
    every_key "$backend" "$PLAIN" "" all
    if [[ $KEEP_OPEN == 1 ]]; then
        rows "$backend" "$PLAIN" "" docsign --key virtual --keep-open
        rows "$backend" "$PLAIN" "" docsign --key pkcs12 --p12 "$PLAIN/good-rsa.p12" --keep-open
    fi
    if [[ $LTV == 1 ]]; then
        # The server reads SOFTHSM2_CONF for the plain PKI's token; these rows use no token.
        every_key "$backend" "$LTV_PKI" ", B-LT" ltv
    fi
done
