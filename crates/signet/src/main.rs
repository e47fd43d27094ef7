//! The `signet` binary: the server and its operator commands.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "signet",
    version,
    about = "Self-hostable document signing with a Leegality v3 compatible API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report on every signature in a PDF (and the event chain of an audit-trail PDF).
    /// Exits non-zero when anything fails.
    Verify(cli::verify::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => cli::verify::run(&args),
    }
}
