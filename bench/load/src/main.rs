//! `signet-load`: a load generator for Signet's HTTP API.
//!
//! Each subcommand repeats one kind of request (or a whole signing journey) on `--concurrency`
//! connections for `--duration` or `--requests` iterations, then prints latency percentiles
//! and throughput: a summary on stderr, markdown table rows on stdout. `bench/server.sh`
//! starts the server and runs the whole set. `webhooks` measures webhook delivery against a
//! receiver of its own (`bench/webhooks.sh`). `docsign` and `dsc` time certificate signatures
//! (`bench/certificates.sh`).

mod certs;
mod client;
mod cpu;
mod esign;
mod pdf;
mod report;
mod run;
mod scenarios;
mod webhooks;

use std::future::Future;

use clap::{Args, Parser, Subcommand};
use reqwest::{Body, Method};

use client::Api;
use run::{Step, Stop};
use scenarios::{CreateBody, JOURNEY_STEPS};

#[derive(Parser)]
#[command(
    version,
    about = "Load generator for Signet's Leegality-compatible API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// Base URL of the server.
    #[arg(long, env = "SIGNET_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An account's auth token (`signet account create` prints it).
    #[arg(long, env = "SIGNET_TOKEN")]
    token: String,
    /// Requests (or journeys) in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How long to run: `10s`, `500ms`, `2m`. Ignored when `--requests` is given.
    #[arg(long, default_value = "10s", value_parser = scenarios::parse_duration)]
    duration: std::time::Duration,
    /// Run this many iterations instead of for a duration.
    #[arg(long)]
    requests: Option<u64>,
    /// Runtime threads of the generator. One is plenty for thousands of requests per second
    /// and leaves the other core to the server.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The server's process id, to report its CPU use during the run.
    #[arg(long)]
    server_pid: Option<String>,
    /// Name of the run in the table (default: the subcommand and its parameters).
    #[arg(long)]
    label: Option<String>,
}

impl Common {
    fn stop(&self) -> Stop {
        self.requests
            .map_or(Stop::After(self.duration), Stop::Iterations)
    }

    fn api(&self) -> Api {
        Api::new(&self.url, &self.token, self.concurrency)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Publish the benchmark workflow (2 signers, VIRTUAL_SIGN, no order) and send one sample
    /// document. Prints `PROFILE_ID=…`, `DOCUMENT_ID=…` and `SAMPLE_IRN=…` (for `eval`).
    Setup(Common),
    /// POST /api/v3.0/sign/request repeatedly with the same body.
    Create {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        profile: String,
        /// Size of the PDF sent, in KiB.
        #[arg(long, default_value_t = 100)]
        pdf_kb: usize,
    },
    /// GET /api/v3.3/document/details repeatedly.
    Details {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        document: String,
        /// Ask for a file URL too (`file=true`).
        #[arg(long)]
        file: bool,
    },
    /// GET /api/v3.0/sign/request/list repeatedly.
    List {
        #[command(flatten)]
        common: Common,
        /// Exact match on name, documentId or irn.
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 20)]
        max: u32,
    },
    /// Whole journeys: create, sign by both invitees, details with file=true, download.
    Journey {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        profile: String,
        #[arg(long, default_value_t = 20)]
        pdf_kb: usize,
    },
    /// Create `--count` documents, each with its own irn, as fast as the server takes them.
    Seed {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        profile: String,
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        #[arg(long, default_value_t = 2)]
        pdf_kb: usize,
    },
    /// Print the header of the markdown table the other subcommands write rows of.
    Header,
    /// Print how fast one core of this machine does JSON work like the server's (rounds per
    /// second), to compare figures taken on different machines.
    Calibrate,
    /// Webhook delivery: delay from an approval to its webhook, and how fast a backlog of due
    /// deliveries drains. Runs its own receiver; the server needs SIGNET_TEST_CLOCK=true and
    /// SIGNET_WEBHOOK_ALLOW_PRIVATE=true. Prints its own table header.
    Webhooks(webhooks::Options),
    /// Signatures per second on pre-sent documents (`--requests` of them, 200 by default):
    /// DOC_SIGNER with a PKCS#12 or a PKCS#11 key, or VIRTUAL_SIGN to compare against.
    Docsign(certs::Docsign),
    /// A signer's own certificate in two steps (dsc/prepare, the key signs here,
    /// dsc/complete) on pre-sent documents.
    Dsc(certs::Dsc),
    /// Aadhaar eSign end to end through `signet esp-simulator` (start, the ESP's gateway, its
    /// authentication, the answer) on pre-sent documents.
    Esign(esign::Esign),
}

fn main() {
    let cli = Cli::parse();
    // See Cargo.toml: needed when the workspace is built as one (its reqwest then has TLS
    // without a provider); harmless otherwise.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let threads = match &cli.command {
        Command::Setup(c)
        | Command::Create { common: c, .. }
        | Command::Details { common: c, .. }
        | Command::List { common: c, .. }
        | Command::Journey { common: c, .. }
        | Command::Seed { common: c, .. } => c.threads,
        Command::Docsign(o) => o.common.threads,
        Command::Dsc(o) => o.common.threads,
        Command::Esign(o) => o.common.threads,
        Command::Header | Command::Calibrate => 1,
        Command::Webhooks(o) => o.threads,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    if let Err(e) = runtime.block_on(dispatch(cli.command)) {
        eprintln!("signet-load: {e}");
        std::process::exit(1);
    }
}

async fn dispatch(command: Command) -> Result<(), String> {
    match command {
        Command::Header => println!("{}", report::HEADER),
        Command::Calibrate => println!("{:.0}", cpu::calibrate()),
        Command::Setup(c) => setup(&c).await?,
        Command::Webhooks(o) => webhooks::run(&o).await?,
        Command::Docsign(o) => certs::docsign(o).await?,
        Command::Dsc(o) => certs::dsc(o).await?,
        Command::Esign(o) => esign::run(o).await?,
        Command::Create {
            common,
            profile,
            pdf_kb,
        } => {
            // One body for every request: leaked so each request borrows it without a copy
            // (the process ends with the run).
            let body: &'static str = CreateBody::new(&profile, pdf_kb)
                .with_irn("bench-create")
                .leak();
            let label = format!("create {pdf_kb} KB, c{}", common.concurrency);
            single(&common, label, "create", move |api| async move {
                api.call(Method::POST, scenarios::CREATE, Some(Body::from(body)))
                    .await
            })
            .await;
        }
        Command::Details {
            common,
            document,
            file,
        } => {
            let path = scenarios::details_path(&document, file);
            let label = format!(
                "details{}, c{}",
                if file { " file" } else { "" },
                common.concurrency
            );
            single(&common, label, "details", move |api| {
                let path = path.clone();
                async move { api.check(Method::GET, &path).await }
            })
            .await;
        }
        Command::List { common, q, max } => {
            let mut path = format!("/api/v3.0/sign/request/list?max={max}");
            if let Some(q) = &q {
                path.push_str(&format!("&q={}", scenarios::query_value(q)));
            }
            let label = format!(
                "list{}, c{}",
                if q.is_some() { " q=irn" } else { "" },
                common.concurrency
            );
            single(&common, label, "list", move |api| {
                let path = path.clone();
                async move { api.check(Method::GET, &path).await }
            })
            .await;
        }
        Command::Journey {
            common,
            profile,
            pdf_kb,
        } => {
            let body = std::sync::Arc::new(CreateBody::new(&profile, pdf_kb));
            let run = scenarios::run_id();
            let api = common.api();
            let label = format!("journey {pdf_kb} KB, c{}", common.concurrency);
            measure(&common, label, &JOURNEY_STEPS, move |n| {
                let (api, body) = (api.clone(), body.clone());
                let irn = format!("journey-{run}-{n}");
                async move { scenarios::journey(&api, body.with_irn(&irn)).await }
            })
            .await;
        }
        Command::Seed {
            mut common,
            profile,
            count,
            pdf_kb,
        } => {
            common.requests = Some(count);
            let body = std::sync::Arc::new(CreateBody::new(&profile, pdf_kb));
            let run = scenarios::run_id();
            let api = common.api();
            let label = format!("seed {count} × {pdf_kb} KB, c{}", common.concurrency);
            measure(&common, label, &["create"], move |n| {
                let (api, body) = (api.clone(), body.clone());
                let irn = format!("seed-{run}-{n}");
                async move {
                    let (s, _) = Step::timed(0, scenarios::create(&api, body.with_irn(&irn))).await;
                    vec![s]
                }
            })
            .await;
        }
    }
    Ok(())
}

/// A run of one request kind: `call(api)` is the request.
async fn single<F, Fut>(common: &Common, label: String, step: &'static str, call: F)
where
    F: Fn(Api) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send + 'static,
{
    let api = common.api();
    let call = std::sync::Arc::new(call);
    measure(common, label, &[step], move |_| {
        let fut = call(api.clone());
        async move { vec![Step::timed(0, fut).await.0] }
    })
    .await;
}

/// Runs the iterations with CPU metering and prints the report.
async fn measure<F, Fut>(common: &Common, label: String, steps: &[&str], iteration: F)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Step>> + Send + 'static,
{
    let label = common.label.clone().unwrap_or(label);
    let meter = cpu::Meter::start(common.server_pid.as_deref());
    let mut outcome = run::run(common.concurrency, common.stop(), steps.len(), iteration).await;
    let usage = meter.stop(outcome.elapsed);
    report::print(&label, steps, &mut outcome, &usage);
}

/// Publishes the workflow and sends one sample document for `details` and `list --q`.
async fn setup(c: &Common) -> Result<(), String> {
    let api = c.api();
    let body = Body::from(scenarios::workflow().to_string());
    let w = api
        .call(Method::POST, "/api/signet/workflows", Some(body))
        .await
        .map_err(|e| format!("creating the workflow: {e}"))?;
    let profile = w["profileId"]
        .as_str()
        .ok_or_else(|| format!("no profileId in {w}"))?;
    let irn = format!("bench-sample-{}", scenarios::run_id());
    let created = scenarios::create(&api, CreateBody::new(profile, 20).with_irn(&irn))
        .await
        .map_err(|e| format!("sending the sample document: {e}"))?;
    let document = scenarios::document_id(&created)?;
    println!("PROFILE_ID={profile}\nDOCUMENT_ID={document}\nSAMPLE_IRN={irn}");
    Ok(())
}
