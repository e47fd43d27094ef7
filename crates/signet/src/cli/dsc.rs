//! `signet dsc`: signing with the signer's own certificate on a PKCS#11 token (API.md 10.3).
//! `sign` does a whole DSC signature from the command line; `agent` is the local helper the
//! signing page's "Sign with DSC token" talks to.

mod agent;
mod sign;

use std::process::ExitCode;

use der::Encode;
use signet_pdf::signer::SignatureAlgorithm;
use x509_cert::Certificate;

pub use agent::AgentArgs;
pub use sign::SignArgs;

#[derive(clap::Subcommand)]
pub enum DscCommand {
    /// Sign a DSC invitation with a key on a PKCS#11 token; the PIN is read from standard
    /// input. Prints the outcome as JSON; on a refusal prints {"status": 0, "messages"} and
    /// exits non-zero.
    Sign(SignArgs),
    /// Run the local helper that the signing page's "Sign with DSC token" uses: loopback only,
    /// answering only the allowed origin.
    Agent(AgentArgs),
}

pub fn run(cmd: DscCommand) -> ExitCode {
    match cmd {
        DscCommand::Sign(args) => sign::run(args),
        DscCommand::Agent(args) => agent::run(args),
    }
}

/// The name API.md gives the scheme in `signatureAlgorithm`.
fn algorithm_name(algorithm: SignatureAlgorithm) -> &'static str {
    match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => "RSA_PKCS1_SHA256",
        SignatureAlgorithm::EcdsaP256Sha256 => "ECDSA_SHA256",
    }
}

/// What a DSC signature sends the server, base64 DER: the leaf and its intermediates. A root
/// the token holds stays home: the verifier trusts roots of its own.
fn chain_to_send(chain: &[Certificate]) -> Result<Vec<String>, der::Error> {
    let mut out = Vec::new();
    for (i, c) in chain.iter().enumerate() {
        let tbs = &c.tbs_certificate;
        if i > 0 && tbs.issuer == tbs.subject {
            continue;
        }
        out.push(base64(&c.to_der()?));
    }
    Ok(out)
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
