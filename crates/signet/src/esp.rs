//! The eSign service providers of `SIGNET_ESP_CONFIG` (API.md 11): for each, how to reach it
//! (API version, transport, addresses), the ASP's key that signs every request, and the
//! ESP's certificate that every answer must be signed with. Read and checked once at start,
//! so that a mistake shows then rather than at a signer's first attempt.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use signet_esign::Version;
use signet_esign::dsig::XmlSigner;

/// How the signer's browser reaches the ESP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The browser posts the signed request to the ESP's gateway (`eSignRequest`).
    Form,
    /// The server posts the request; the ESP answers a handle (`resCode`) and the browser
    /// posts `txnref` to the ESP's authentication page.
    TwoStep,
}

/// The form fields an ESP posts its answer in; which one is per provider.
pub const RESPONSE_FIELDS: [&str; 4] = ["eSignResponse", "XML", "esignresp", "msg"];

pub struct Provider {
    pub name: String,
    pub version: Version,
    pub transport: Transport,
    pub gateway_url: String,
    /// Two-step: the authentication page the browser posts `txnref` to.
    pub auth_url: Option<String>,
    pub asp_id: String,
    pub signer: XmlSigner,
    /// DER of the certificate every answer is signed with.
    pub esp_certificate: Vec<u8>,
    pub response_field: String,
    /// The first is asked for.
    pub auth_mode: String,
    /// How long a transaction waits for the signer (3.2 `maxWaitPeriod`), in minutes.
    pub max_wait_minutes: u32,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.name)
            .field("gateway_url", &self.gateway_url)
            .finish_non_exhaustive()
    }
}

/// The providers, in the file's order: the first is the default.
#[derive(Debug, Default)]
pub struct Providers(Vec<Arc<Provider>>);

impl Providers {
    pub fn get(&self, name: Option<&str>) -> Option<&Arc<Provider>> {
        match name {
            Some(n) => self.0.iter().find(|p| p.name == n),
            None => self.0.first(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Where the signing page's forms may go: every provider's gateway and authentication
    /// page, as CSP sources.
    pub fn form_origins(&self) -> String {
        let mut origins: Vec<String> = self
            .0
            .iter()
            .flat_map(|p| std::iter::once(&p.gateway_url).chain(p.auth_url.as_ref()))
            .filter_map(|u| origin_of(u))
            .collect();
        origins.sort();
        origins.dedup();
        origins.join(" ")
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|p| p.name.as_str())
    }

    /// Reads and checks the file; every error names the provider and the setting.
    pub fn load(path: &Path) -> Result<Providers, String> {
        let bytes = read(Path::new(""), path, "SIGNET_ESP_CONFIG")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("SIGNET_ESP_CONFIG {}: not UTF-8 text", path.display()))?;
        let file: File = toml::from_str(&text)
            .map_err(|e| format!("SIGNET_ESP_CONFIG {}: {e}", path.display()))?;
        if file.esp.is_empty() {
            return Err(format!(
                "SIGNET_ESP_CONFIG {}: no provider ([esp.NAME] tables)",
                path.display()
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        file.esp
            .into_iter()
            .map(|(name, value)| {
                Entry::deserialize(value)
                    .map_err(|e| e.to_string())
                    .and_then(|entry| entry.check(&name, base))
                    .map(Arc::new)
                    .map_err(|e| format!("SIGNET_ESP_CONFIG [esp.{name}]: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Providers)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    esp: toml::map::Map<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    version: String,
    transport: String,
    gateway_url: String,
    auth_url: Option<String>,
    asp_id: String,
    asp_pkcs12: PathBuf,
    asp_pkcs12_password_env: Option<String>,
    esp_certificate: PathBuf,
    #[serde(default = "default_response_field")]
    response_field: String,
    #[serde(default = "default_auth_modes")]
    auth_modes: Vec<String>,
    #[serde(default = "default_max_wait")]
    max_wait_minutes: u32,
}

fn default_response_field() -> String {
    "eSignResponse".into()
}

fn default_auth_modes() -> Vec<String> {
    vec!["1".into()]
}

fn default_max_wait() -> u32 {
    30
}

/// Transactions longer than a day are abandoned ones.
const MAX_WAIT_MINUTES: u32 = 24 * 60;
const MAX_FILE_BYTES: u64 = 64 * 1024;

impl Entry {
    fn check(self, name: &str, base: &Path) -> Result<Provider, String> {
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("a provider's name is 1 to 64 letters, digits, - or _".into());
        }
        let version = Version::parse(&self.version)
            .ok_or_else(|| format!("version {:?}: \"2.1\" or \"3.2\"", self.version))?;
        let transport = match self.transport.as_str() {
            "form" => Transport::Form,
            "two-step" => Transport::TwoStep,
            other => return Err(format!("transport {other:?}: \"form\" or \"two-step\"")),
        };
        check_url("gateway_url", &self.gateway_url)?;
        if let Some(u) = &self.auth_url {
            check_url("auth_url", u)?;
        }
        if transport == Transport::TwoStep && self.auth_url.is_none() {
            return Err("auth_url: the two-step transport sends the signer there".into());
        }
        if self.asp_id.trim().is_empty() || self.asp_id.len() > 64 {
            return Err("asp_id: 1 to 64 characters, as the ESP issued it".into());
        }
        if !RESPONSE_FIELDS.contains(&self.response_field.as_str()) {
            return Err(format!(
                "response_field {:?}: one of {}",
                self.response_field,
                RESPONSE_FIELDS.join(", ")
            ));
        }
        let auth_mode = match self.auth_modes.first().map(String::as_str) {
            Some(m @ ("1" | "2" | "3" | "4")) => m.to_string(),
            _ => return Err("auth_modes: a list of \"1\" (OTP), \"2\", \"3\" or \"4\"".into()),
        };
        if self.max_wait_minutes == 0 || self.max_wait_minutes > MAX_WAIT_MINUTES {
            return Err(format!(
                "max_wait_minutes: 1 to {MAX_WAIT_MINUTES} (how long a signer has at the ESP)"
            ));
        }
        let password = match &self.asp_pkcs12_password_env {
            Some(var) => std::env::var(var)
                .map_err(|_| format!("asp_pkcs12_password_env: {var} is not set"))?,
            None => String::new(),
        };
        let p12 = read(base, &self.asp_pkcs12, "asp_pkcs12")?;
        let local = signet_pdf::keys::load_pkcs12(&p12, &password)
            .map_err(|e| format!("asp_pkcs12: {e}"))?;
        let key_pem = signet_pdf::keys::key_to_pkcs8_pem(local.key())
            .map_err(|e| format!("asp_pkcs12: {e}"))?;
        let (_, key_der) =
            der::pem::decode_vec(key_pem.as_bytes()).map_err(|e| format!("asp_pkcs12: {e}"))?;
        let cert_der = der::Encode::to_der(&signet_pdf::signer::Signer::certificates(&local)[0])
            .map_err(|e| format!("asp_pkcs12: {e}"))?;
        let signer = XmlSigner::new(&key_der, &cert_der)
            .map_err(|e| format!("asp_pkcs12: the key cannot sign requests: {e}"))?;
        let esp_pem = read(base, &self.esp_certificate, "esp_certificate")?;
        let esp = signet_pdf::keys::load_certificates_pem(&String::from_utf8_lossy(&esp_pem))
            .map_err(|e| format!("esp_certificate: {e}"))?;
        let esp_certificate = esp
            .first()
            .ok_or("esp_certificate: no certificate in the file")
            .and_then(|c| der::Encode::to_der(c).map_err(|_| "esp_certificate: unreadable"))?;
        Ok(Provider {
            name: name.to_string(),
            version,
            transport,
            gateway_url: self.gateway_url,
            auth_url: self.auth_url,
            asp_id: self.asp_id,
            signer,
            esp_certificate,
            response_field: self.response_field,
            auth_mode,
            max_wait_minutes: self.max_wait_minutes,
        })
    }
}

/// The origin of an address, as CSP writes a source.
pub fn origin_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization()).filter(|o| o != "null")
}

fn check_url(setting: &str, url: &str) -> Result<(), String> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(format!("{setting} {url:?}: an http(s) address")),
    }
}

/// Reads a file the configuration names, relative to the configuration's folder.
fn read(base: &Path, path: &Path, setting: &str) -> Result<Vec<u8>, String> {
    let path = base.join(path);
    let unreadable = |e: std::io::Error| format!("{setting}: cannot read {}: {e}", path.display());
    let meta = std::fs::metadata(&path).map_err(unreadable)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{setting}: {} is over {MAX_FILE_BYTES} bytes",
            path.display()
        ));
    }
    std::fs::read(&path).map_err(unreadable)
}
