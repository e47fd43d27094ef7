//! `signet serve`: start-up, shared state and shutdown.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

use crate::clock::Clock;
use crate::config::Config;
use crate::ops::metrics::Metrics;
use crate::state::{AppState, Shared};
use crate::store::{Blobs, Store};

/// How long requests in flight at a shutdown have to finish (API.md section 13).
const DRAIN: Duration = Duration::from_secs(30);

pub async fn serve(mut config: Config) -> Result<(), String> {
    let checked = config.check()?;
    config.prepare_data_dir()?;
    let store = Store::connect(&config.database_url())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    // Generated on first start; the root is public at /trust/root.pem once the server has it.
    let keys =
        signet_pdf::keys::load_or_create_sealing_keys(&config.data_dir.join("keys"), "Signet")
            .map_err(|e| format!("sealing keys: {e}"))?;
    let file_secret = crate::api::files::load_or_create_secret(&config.data_dir.join("keys"))?;
    let (secrets_path, may_create) = config.secrets_key_path();
    let secrets = crate::secrets::SecretsKey::load(&secrets_path, may_create)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    // Listening on port 0 picks a port: links must name the one picked.
    config.listen = bound;
    config.public_url = Some(config.public_url().into_owned());
    let blobs = Blobs::open(&config.storage_url()).map_err(|e| format!("file storage: {e}"))?;
    let store = store.with_webhooks(
        Arc::new(crate::webhooks::payload::Renderer {
            public_url: config.public_url().into_owned(),
            zone: checked.zone,
        }),
        crate::webhooks::dispatcher::lease(config.webhook_timeout),
    );
    let store = store
        .with_mail(Arc::new(crate::notify::InvitationMail {
            public_url: config.public_url().into_owned(),
            zone: checked.zone,
        }))
        .start_group_commit();
    let metrics = Metrics::install()?;
    let tsa = match &config.tsa_url {
        Some(url) => Some(Arc::new(crate::tsa::HttpTsa::new(url, config.tsa_timeout)?)),
        None => None,
    };
    // Revocation sources are named by signers' certificates: the same guard as webhooks.
    let revocation = Arc::new(crate::revocation::HttpRevocation::new(
        config.tsa_timeout,
        config.webhook_allow_private,
    )?);
    let pdf = crate::pdf_budget::PdfBudget::new(config.pdf_concurrency, config.max_pdf_bytes);
    let state = AppState::new(Shared {
        store,
        blobs,
        config: Arc::new(config),
        zone: checked.zone,
        keys: Arc::new(keys),
        file_secret: Arc::new(file_secret),
        clock: Clock::default(),
        sweeper: Arc::new(tokio::sync::Notify::new()),
        sweep_lock: Arc::new(tokio::sync::Mutex::new(())),
        accounts: Arc::default(),
        metrics,
        pdf,
        tsa,
        secrets: Arc::new(secrets),
        signer_roots: Arc::new(checked.signer_roots),
        esp: Arc::new(checked.esp),
        doc_signers: Default::default(),
        revocation,
        automated: Arc::new(tokio::sync::Notify::new()),
    });
    if state.config.test_clock {
        tracing::warn!("SIGNET_TEST_CLOCK is on: any account can move this server's clock forward");
    }
    let (stop_workers, stop) = crate::ops::shutdown::channel();
    let dispatcher = crate::webhooks::dispatcher::spawn(
        state.store.clone(),
        state.clock.clone(),
        crate::webhooks::dispatcher::Settings {
            timeout: state.config.webhook_timeout,
            retry_delays: state.config.webhook_retries.0.clone(),
            allow_private: state.config.webhook_allow_private,
        },
        stop.clone(),
    )
    .await?;
    let mailer = crate::notify::mailer::spawn(
        state.store.clone(),
        state.clock.clone(),
        crate::notify::mailer::Settings {
            smtp_url: state.config.smtp_url.clone(),
            from: state.config.mail_from.clone(),
        },
        stop,
    )
    .await?;
    // After the dispatcher and the mailer: they release the leases a previous run left,
    // which must not catch what this run has written already.
    crate::sweeper::spawn(state.clone());
    crate::service::automated::spawn(state.clone());
    let public = state.config.public_url().into_owned();
    // `/x` and `/x/` are one endpoint everywhere: trim before routing.
    let app = NormalizePathLayer::trim_trailing_slash().layer(crate::api::router(state.clone()));
    // With no account yet, the operator gets a one-time link that creates the first one.
    let setup = crate::service::users::first_run_token(&state.store, state.clock.now_ms())
        .await
        .map_err(|e| format!("first-run setup: {e}"))?;
    let signal = crate::ops::shutdown::signal();
    // The one secret the log may hold (API.md section 12): it is how the first admin gets in,
    // it works once, and a restart replaces it. Logged before the address is printed, so that
    // whoever waits for the address finds the link already written.
    let setup_link = setup.map(|token| format!("{public}/setup?token={token}"));
    if let Some(link) = &setup_link {
        tracing::warn!(
            "no account yet: open this one-time setup link to create the first account and its admin: {link}"
        );
    }
    // A closed stdout (a supervisor that stopped reading) must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "Signet listening on http://{bound} (public URL {public})"
    );
    match setup_link {
        Some(link) => {
            let _ = writeln!(out, "Set up Signet in a browser: {link}");
        }
        None => {
            let _ = writeln!(
                out,
                "Create an account with: signet account create --name \"Your company\""
            );
        }
    }
    let _ = out.flush();
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        // Answers go out as soon as they are written rather than waiting on Nagle's
        // algorithm for an acknowledgement (a body written in parts, as a file download is,
        // would wait).
        let _ = tcp.set_nodelay(true);
    });
    accept(
        listener,
        signal,
        app,
        crate::connection::Timeouts {
            header: state.config.header_read_timeout,
            body: state.config.body_read_timeout,
        },
    )
    .await;
    // No sweep starts from here on (each takes this lock), and one under way has finished:
    // nothing writes webhooks the dispatcher would no longer send.
    let _no_more_sweeps = state.sweep_lock.lock().await;
    stop_workers.stop();
    for worker in [dispatcher, mailer].into_iter().flatten() {
        let _ = worker.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Serves connections until SIGTERM or Ctrl-C, then stops accepting and gives the requests
/// in flight `DRAIN` to finish. axum::serve has neither a header timeout nor a bound on the
/// drain, so the connections are hyper's own.
async fn accept<L>(
    mut listener: L,
    signal: impl std::future::Future<Output = ()>,
    app: tower_http::normalize_path::NormalizePath<axum::Router>,
    timeouts: crate::connection::Timeouts,
) where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        let (io, peer) = tokio::select! {
            conn = listener.accept() => conn,
            _ = &mut signal => break,
        };
        crate::connection::spawn(io, peer, app.clone(), timeouts, &graceful);
    }
    drop(listener);
    tracing::info!("no longer accepting connections; finishing requests in flight");
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {} s are cut off",
            DRAIN.as_secs()
        );
    }
}
