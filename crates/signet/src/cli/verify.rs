//! `signet verify FILE.pdf`: an offline report on every signature, for people and machines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use signet_pdf::Limits;
use signet_pdf::verify::{Report, SignatureReport, Trust, verify};
use x509_cert::Certificate;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The PDF to check.
    file: PathBuf,
    /// A PEM file of trusted root certificates (repeatable). Without it, the root of the
    /// server's own seal under the data directory is trusted when it exists.
    #[arg(long = "trust", value_name = "ROOT.pem")]
    trust: Vec<PathBuf>,
    /// Where the server keeps its data (its seal's root is `keys/root.pem` there).
    #[arg(long, env = "SIGNET_DATA_DIR", default_value = "./signet-data")]
    data_dir: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &VerifyArgs) -> ExitCode {
    match report(args) {
        Ok((report, roots_used)) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("a report always serializes")
                );
            } else {
                print_human(&args.file, &report, &roots_used);
            }
            if report.all_good() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("signet verify: {e}");
            ExitCode::from(2)
        }
    }
}

fn report(args: &VerifyArgs) -> Result<(Report, Vec<PathBuf>), String> {
    let mut root_files = args.trust.clone();
    if root_files.is_empty() {
        let own = args.data_dir.join("keys").join("root.pem");
        if own.exists() {
            root_files.push(own);
        }
    }
    let mut roots = Vec::new();
    for f in &root_files {
        roots.extend(load_roots(f)?);
    }
    let pdf = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let limits = Limits {
        max_file_size: usize::MAX,
        ..Limits::default()
    };
    let report =
        verify(&pdf, &roots, &limits).map_err(|e| format!("{}: {e}", args.file.display()))?;
    Ok((report, root_files))
}

fn load_roots(path: &Path) -> Result<Vec<Certificate>, String> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    signet_pdf::keys::load_certificates_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))
}

fn print_human(file: &Path, report: &Report, roots: &[PathBuf]) {
    println!(
        "{}: {} bytes, {} revision(s), {} signature(s)",
        file.display(),
        report.file_size,
        report.revisions,
        report.signatures.len()
    );
    if roots.is_empty() {
        println!("No trusted roots given (--trust ROOT.pem): certificate chains are not checked.");
    }
    for (i, s) in report.signatures.iter().enumerate() {
        print_signature(i + 1, s, report.revisions);
    }
    if let Some(a) = &report.audit {
        println!(
            "\nAudit trail of document {}: {} event(s)",
            a.document_id, a.events
        );
        match (&a.problem, a.first_bad_event) {
            (Some(p), _) => println!("  event log  UNREADABLE: {p}"),
            (None, Some(i)) => println!("  hash chain BROKEN at event {}", i + 1),
            (None, None) => println!("  hash chain intact: every event hash recomputes"),
        }
    }
    println!();
    if report.unsigned_tail > 0 && !report.signatures.is_empty() {
        println!(
            "PROBLEM: {} byte(s) after the last signature are covered by no signature",
            report.unsigned_tail
        );
    }
    if report.signatures.is_empty() {
        println!("FAILED: the document has no signatures");
    } else if report.all_good() {
        println!(
            "OK: every signature is intact{}",
            if roots.is_empty() { "" } else { " and trusted" }
        );
    } else {
        println!("FAILED: see the problems above");
    }
}

fn print_signature(n: usize, s: &SignatureReport, revisions: usize) {
    let state = if s.intact() { "INTACT" } else { "BROKEN" };
    let trust = match &s.trust {
        Trust::Trusted => ", TRUSTED",
        Trust::Untrusted(_) => ", UNTRUSTED",
        Trust::NotChecked => "",
    };
    println!("\nSignature {n} (field {}): {state}{trust}", s.field);
    let row = |k: &str, v: &str| println!("  {k:<11}{v}");
    row("signer", s.signer_subject.as_deref().unwrap_or("(unknown)"));
    if !s.also_shown_in.is_empty() {
        row("also in", &s.also_shown_in.join(", "));
    }
    if let Some(name) = &s.name {
        row("name", name);
    }
    if let Some(t) = &s.claimed_time {
        row("time", &format!("{t} (claimed by the signer)"));
    }
    if let Some(reason) = &s.reason {
        row("reason", reason);
    }
    match &s.timestamp {
        Some(t) => row(
            "timestamp",
            &format!(
                "{} by {} ({}, {})",
                t.time,
                t.authority.as_deref().unwrap_or("unknown authority"),
                if t.valid { "valid" } else { "INVALID" },
                match &t.trust {
                    Trust::Trusted => "trusted authority".to_string(),
                    Trust::Untrusted(why) => format!("UNTRUSTED authority: {why}"),
                    Trust::NotChecked => "authority not checked".to_string(),
                }
            ),
        ),
        None => row("timestamp", "none"),
    }
    row("type", &s.sub_filter);
    let covers = match (s.covers_whole_file, s.revision) {
        (true, _) => "the whole file".to_string(),
        (false, Some(r)) => {
            format!("revision {r} of {revisions} (later revisions were added after it)")
        }
        (false, None) => "part of the file, ending at no revision boundary".to_string(),
    };
    row("covers", &covers);
    row(
        "digest",
        if s.digest_matches {
            "matches"
        } else {
            "DOES NOT MATCH"
        },
    );
    row(
        "signature",
        if s.signature_valid {
            "valid"
        } else {
            "INVALID"
        },
    );
    match &s.trust {
        Trust::Trusted => row("chain", "ends at a trusted root"),
        Trust::Untrusted(why) => row("chain", &format!("NOT TRUSTED: {why}")),
        Trust::NotChecked => row("chain", "not checked"),
    }
    for p in &s.problems {
        row("problem", p);
    }
}
