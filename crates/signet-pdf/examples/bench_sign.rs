//! In-process signing benchmark: `bench_sign KEY.pem CHAIN.pem IN.pdf ROUNDS`
//! (`BENCH_VISIBLE=1`: with a typed Devanagari mark on the last page).
//!
//! Prints, as medians over ROUNDS: the floor (read the file and SHA-256 it), one signature
//! (read, open, sign, write the signed file), and signatures per second on the file held in
//! memory. The floor is what any signer must do at least once: an incremental signature needs
//! one pass over the file.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use signet_pdf::appearance::{Caption, Mark};
use signet_pdf::keys;
use signet_pdf::sign::{Placement, SignatureOptions, Visible, sign};
use signet_pdf::signer::LocalSigner;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: bench_sign KEY.pem CHAIN.pem IN.pdf ROUNDS");
        std::process::exit(2);
    }
    let key_pem = std::fs::read_to_string(&args[1])?;
    let key = keys::load_private_key_pem(&key_pem)?;
    let signer = LocalSigner::new(
        key,
        keys::load_certificates_pem(&std::fs::read_to_string(&args[2])?)?,
    )?;
    let path = &args[3];
    let rounds: usize = args[4].parse()?;
    let out_path = std::env::temp_dir().join("signet-bench-out.pdf");
    let mut options = SignatureOptions::new(time::OffsetDateTime::now_utc());
    if std::env::var_os("BENCH_VISIBLE").is_some() {
        options.visible = Some(Visible {
            mark: Mark::Typed {
                text: "आशा राव".into(),
            },
            caption: Caption {
                signer_name: "आशा राव".into(),
                signed_at: "29-11-2026 21:30:00 IST".into(),
                reason: Some("I agree".into()),
            },
            placements: vec![Placement {
                pages: "L".parse()?,
                rect: [50.0, 50.0, 250.0, 110.0],
            }],
        });
    }

    let mut floor = Vec::new();
    let mut full = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let bytes = std::fs::read(path)?;
        std::hint::black_box(Sha256::digest(&bytes));
        floor.push(t.elapsed());

        let t = Instant::now();
        let bytes = std::fs::read(path)?;
        let appended = sign(&bytes, &options, &signer, None)?;
        let mut f = std::fs::File::create(&out_path)?;
        std::io::Write::write_all(&mut f, &bytes)?;
        std::io::Write::write_all(&mut f, &appended)?;
        full.push(t.elapsed());
    }
    let bytes = std::fs::read(path)?;
    let t = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(sign(&bytes, &options, &signer, None)?);
    }
    let per_sig = t.elapsed() / rounds as u32;
    let (floor, full) = (median(floor), median(full));
    println!(
        "file {:.1} MB: floor (read + SHA-256) {:.2} ms, sign (read + sign + write) {:.2} ms = {:.2}x floor; in memory {:.2} ms/signature = {:.0} signatures/s",
        bytes.len() as f64 / 1048576.0,
        floor.as_secs_f64() * 1e3,
        full.as_secs_f64() * 1e3,
        full.as_secs_f64() / floor.as_secs_f64(),
        per_sig.as_secs_f64() * 1e3,
        1.0 / per_sig.as_secs_f64()
    );
    let _ = std::fs::remove_file(out_path);
    Ok(())
}
