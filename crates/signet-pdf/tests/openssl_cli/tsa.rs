//! A real RFC 3161 timestamp authority for tests: `openssl ts -reply` with a TSA certificate
//! (critical EKU timeStamping) issued by a test root, all made in a scratch directory.

use std::cell::Cell;
use std::path::Path;

use signet_pdf::Result;
use signet_pdf::timestamp::TimestampAuthority;

use super::{KeyKind, TempDir, make_ca, make_leaf, openssl, try_openssl};

/// How the test TSA is set up.
#[derive(Clone, Debug)]
pub struct TsaOptions {
    pub key: KeyKind,
    /// `signer_digest`: the hash of the token's own signature.
    pub signer_digest: &'static str,
    /// `digests`: the imprint algorithms the TSA accepts.
    pub digests: &'static str,
    /// `ess_cert_id_alg`: sha1 gives the v1 signing-certificate attribute, others v2.
    pub ess_cert_id_alg: &'static str,
    /// Digits of fractional seconds in genTime.
    pub clock_precision_digits: u8,
}

impl Default for TsaOptions {
    fn default() -> Self {
        TsaOptions {
            key: KeyKind::Rsa2048,
            signer_digest: "sha256",
            digests: "sha256, sha384, sha512",
            ess_cert_id_alg: "sha256",
            clock_precision_digits: 0,
        }
    }
}

/// Files in its directory: `ca.pem` (the trust anchor), `tsa.pem`, `tsa.key.pem`, `tsa.cnf`.
pub struct OpensslTsa {
    pub dir: TempDir,
    calls: Cell<usize>,
}

impl OpensslTsa {
    pub fn new(options: TsaOptions) -> OpensslTsa {
        let dir = TempDir::new("tsa");
        let d = dir.path();
        make_ca(d, KeyKind::P256, "ca", "Signet-Test-TSA-Root");
        make_leaf(
            d,
            options.key,
            "tsa",
            "Signet-Test-TSA",
            "ca",
            "basicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=critical,timeStamping\n\
             subjectKeyIdentifier=hash\n\
             authorityKeyIdentifier=keyid\n",
        );
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        let TsaOptions {
            signer_digest,
            digests,
            ess_cert_id_alg,
            clock_precision_digits,
            ..
        } = options;
        let config = format!(
            "[ tsa ]\n\
             default_tsa = tsa_config1\n\
             [ tsa_config1 ]\n\
             dir = {dir}\n\
             serial = $dir/tsaserial\n\
             crypto_device = builtin\n\
             signer_cert = $dir/tsa.pem\n\
             certs = $dir/ca.pem\n\
             signer_key = $dir/tsa.key.pem\n\
             signer_digest = {signer_digest}\n\
             default_policy = 1.2.3.4.1\n\
             digests = {digests}\n\
             accuracy = secs:1, millisecs:500\n\
             clock_precision_digits = {clock_precision_digits}\n\
             ordering = no\n\
             tsa_name = yes\n\
             ess_cert_id_chain = no\n\
             ess_cert_id_alg = {ess_cert_id_alg}\n",
            dir = d.display()
        );
        std::fs::write(d.join("tsa.cnf"), config).unwrap();
        OpensslTsa {
            dir,
            calls: Cell::new(0),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Answers a DER request file; returns the DER response.
    pub fn reply(&self, request_der: &[u8]) -> Vec<u8> {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        let query = format!("q{n}.tsq");
        let reply = format!("r{n}.tsr");
        self.dir.write(&query, request_der);
        let (ok, text) = try_openssl(
            self.path(),
            &format!("ts -reply -config tsa.cnf -queryfile {query} -out {reply}"),
        );
        assert!(ok, "openssl ts -reply failed:\n{text}");
        self.dir.read(&reply)
    }

    /// `openssl ts -verify` of a bare token against a file's contents, trusting `ca.pem`.
    pub fn openssl_verify(&self, token_der: &[u8], data: &[u8]) -> (bool, String) {
        self.dir.write("verify.token", token_der);
        self.dir.write("verify.data", data);
        try_openssl(
            self.path(),
            "ts -verify -token_in -in verify.token -data verify.data -CAfile ca.pem \
             -untrusted tsa.pem",
        )
    }

    /// Prints a bare token as text (`openssl ts -reply -token_in -token_out -text`).
    pub fn token_text(&self, token_der: &[u8]) -> String {
        self.dir.write("print.token", token_der);
        openssl(
            self.path(),
            "ts -reply -in print.token -token_in -token_out -text",
        )
    }
}

impl TimestampAuthority for OpensslTsa {
    fn exchange(&self, request_der: &[u8]) -> Result<Vec<u8>> {
        Ok(self.reply(request_der))
    }
}
