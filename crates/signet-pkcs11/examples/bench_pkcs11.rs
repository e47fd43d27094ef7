//! The engine's signature with a key in memory against the same key on a PKCS#11 token
//! (`bench/certificates.sh` runs it on SoftHSM2):
//!
//!   SOFTHSM2_CONF=… bench_pkcs11 MODULE TOKEN PIN IN.pdf ROUNDS LABEL:KEY.pem:CHAIN.pem…
//!
//! For each key (LABEL on the token, KEY.pem the same key as PKCS#8, CHAIN.pem its certificate
//! then its issuers) prints a markdown row per signer: the median of ROUNDS for the key's
//! operation alone (one SHA-256 digest signed) and for a whole signature of the file held in
//! memory (open, sign, no write), invisible and with a typed mark on page 1 as the server draws
//! it. The difference between the two signers is the token's round trip.

use std::path::Path;
use std::time::{Duration, Instant};

use signet_pdf::appearance::{Caption, Mark};
use signet_pdf::sign::{Placement, SignatureOptions, Visible, sign};
use signet_pdf::signer::{LocalSigner, Signer};
use signet_pdf::{keys, signer::SignatureAlgorithm};
use signet_pkcs11::{KeySelector, Module, SecretString};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// Medians of ROUNDS: the digest signature alone, an invisible signature, one with a mark.
fn measure(
    signer: &dyn Signer,
    pdf: &[u8],
    rounds: usize,
) -> Result<[Duration; 3], Box<dyn std::error::Error>> {
    let invisible = SignatureOptions::new(time::OffsetDateTime::now_utc());
    let mut marked = SignatureOptions::new(time::OffsetDateTime::now_utc());
    marked.visible = Some(Visible {
        mark: Mark::Typed {
            text: "Signet Test Signer".into(),
        },
        caption: Caption {
            signer_name: "Signet Test Signer".into(),
            signed_at: "07-12-2026 03:00:00 IST".into(),
            reason: Some("Signed on Bench".into()),
        },
        placements: vec![Placement {
            pages: "1".parse()?,
            rect: [50.0, 50.0, 250.0, 110.0],
        }],
    });
    let digest = [7u8; 32];
    let (mut op, mut plain, mut mark) = (Vec::new(), Vec::new(), Vec::new());
    // One of each first: the first use pays for fonts and the token's first operation.
    signer.sign_digest(&digest)?;
    sign(pdf, &marked, signer, None)?;
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(signer.sign_digest(&digest)?);
        op.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(sign(pdf, &invisible, signer, None)?);
        plain.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(sign(pdf, &marked, signer, None)?);
        mark.push(t.elapsed());
    }
    Ok([median(op), median(plain), median(mark)])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 7 {
        eprintln!("usage: bench_pkcs11 MODULE TOKEN PIN IN.pdf ROUNDS LABEL:KEY.pem:CHAIN.pem…");
        std::process::exit(2);
    }
    let module = Module::load(Path::new(&args[1]))?;
    let pin = SecretString::from(args[3].clone());
    let pdf = std::fs::read(&args[4])?;
    let rounds: usize = args[5].parse()?;
    println!(
        "| Key | Signer | Key operation ms | Invisible signature ms | per second | With a mark ms | per second |"
    );
    println!("|---|---|---|---|---|---|---|");
    for spec in &args[6..] {
        let [label, key, chain] = spec.splitn(3, ':').collect::<Vec<_>>()[..] else {
            return Err(format!("{spec}: LABEL:KEY.pem:CHAIN.pem").into());
        };
        let local = LocalSigner::new(
            keys::load_private_key_pem(&std::fs::read_to_string(key)?)?,
            keys::load_certificates_pem(&std::fs::read_to_string(chain)?)?,
        )?;
        let token = module.signer(
            KeySelector {
                token_label: Some(&args[2]),
                key_label: Some(label),
                certificate: None,
            },
            &pin,
        )?;
        let kind = match local.algorithm() {
            SignatureAlgorithm::RsaPkcs1Sha256 => "RSA-2048",
            SignatureAlgorithm::EcdsaP256Sha256 => "P-256",
        };
        for (name, signer) in [
            ("in memory (PKCS#8)", &local as &dyn Signer),
            ("SoftHSM2 (PKCS#11)", &token as &dyn Signer),
        ] {
            let [op, plain, mark] = measure(signer, &pdf, rounds)?;
            println!(
                "| {label} ({kind}) | {name} | {} | {} | {:.0} | {} | {:.0} |",
                ms(op),
                ms(plain),
                1.0 / plain.as_secs_f64(),
                ms(mark),
                1.0 / mark.as_secs_f64()
            );
        }
    }
    Ok(())
}
