//! Configuration: every setting is a flag and a `SIGNET_*` variable with a default, declared
//! once here and shared by every command that reads it (`serve`, `account create`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::wire::Zone;

#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address to bind.
    #[arg(long, env = "SIGNET_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Base of signing links and file URLs (default: http://{listen}).
    #[arg(long, env = "SIGNET_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where SQLite, files and keys live by default.
    #[arg(long, env = "SIGNET_DATA_DIR", default_value = "./signet-data")]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (default: sqlite://{data-dir}/signet.db).
    #[arg(long, env = "SIGNET_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where documents' files go: `file://DIRECTORY` or `s3://BUCKET/PREFIX`, an
    /// S3-compatible bucket set up by the standard AWS variables (default:
    /// file://{data-dir}/objects).
    #[arg(long, env = "SIGNET_STORAGE_URL")]
    pub storage_url: Option<String>,
    /// Largest PDF accepted, decoded, in bytes.
    #[arg(long, env = "SIGNET_MAX_PDF_BYTES", default_value_t = 15 * 1024 * 1024)]
    pub max_pdf_bytes: usize,
    /// Lifetime of file URLs, e.g. `15s`, `2m`.
    #[arg(long, env = "SIGNET_FILE_URL_TTL", default_value = "15s", value_parser = parse_duration)]
    pub file_url_ttl: Duration,
    /// Zone of Leegality-format timestamps (only Asia/Kolkata and UTC are built in).
    #[arg(long, env = "SIGNET_TIMEZONE", default_value = "Asia/Kolkata")]
    pub timezone: String,
    /// Let `POST /api/signet/clock/advance` move the server's clock forward (tests only:
    /// expiry then happens on demand instead of after real days).
    #[arg(long, env = "SIGNET_TEST_CLOCK", default_value_t = false)]
    pub test_clock: bool,
    /// Let webhooks go to loopback and private addresses (tests, private networks). Off, a
    /// webhook URL that resolves to one is refused, so accounts cannot reach the server's own
    /// network through it.
    #[arg(long, env = "SIGNET_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,
    /// Delays of the retries after a failed webhook attempt, comma-separated; after the last
    /// the delivery is dead (it can still be redelivered through the API).
    #[arg(long, env = "SIGNET_WEBHOOK_RETRIES", default_value = "0s,1h,3h", value_parser = parse_durations)]
    pub webhook_retries: Durations,
    /// SMTP server for invitation mail: `smtp://host:port`, `smtp://host?tls=required`
    /// (STARTTLS), `smtps://user:password@host` (TLS). Unset, mail is not sent: the log names
    /// the masked recipient (never the link).
    #[arg(long, env = "SIGNET_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The From of invitation mail.
    #[arg(
        long,
        env = "SIGNET_MAIL_FROM",
        default_value = "Signet <signet@localhost>"
    )]
    pub mail_from: String,
    /// How long a completed document of a `deleteOnComplete` workflow keeps its files (webhooks
    /// of version 2.5 carry none: the client fetches the signed PDF after the completion
    /// webhook, whose retries run for hours). The audit trail stays.
    #[arg(long, env = "SIGNET_DELETE_ON_COMPLETE_AFTER", default_value = "24h", value_parser = parse_duration)]
    pub delete_on_complete_after: Duration,
    /// How long finished webhook deliveries (with their attempts) and mail are kept: the
    /// deliveries API shows them until then.
    #[arg(long, env = "SIGNET_OUTBOX_RETENTION", default_value = "30d", value_parser = parse_duration)]
    pub outbox_retention: Duration,
    /// How long a webhook receiver has to answer before the attempt counts as failed.
    #[arg(long, env = "SIGNET_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: Duration,
    /// How many PDFs of the largest size may be opened, signed or encoded at once. PDF work
    /// shares one memory budget of this many times twice `SIGNET_MAX_PDF_BYTES` (smaller
    /// files take a smaller share); work beyond it waits for its turn.
    #[arg(long, env = "SIGNET_PDF_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub pdf_concurrency: u32,
    /// RFC 3161 timestamp authority (`http://` or `https://`). Set, every signature and
    /// audit-trail seal carries its timestamp (PAdES B-T), and a signature fails rather than
    /// go without one.
    #[arg(long, env = "SIGNET_TSA_URL")]
    pub tsa_url: Option<String>,
    /// How long the timestamp authority has to answer.
    #[arg(long, env = "SIGNET_TSA_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub tsa_timeout: Duration,
    /// PEM bundle of the roots that signers' certificates (DSC, organisation certificates,
    /// Aadhaar eSign) must chain to. Unset, the chain is reported, not required.
    #[arg(long, env = "SIGNET_SIGNER_TRUST_ROOTS")]
    pub signer_trust_roots: Option<PathBuf>,
    /// Colon-separated allow-list of PKCS#11 module paths the server may load for
    /// organisation keys. Checked at start (absolute paths of existing files).
    #[arg(long, env = "SIGNET_PKCS11_MODULES", value_delimiter = ':')]
    pub pkcs11_modules: Vec<PathBuf>,
    /// The 32-byte key that encrypts organisation keys and PINs at rest. Unset, it is
    /// `keys/secrets.key` under the data directory, made on first start; set, the file must
    /// exist (a key kept apart from the database, on a mounted secret for instance).
    #[arg(long, env = "SIGNET_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,
    /// TOML file of eSign service providers (API.md 11). Unset, `AADHAAR` is refused at
    /// workflow creation.
    #[arg(long, env = "SIGNET_ESP_CONFIG")]
    pub esp_config: Option<PathBuf>,
    /// Where the signing page looks for `signet dsc agent`, the signer's local helper for
    /// "Sign with DSC token": an origin (`http://127.0.0.1:47801`, the agent's default), put
    /// in the page's CSP `connect-src` as the one address besides the server it may reach.
    #[arg(
        long,
        env = "SIGNET_DSC_AGENT_URL",
        default_value = "http://127.0.0.1:47801"
    )]
    pub dsc_agent_url: String,
    /// `text` or `json` (one JSON object per line, for log collectors).
    #[arg(long, env = "SIGNET_LOG_FORMAT", default_value = "text", value_enum)]
    pub log_format: LogFormat,
    /// How long a client has to send a request's line and headers; a connection idle this
    /// long between requests is closed too. Put a proxy's idle timeout below it.
    #[arg(long, env = "SIGNET_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,
    /// The longest pause while a request body arrives; the answer is then a refusal.
    #[arg(long, env = "SIGNET_BODY_READ_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub body_read_timeout: Duration,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A list of durations, e.g. `0s,1h,3h` (empty: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Durations(pub Vec<Duration>);

fn parse_durations(s: &str) -> Result<Durations, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_duration)
        .collect::<Result<Vec<_>, _>>()
        .map(Durations)
}

impl Config {
    /// The base of links, without a trailing slash. `serve` fixes it once the port is
    /// bound, so that building a link on every answer is a copy, not a formatting.
    pub fn public_url(&self) -> std::borrow::Cow<'_, str> {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').into(),
            None => format!("http://{}", self.listen).into(),
        }
    }

    /// Whether clients reach the server over TLS (a proxy in front of it terminates it).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}/signet.db", self.data_dir.display()),
        }
    }

    pub fn storage_url(&self) -> String {
        match &self.storage_url {
            Some(u) => u.clone(),
            None => format!("file://{}", self.data_dir.join("objects").display()),
        }
    }

    /// Fails fast, before anything starts, with a message an operator can act on; what it
    /// parsed on the way is kept, so nothing parses a setting again.
    pub fn check(&self) -> Result<Checked, String> {
        let signer_roots = self.check_certificate_settings()?;
        let db = self.database_url();
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres:")
            || db.starts_with("postgresql:"))
        {
            return Err(format!(
                "SIGNET_DATABASE_URL must start with sqlite:// or postgres://, not {:?}",
                db.split(':').next().unwrap_or_default()
            ));
        }
        if self.header_read_timeout.is_zero() || self.body_read_timeout.is_zero() {
            return Err(
                "SIGNET_HEADER_READ_TIMEOUT and SIGNET_BODY_READ_TIMEOUT must be above zero".into(),
            );
        }
        crate::store::Blobs::check_url(&self.storage_url())?;
        let zone = Zone::parse(&self.timezone)?;
        if let Some(tsa) = &self.tsa_url
            && !(tsa.starts_with("http://") || tsa.starts_with("https://"))
        {
            return Err(format!(
                "SIGNET_TSA_URL must start with http:// or https://, not {:?}",
                tsa.split(':').next().unwrap_or_default()
            ));
        }
        let esp = match &self.esp_config {
            Some(path) => crate::esp::Providers::load(path)?,
            None => crate::esp::Providers::default(),
        };
        Ok(Checked {
            zone,
            signer_roots,
            esp,
        })
    }
}

/// `SIGNET_DSC_AGENT_URL` must be an origin (scheme, host, port; no path), since it goes into
/// the signing page's CSP as written: anything else there (a space, a `;`, a quote) would
/// change the policy rather than name an address.
fn check_agent_origin(url: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "SIGNET_DSC_AGENT_URL must be an origin such as http://127.0.0.1:47801, not {url:?}"
        )
    };
    let origin = url.trim_end_matches('/');
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .ok_or_else(bad)?;
    // A CSP host-source is letters, digits, dots and dashes: no IPv6 literal can be written
    // there, so none is taken here (the agent answers on 127.0.0.1 and localhost).
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// The settings `Config::check` parsed into types.
pub struct Checked {
    pub zone: Zone,
    /// `SIGNET_SIGNER_TRUST_ROOTS`; empty when unset.
    pub signer_roots: Vec<x509_cert::Certificate>,
    /// `SIGNET_ESP_CONFIG`; empty when unset.
    pub esp: crate::esp::Providers,
}

impl Config {
    /// The settings of certificate signing, accepted now so that a deployment can name them,
    /// and checked so that a mistake shows at start rather than at a signer's first attempt.
    fn check_certificate_settings(&self) -> Result<Vec<x509_cert::Certificate>, String> {
        let mut roots = Vec::new();
        if let Some(path) = &self.signer_trust_roots {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "SIGNET_SIGNER_TRUST_ROOTS: cannot read {}: {e}",
                    path.display()
                )
            })?;
            // Refuses a bundle without a certificate as well as a malformed one.
            roots = signet_pdf::keys::load_certificates_pem(&pem).map_err(|e| {
                format!(
                    "SIGNET_SIGNER_TRUST_ROOTS: {} is not a PEM bundle of certificates: {e}",
                    path.display()
                )
            })?;
        }
        for module in &self.pkcs11_modules {
            if !module.is_absolute() || !module.is_file() {
                return Err(format!(
                    "SIGNET_PKCS11_MODULES: {} is not the absolute path of a file",
                    module.display()
                ));
            }
        }
        check_agent_origin(&self.dsc_agent_url)?;
        Ok(roots)
    }

    /// `SIGNET_DSC_AGENT_URL` as a browser writes an origin, without a trailing slash.
    pub fn dsc_agent_origin(&self) -> &str {
        self.dsc_agent_url.trim_end_matches('/')
    }

    /// Where the key of secrets at rest is, and whether the server may create it.
    pub fn secrets_key_path(&self) -> (PathBuf, bool) {
        match &self.secrets_key_file {
            Some(path) => (path.clone(), false),
            None => (self.data_dir.join("keys").join("secrets.key"), true),
        }
    }

    /// Makes the data directory private to the server's user before anything is written in
    /// it: it holds the database, the documents and the private keys. Every file and folder
    /// the process creates from here on is 0600 / 0700 (the umask covers what SQLite and the
    /// file store create, `-wal` and `-shm` files included).
    pub fn prepare_data_dir(&self) -> Result<(), String> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        // SAFETY: umask only sets the process's file-creation mask; it is called before any
        // thread of ours creates files.
        unsafe {
            libc::umask(0o077);
        }
        let dir = &self.data_dir;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
        let mode = std::fs::metadata(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
                format!(
                    "the data directory {} is readable by others and cannot be made private: {e}",
                    dir.display()
                )
            })?;
            tracing::warn!(dir = %dir.display(), "the data directory was readable by others; it is now 0700");
        }
        Ok(())
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 15s or 2m"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        "d" => Ok(Duration::from_secs(n * 86_400)),
        _ => Err(format!(
            "{s:?}: unknown unit {unit:?} (use ms, s, m, h or d)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_url_is_an_origin() {
        for ok in [
            "http://127.0.0.1:47801",
            "http://localhost:47801/",
            "https://agent.example",
        ] {
            assert_eq!(check_agent_origin(ok), Ok(()), "{ok}");
        }
        for bad in [
            "127.0.0.1:47801",
            "http://127.0.0.1:47801/v1",
            "http://127.0.0.1:47801; script-src *",
            "http://127.0.0.1:0",
            "http://[::1]:47801",
            "http://'self'",
            "ftp://127.0.0.1",
        ] {
            assert!(check_agent_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert!(parse_duration("5w").is_err());
        assert_eq!(
            parse_durations("0s, 1h,3h"),
            Ok(Durations(vec![
                Duration::ZERO,
                Duration::from_secs(3600),
                Duration::from_secs(3 * 3600)
            ]))
        );
        assert_eq!(parse_durations(""), Ok(Durations(vec![])));
        assert!(parse_durations("1h,later").is_err());
    }
}
