//! What every handler and operation shares: the store, the files, the configuration, the
//! keys and the budgets, built once by `serve`.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::ops::metrics::Metrics;
use crate::store::{Blobs, Store};
use crate::wire::Zone;

/// What every handler shares, passed through axum's `State`: no globals. One `Arc`, because
/// axum clones the state for every request (and every extractor that takes it): a clone of
/// the fields was some twenty atomic counts up and down per request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub store: Store,
    pub blobs: Blobs,
    pub config: Arc<Config>,
    /// `SIGNET_TIMEZONE`, parsed once at start.
    pub zone: Zone,
    pub keys: Arc<signet_pdf::keys::SealingKeys>,
    /// Signs file URLs.
    pub file_secret: Arc<Vec<u8>>,
    pub clock: Clock,
    /// Wakes the sweeper early (a reactivation or a clock step changed what is due).
    pub sweeper: Arc<tokio::sync::Notify>,
    /// Sweeps of this process run one at a time.
    pub sweep_lock: Arc<tokio::sync::Mutex<()>>,
    pub accounts: Arc<crate::account_cache::AccountCache>,
    pub metrics: Metrics,
    /// The memory budget every PDF open, signature and base64 answer shares.
    pub pdf: crate::pdf_budget::PdfBudget,
    /// `SIGNET_TSA_URL`: set, every signature and seal is timestamped.
    pub tsa: Option<Arc<crate::tsa::HttpTsa>>,
    /// Encrypts organisation keys and PINs at rest.
    pub secrets: Arc<crate::secrets::SecretsKey>,
    /// `SIGNET_SIGNER_TRUST_ROOTS`, parsed once at start; empty when unset.
    pub signer_roots: Arc<Vec<x509_cert::Certificate>>,
    /// `SIGNET_ESP_CONFIG`, read once at start; empty when unset.
    pub esp: Arc<crate::esp::Providers>,
    /// Organisation keys opened since start, by profile id (service/doc_signers.rs).
    pub doc_signers: crate::service::doc_signers::OpenSigners,
    /// Fetches OCSP answers and CRLs for the long-term revision (B-LT).
    pub revocation: Arc<crate::revocation::HttpRevocation>,
    /// Wakes the automated signer (an AUTOMATED_SIGN slot's turn may have come).
    pub automated: Arc<tokio::sync::Notify>,
}
