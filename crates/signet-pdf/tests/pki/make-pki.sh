#!/usr/bin/env bash
# A test PKI with live revocation data, made with the openssl CLI alone (about a second).
#
#   make-pki.sh OUT_DIR OCSP_PORT
#
# Every certificate that can be checked names http://127.0.0.1:OCSP_PORT, so serve the result on
# that port with `serve.py OUT_DIR OCSP_PORT` (next to this script): OCSP by POST to any path (or
# GET /ocsp/<base64>) and the CRLs at GET /crl/<name>.crl. Pick the port first (bind port 0,
# read it, close) and make a fresh PKI per test run: the port is baked into the certificates.
#
# OUT_DIR afterwards (certificates as PEM and DER, keys as unencrypted PKCS#8 PEM):
#   root.{pem,der,key}                 "Signet Test LTV Root CA", self-signed, RSA-2048; names no
#                                      revocation source (a trust anchor is not checked)
#   intermediate.{pem,der,key}         "Signet Test LTV Issuing CA", RSA-2048, issued by root;
#                                      CRL distribution point http://127.0.0.1:PORT/crl/root.crl
#   chain.pem                          intermediate then root
#   ocsp.{pem,der,key}                 the OCSP responder: issued by intermediate, RSA-2048,
#                                      extendedKeyUsage OCSPSigning, id-pkix-ocsp-nocheck
#   crl/intermediate.crl, crl/root.crl DER CRLs (30 days); crl/*.pem the same as PEM
#   intermediate-db/index.txt          the intermediate's openssl ca database: what
#                                      `openssl ocsp -index intermediate-db/index.txt
#                                      -CA intermediate.pem -rsigner ocsp.pem -rkey ocsp.key
#                                      -port N -ndays 1` answers from (serve.py runs the same
#                                      command per request with -reqin/-respout)
#   intermediate.cnf, root.cnf         the openssl ca configurations (for -revoke, -gencrl)
#   other-root.{pem,der,key}           an unrelated self-signed root (issuer of `untrusted`)
#   LEAF.{key,pem,der,p12}             for each leaf below; LEAF.p12 holds the key, the leaf and
#                                      its chain (intermediate and root, or other-root),
#                                      password "signet" (OpenSSL 3 default: AES-256, PBKDF2)
#
# Leaves issued by the intermediate name the OCSP responder http://127.0.0.1:PORT/ocsp (AIA) and
# the CRL http://127.0.0.1:PORT/crl/intermediate.crl:
#   good-rsa       RSA-2048, digitalSignature+nonRepudiation, valid from yesterday for 2 years,
#                  CN=Signet Test Signer RSA
#   good-p256      P-256, same usage and validity, an Indian DSC-style subject:
#                  C=IN, ST=Karnataka, postalCode=560001, O=Personal, title=1234,
#                  dnQualifier=1990F<sha256 hex>, CN=Asha Rao
#   expired        P-256, valid from 2 years ago to 1 year ago
#   not-yet-valid  P-256, valid from 1 year ahead for 1 year
#   wrong-usage    P-256, keyUsage keyEncipherment only
#   revoked        P-256, revoked (keyCompromise) in the database, so OCSP and the CRL say so
#   tsa            P-256, critical extendedKeyUsage timeStamping: a timestamp authority whose
#                  own status is published too; tsa.cnf is its `openssl ts -reply -config`
#                  (tests/tools/tsa_server.py --config OUT_DIR/tsa.cnf serves it over HTTP;
#                  tokens carry the chain); no PKCS#12
# And one leaf that names no revocation source:
#   untrusted      P-256, issued directly by other-root
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 OUT_DIR OCSP_PORT" >&2
    exit 2
fi
OUT=$1
PORT=$2
OPENSSL=${OPENSSL:-openssl}
PASSWORD=signet
BASE="http://127.0.0.1:$PORT"

mkdir -p "$OUT/crl"
OUT=$(cd "$OUT" && pwd)
cd "$OUT"

when() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

rsa_key() { "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null; }
p256_key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }

# ca_config NAME CERT_BASENAME: an openssl ca configuration and its empty database.
ca_config() {
    local name=$1 db="$OUT/$1-db"
    mkdir -p "$db/newcerts"
    : >"$db/index.txt"
    echo "unique_subject = no" >"$db/index.txt.attr"
    echo 1000 >"$db/serial"
    echo 1000 >"$db/crlnumber"
    cat >"$OUT/$name.cnf" <<CNF
[ ca ]
default_ca = this_ca

[ this_ca ]
database = $db/index.txt
new_certs_dir = $db/newcerts
serial = $db/serial
crlnumber = $db/crlnumber
certificate = $OUT/$name.pem
private_key = $OUT/$name.key
default_md = sha256
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
# Keeps the subject's order and every field listed below (openssl ca drops unlisted ones).
preserve = yes

[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
postalCode = optional
organizationName = optional
organizationalUnitName = optional
title = optional
dnQualifier = optional
serialNumber = optional
pseudonym = optional
commonName = supplied
emailAddress = optional

[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ root_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ intermediate_ext ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$BASE/crl/root.crl

[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$BASE/ocsp
crlDistributionPoints = URI:$BASE/crl/intermediate.crl

[ wrong_usage_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$BASE/ocsp
crlDistributionPoints = URI:$BASE/crl/intermediate.crl

[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$BASE/ocsp
crlDistributionPoints = URI:$BASE/crl/intermediate.crl

[ ocsp_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
noCheck = ignored

[ plain_leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
}

# issue CA NAME SUBJECT EXTENSIONS START END
issue() {
    local ca=$1 name=$2 subject=$3 ext=$4 start=$5 end=$6
    "$OPENSSL" req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
    "$OPENSSL" ca -batch -notext -config "$ca.cnf" -extensions "$ext" \
        -startdate "$start" -enddate "$end" -in "$name.csr" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr"
    "$OPENSSL" x509 -in "$name.pem" -outform DER -out "$name.der"
}

p12() {
    "$OPENSSL" pkcs12 -export -inkey "$1.key" -in "$1.pem" -certfile "$2" -name "$1" \
        -passout "pass:$PASSWORD" -out "$1.p12"
}

gencrl() {
    "$OPENSSL" ca -batch -config "$1.cnf" -gencrl -out "crl/$1.pem" 2>/dev/null
    "$OPENSSL" crl -in "crl/$1.pem" -outform DER -out "crl/$1.crl"
}

YESTERDAY=$(when '-1 day')
IN_TWO_YEARS=$(when '+2 years')

# The root signs itself through `openssl ca -selfsign`, which (unlike req -x509 in OpenSSL 3.0)
# takes a start date: every certificate below may then start yesterday, inside its issuer's
# validity, and clocks a little apart still agree.
ca_config root
rsa_key root
"$OPENSSL" req -new -key root.key -subj "/O=Signet tests/CN=Signet Test LTV Root CA" -out root.csr
"$OPENSSL" ca -batch -notext -selfsign -config root.cnf -extensions root_ext \
    -startdate "$(when '-2 days')" -enddate "$(when '+10 years')" -in root.csr -out root.pem 2>/dev/null
rm -f root.csr
"$OPENSSL" x509 -in root.pem -outform DER -out root.der

ca_config intermediate
rsa_key intermediate
issue root intermediate "/O=Signet tests/CN=Signet Test LTV Issuing CA" intermediate_ext \
    "$(when '-2 days')" "$(when '+5 years')"
cat intermediate.pem root.pem >chain.pem

rsa_key ocsp
issue intermediate ocsp "/O=Signet tests/CN=Signet Test OCSP Responder" ocsp_ext "$YESTERDAY" "$IN_TWO_YEARS"

rsa_key good-rsa
issue intermediate good-rsa "/O=Signet tests/CN=Signet Test Signer RSA" leaf_ext "$YESTERDAY" "$IN_TWO_YEARS"

p256_key good-p256
DNQ="1990F$(printf 'Asha Rao 560001' | sha256sum | cut -c1-64)"
issue intermediate good-p256 \
    "/C=IN/ST=Karnataka/postalCode=560001/O=Personal/title=1234/dnQualifier=$DNQ/CN=Asha Rao" \
    leaf_ext "$YESTERDAY" "$IN_TWO_YEARS"

p256_key expired
issue intermediate expired "/O=Signet tests/CN=Signet Test Expired" leaf_ext "$(when '-2 years')" "$(when '-1 year')"

p256_key not-yet-valid
issue intermediate not-yet-valid "/O=Signet tests/CN=Signet Test Not Yet Valid" leaf_ext \
    "$(when '+1 year')" "$(when '+2 years')"

p256_key wrong-usage
issue intermediate wrong-usage "/O=Signet tests/CN=Signet Test Wrong Usage" wrong_usage_ext "$YESTERDAY" "$IN_TWO_YEARS"

p256_key revoked
issue intermediate revoked "/O=Signet tests/CN=Signet Test Revoked" leaf_ext "$YESTERDAY" "$IN_TWO_YEARS"
"$OPENSSL" ca -batch -config intermediate.cnf -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null

p256_key tsa
issue intermediate tsa "/O=Signet tests/CN=Signet Test LTV TSA" tsa_ext "$YESTERDAY" "$IN_TWO_YEARS"
mkdir -p tsa-db
echo 01 >tsa-db/serial
cat >tsa.cnf <<CNF
[ tsa ]
default_tsa = ltv_tsa
[ ltv_tsa ]
serial = $OUT/tsa-db/serial
crypto_device = builtin
signer_cert = $OUT/tsa.pem
certs = $OUT/chain.pem
signer_key = $OUT/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF

for leaf in good-rsa good-p256 expired not-yet-valid wrong-usage revoked; do
    p12 "$leaf" chain.pem
done

# Another PKI altogether: a root of its own, no database, no revocation sources.
rsa_key other-root
"$OPENSSL" req -x509 -new -key other-root.key -sha256 -days 3650 \
    -subj "/O=Somebody else/CN=Unrelated Test Root CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out other-root.pem
"$OPENSSL" x509 -in other-root.pem -outform DER -out other-root.der
p256_key untrusted
"$OPENSSL" req -new -key untrusted.key -subj "/O=Somebody else/CN=Signet Test Untrusted" -out untrusted.csr
"$OPENSSL" x509 -req -in untrusted.csr -CA other-root.pem -CAkey other-root.key -CAcreateserial \
    -days 730 -sha256 -extfile intermediate.cnf -extensions plain_leaf_ext -out untrusted.pem 2>/dev/null
rm -f untrusted.csr other-root.srl
"$OPENSSL" x509 -in untrusted.pem -outform DER -out untrusted.der
p12 untrusted other-root.pem

gencrl intermediate
gencrl root
