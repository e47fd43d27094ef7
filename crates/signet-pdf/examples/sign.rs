//! Signs a PDF with a PKCS#8 PEM key and a PEM certificate chain:
//! `cargo run --release -p signet-pdf --example sign -- KEY.pem CHAIN.pem IN.pdf OUT.pdf [N]`
//! (N: how many times to sign in sequence; used by the benchmarks).

use std::time::Instant;

use signet_pdf::appearance::{Caption, Mark};
use signet_pdf::keys;
use signet_pdf::sign::{Placement, SignatureOptions, Visible, sign};
use signet_pdf::signer::LocalSigner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: sign KEY.pem CHAIN.pem IN.pdf OUT.pdf [N]");
        std::process::exit(2);
    }
    let key_pem = std::fs::read_to_string(&args[1])?;
    let key = keys::load_private_key_pem(&key_pem)?;
    let chain = keys::load_certificates_pem(&std::fs::read_to_string(&args[2])?)?;
    let signer = LocalSigner::new(key, chain)?;
    let times: usize = args.get(5).map_or(Ok(1), |n| n.parse())?;
    let mut pdf = std::fs::read(&args[3])?;
    for i in 0..times {
        let start = Instant::now();
        let mut options = SignatureOptions::new(time::OffsetDateTime::now_utc());
        options.name = Some(format!("Signer {}", i + 1));
        // SIGN_MARK="text" draws a typed mark on the last page, stacked per signature.
        if let Ok(text) = std::env::var("SIGN_MARK") {
            let y = 50.0 + 80.0 * i as f64;
            options.visible = Some(Visible {
                mark: Mark::Typed { text: text.clone() },
                caption: Caption {
                    signer_name: text,
                    signed_at: "29-11-2026 21:30:00 IST".into(),
                    reason: Some("I agree to the terms".into()),
                },
                placements: vec![Placement {
                    pages: "L".parse()?,
                    rect: [50.0, y, 250.0, y + 70.0],
                }],
            });
        }
        let appended = sign(&pdf, &options, &signer, None)?;
        pdf.extend_from_slice(&appended);
        eprintln!("signature {}: {:?}", i + 1, start.elapsed());
    }
    std::fs::write(&args[4], &pdf)?;
    Ok(())
}
