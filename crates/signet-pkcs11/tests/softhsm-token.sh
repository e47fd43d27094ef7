#!/usr/bin/env bash
# SoftHSM2 tokens for tests: one directory holds a softhsm2.conf and its token store.
#
#   softhsm-token.sh DIR init  TOKEN USER_PIN SO_PIN
#       Writes DIR/softhsm2.conf (tokens under DIR/tokens) if missing and initialises a new
#       token labelled TOKEN in the next free slot.
#   softhsm-token.sh DIR key   TOKEN USER_PIN LABEL ID_HEX KEY.pem [CERT]
#       Imports the private key (any PEM openssl reads: PKCS#8, PKCS#1, SEC1) as LABEL with
#       CKA_ID ID_HEX, and with CERT (PEM or DER) its certificate under the same label and id.
#   softhsm-token.sh DIR cert  TOKEN USER_PIN LABEL ID_HEX CERT
#       Writes a certificate alone (a CA of the chain) as LABEL with CKA_ID ID_HEX.
#
# Then point the process that loads the module at the directory:
#   SOFTHSM2_CONF=DIR/softhsm2.conf, module /usr/lib/softhsm/libsofthsm2.so
# (SOFTHSM2_MODULE overrides the module path). SoftHSM reads SOFTHSM2_CONF once, at
# C_Initialize: one process sees the tokens of one directory.
#
# Needs softhsm2-util (apt softhsm2), pkcs11-tool (apt opensc) and openssl; scripts/test
# installs them. Prints nothing on success; exits non-zero with the tool's message otherwise.
set -euo pipefail

usage() { sed -n '2,14p' "$0" >&2; exit 2; }
[ $# -ge 5 ] || usage
dir=$1 action=$2 token=$3 pin=$4
shift 4
module=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -e "$module" ] || { echo "softhsm-token.sh: no SoftHSM module at $module (apt softhsm2)" >&2; exit 1; }

mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
export SOFTHSM2_CONF="$dir/softhsm2.conf"
if [ ! -f "$SOFTHSM2_CONF" ]; then
    cat >"$SOFTHSM2_CONF" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
EOF
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A certificate as DER, whichever encoding it came in.
to_der() {
    if grep -q -- '-----BEGIN' "$1" 2>/dev/null; then
        openssl x509 -in "$1" -outform DER -out "$2"
    else
        cp "$1" "$2"
    fi
}

write_cert() { # label id cert
    to_der "$3" "$work/cert.der"
    pkcs11-tool --module "$module" --token-label "$token" --login --pin "$pin" \
        --write-object "$work/cert.der" --type cert --id "$2" --label "$1" >"$work/out" 2>&1 ||
        { cat "$work/out" >&2; exit 1; }
}

case $action in
init)
    so_pin=$1
    softhsm2-util --init-token --free --label "$token" --pin "$pin" --so-pin "$so_pin" >"$work/out" 2>&1 ||
        { cat "$work/out" >&2; exit 1; }
    ;;
key)
    [ $# -ge 3 ] || usage
    label=$1 id=$2 key=$3 cert=${4:-}
    # softhsm2-util imports PKCS#8 only.
    openssl pkey -in "$key" -out "$work/key.pem"
    softhsm2-util --import "$work/key.pem" --token "$token" --label "$label" --id "$id" --pin "$pin" \
        >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
    [ -z "$cert" ] || write_cert "$label" "$id" "$cert"
    ;;
cert)
    [ $# -ge 3 ] || usage
    write_cert "$1" "$2" "$3"
    ;;
*)
    usage
    ;;
esac
