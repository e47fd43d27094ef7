//! Signing a file the way the corpus tests do (three signers, typed, invisible and drawn
//! marks) and checking the result with every validator: qpdf, pdfsig, pyHanko and our own.

use std::path::Path;

use signet_pdf::Limits;
use signet_pdf::appearance::{Caption, Mark};
use signet_pdf::keys;
use signet_pdf::sign::{Placement, SignatureOptions, Visible, sign};
use signet_pdf::signer::LocalSigner;
use signet_pdf::verify::verify;

use super::{KeyCert, ModificationLevel, TempDir, TestPki};

pub fn signer(kc: &KeyCert, pki: &TestPki) -> LocalSigner {
    let key = keys::load_private_key_pem(std::str::from_utf8(&kc.key_pem).unwrap()).unwrap();
    let mut chain =
        keys::load_certificates_pem(std::str::from_utf8(&kc.cert_pem).unwrap()).unwrap();
    chain.extend(
        keys::load_certificates_pem(std::str::from_utf8(&pki.root.cert_pem).unwrap()).unwrap(),
    );
    LocalSigner::new(key, chain).unwrap()
}

/// A hand-drawn-looking stroke on a transparent canvas, as the signing page's canvas sends.
pub fn drawn_png() -> Vec<u8> {
    let (w, h) = (300u32, 100u32);
    let mut rgba = vec![0u8; (w * h * 4) as usize];
    for x in 20..280u32 {
        let y = (50.0 + 30.0 * ((x as f64) / 25.0).sin()) as u32;
        for dy in 0..4 {
            let i = (((y + dy) * w + x) * 4) as usize;
            rgba[i..i + 4].copy_from_slice(&[20, 30, 90, 255]);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&rgba).unwrap();
    out
}

pub fn options(step: usize, name: &str) -> SignatureOptions {
    let mut o = SignatureOptions::new(time::OffsetDateTime::now_utc());
    o.name = Some(name.to_string());
    o.reason = Some("I agree to the terms of this document".into());
    let caption = Caption {
        signer_name: name.to_string(),
        signed_at: "29-11-2026 21:30:00 IST".into(),
        reason: Some("I agree".into()),
    };
    o.visible = match step {
        0 => Some(Visible {
            mark: Mark::Typed {
                text: name.to_string(),
            },
            caption,
            placements: vec![Placement {
                pages: "L".parse().unwrap(),
                rect: [50.0, 50.0, 250.0, 110.0],
            }],
        }),
        2 => Some(Visible {
            mark: Mark::Drawn { png: drawn_png() },
            caption,
            placements: vec![
                Placement {
                    pages: "F".parse().unwrap(),
                    rect: [300.0, 50.0, 500.0, 110.0],
                },
                Placement {
                    pages: "1".parse().unwrap(),
                    rect: [300.0, 120.0, 420.0, 160.0],
                },
            ],
        }),
        _ => None,
    };
    o
}

/// Whether pyHanko judges a file. `Skip` names the pyHanko limitation that makes it unable to,
/// so that a skipped validator is never silent.
#[derive(Debug, Clone, Copy)]
pub enum PyHanko {
    Check,
    Skip(&'static str),
}

/// Signs the file at `input` in sequence with each signer (RSA-2048 with a typed mark, ECDSA
/// P-256 invisible, RSA-3072 with a drawn mark at two places), checks the result with every
/// validator, and returns it.
pub fn sign_file_and_validate(input: &Path, name: &str, rounds: usize, pki: &TestPki) -> Vec<u8> {
    sign_file_and_validate_with(input, name, rounds, pki, PyHanko::Check)
}

/// [`sign_file_and_validate`], with pyHanko only if `pyhanko` says so.
pub fn sign_file_and_validate_with(
    input: &Path,
    name: &str,
    rounds: usize,
    pki: &TestPki,
    pyhanko: PyHanko,
) -> Vec<u8> {
    let signers = [
        signer(&pki.rsa2048, pki),
        signer(&pki.ec_p256, pki),
        signer(&pki.rsa3072, pki),
    ];
    let names = ["आशा राव", "Ravi Kumar", "ஆஷா"];
    let dir = TempDir::new(&format!("corpus-{name}-{rounds}"));
    let original = std::fs::read(input).unwrap();
    let existing = signet_pdf::verify::verify(&original, &[], &Limits::default())
        .unwrap()
        .signatures
        .len();
    let mut pdf = original.clone();
    for (step, s) in signers.iter().enumerate().take(rounds) {
        let appended = sign(&pdf, &options(step, names[step]), s, None)
            .unwrap_or_else(|e| panic!("{name}: signature {} failed: {e}", step + 1));
        pdf.extend_from_slice(&appended);
    }
    assert!(
        pdf.starts_with(&original),
        "{name}: the original bytes must stay a prefix"
    );
    let out = dir.path().join(format!("{name}-signed-{rounds}.pdf"));
    std::fs::write(&out, &pdf).unwrap();
    // The third signature's mark stands at two places: two fields share its value.
    let extra_fields = usize::from(rounds >= 3);
    check_validators(
        &out,
        existing + rounds,
        extra_fields,
        &pki.root.cert_pem,
        pyhanko,
    );
    pdf
}

/// `expected` signatures, shown in `expected + extra_fields` signature fields.
pub fn check_all_validators(out: &Path, expected: usize, extra_fields: usize, root_pem: &[u8]) {
    check_validators(out, expected, extra_fields, root_pem, PyHanko::Check);
}

fn check_validators(
    out: &Path,
    expected: usize,
    extra_fields: usize,
    root_pem: &[u8],
    pyhanko: PyHanko,
) {
    let what = out.display();
    super::qpdf_check(out).unwrap_or_else(|e| panic!("{what}: qpdf: {e}"));

    let pdfsig = super::pdfsig(out, root_pem);
    assert_eq!(
        pdfsig.len(),
        expected + extra_fields,
        "{what}: pdfsig count"
    );
    for s in &pdfsig {
        assert!(
            s.signature_valid,
            "{what}: pdfsig #{}: {}",
            s.number, s.signature_validation
        );
        // pdfsig 22.12 checks the certificate of only the first signature it meets with a given
        // certificate; later ones print "Unknown issue" even for files signed only by pyHanko
        // (see BENCHMARKS.md and stack.md). pyHanko below checks the trust of every one.
        assert!(
            s.certificate_trusted || s.certificate_validation.contains("Unknown issue"),
            "{what}: pdfsig #{}: {}",
            s.number,
            s.certificate_validation
        );
    }
    assert!(
        pdfsig[0].certificate_trusted,
        "{what}: pdfsig #1 certificate"
    );
    assert!(
        pdfsig.last().unwrap().total_document_signed,
        "{what}: last signature covers all"
    );

    match pyhanko {
        PyHanko::Check => check_pyhanko(out, expected, extra_fields, root_pem),
        PyHanko::Skip(why) => eprintln!("{what}: not checked with pyHanko: {why}"),
    }

    let roots = keys::load_certificates_pem(std::str::from_utf8(root_pem).unwrap()).unwrap();
    let report = verify(&std::fs::read(out).unwrap(), &roots, &Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), expected, "{what}: our count");
    assert!(report.all_good(), "{what}: our verifier: {report:#?}");
    assert!(report.signatures.last().unwrap().covers_whole_file);
}

fn check_pyhanko(out: &Path, expected: usize, extra_fields: usize, root_pem: &[u8]) {
    let what = out.display();
    let py = super::pyhanko_validate(out, root_pem);
    assert_eq!(py.len(), expected + extra_fields, "{what}: pyHanko count");
    for (i, s) in py.iter().enumerate() {
        assert!(
            s.intact && s.valid && s.trusted,
            "{what}: pyHanko {}: {:?}",
            s.field,
            s
        );
        if i + 1 + extra_fields < py.len() {
            // Later revisions only add signatures and their widgets: allowed for every
            // earlier signature.
            assert!(
                matches!(
                    s.modification_level,
                    Some(
                        ModificationLevel::None
                            | ModificationLevel::LtaUpdates
                            | ModificationLevel::FormFilling
                    )
                ),
                "{what}: pyHanko {}: modification level {:?}",
                s.field,
                s.modification_level
            );
            assert_ne!(
                s.docmdp_ok,
                Some(false),
                "{what}: pyHanko {}: DocMDP",
                s.field
            );
        }
    }
}
