//! The `signet` binary: the server and its operator commands.

mod account_cache;
mod api;
mod cli;
mod clock;
mod config;
mod connection;
mod domain;
mod esp;
mod notify;
mod ops;
mod pdf_budget;
mod revocation;
mod secrets;
mod server;
mod service;
mod state;
mod store;
mod sweeper;
#[cfg(test)]
mod test_db;
mod tsa;
mod web;
mod webhooks;
mod wire;

use std::process::ExitCode;

/// Many small short-lived allocations per request (JSON values, rows, headers) spend much less
/// time in mimalloc than in glibc's malloc, which took about 15 % of the server's CPU in
/// profiles of the details benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run the server (SQLite and local files under ./signet-data unless configured).
    Serve(config::Config),
    /// Manage accounts.
    #[command(subcommand)]
    Account(cli::account::AccountCommand),
    /// Manage the users of an account's dashboard.
    #[command(subcommand)]
    User(cli::user::UserCommand),
    /// Report on every signature in a PDF (and the event chain of an audit-trail PDF).
    /// Exits non-zero when anything fails.
    Verify(cli::verify::VerifyArgs),
    /// Sign with your own certificate on a PKCS#11 token (USB token, smart card, HSM).
    #[command(subcommand)]
    Dsc(cli::dsc::DscCommand),
    /// Run a local eSign service provider (CCA eSign API 2.1 and 3.2) for tests and demos.
    EspSimulator(signet_esp_simulator::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => cli::verify::run(&args),
        Command::Dsc(cmd) => cli::dsc::run(cmd),
        Command::Serve(config) => run_async(async {
            init_logging(config.log_format);
            server::serve(config).await
        }),
        Command::Account(cmd) => run_async(cli::account::run(cmd)),
        Command::User(cmd) => run_async(cli::user::run(cmd)),
        Command::EspSimulator(args) => run_async(async {
            init_logging(config::LogFormat::Text);
            signet_esp_simulator::run(args).await
        }),
    }
}

fn init_logging(format: config::LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        // stdout carries the "listening" line that supervisors and tests read.
        .with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => logs.init(),
        // The request's span (with its id) goes on each line, as `span` and `spans`.
        config::LogFormat::Json => logs.json().init(),
    }
}

fn run_async(f: impl std::future::Future<Output = Result<(), String>>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("signet: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(f);
    // Dropping the runtime would wait for every blocking task (a file read, a signature) to
    // return; what is still running when `serve` has stopped is not waited for long.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signet: {e}");
            ExitCode::FAILURE
        }
    }
}
