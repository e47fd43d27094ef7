//! The mailer: sends the mail outbox over SMTP (`SIGNET_SMTP_URL`), or, with no SMTP server
//! configured, writes each mail's masked recipient and subject to the log and marks it
//! `logged` (the body holds a signing link, which never reaches a log line).
//!
//! Mail is claimed with a lease like webhooks, so several processes on one PostgreSQL share
//! the work and a process that dies mid-send leaves its mail to be sent again.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::mask;
use crate::clock::Clock;
use crate::ops::shutdown::Stop;
use crate::store::{ClaimedMail, MailResult, Store};

/// Mails sent at once.
const BATCH: usize = 16;
/// The longest sleep: how late this process notices mail another process wrote, or a retry.
const IDLE: Duration = Duration::from_secs(2);
/// How long a claim holds a mail: beyond lettre's own SMTP timeouts.
const LEASE: Duration = Duration::from_secs(120);
/// After a failure that may pass (a server down, a temporary refusal): retried after these,
/// then dead.
const RETRIES: [Duration; 4] = [
    Duration::from_secs(60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(6 * 60 * 60),
];

pub struct Settings {
    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS), `smtps://user:pass@…`.
    pub smtp_url: Option<String>,
    /// The From of every mail, e.g. `Signet <signet@example.com>`.
    pub from: String,
}

/// Checks the settings and starts this process's mailer (nothing when the store writes no
/// mail). The task returned ends after `stop`; mail it was sending is handed back to the
/// outbox, due at once.
pub async fn spawn(
    store: Store,
    clock: Clock,
    settings: Settings,
    stop: Stop,
) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    let Some(ready) = store.mail_ready() else {
        return Ok(None);
    };
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("SIGNET_MAIL_FROM {:?}: {e}", settings.from))?;
    let transport = match &settings.smtp_url {
        None => None,
        Some(url) => Some(
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                // The URL may hold a password: name the problem, not the URL.
                .map_err(|e| format!("SIGNET_SMTP_URL is not a usable SMTP URL: {e}"))?
                .build(),
        ),
    };
    store
        .release_abandoned_mail(clock.now_ms())
        .await
        .map_err(|e| format!("mail outbox: {e}"))?;
    let mailer = Mailer {
        store,
        clock,
        transport,
        from,
        ready,
    };
    Ok(Some(tokio::spawn(mailer.run(stop))))
}

struct Mailer {
    store: Store,
    clock: Clock,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    ready: Arc<tokio::sync::Notify>,
}

impl Mailer {
    async fn run(self, mut stop: Stop) {
        let delays: Vec<i64> = RETRIES.iter().map(|d| d.as_millis() as i64).collect();
        while !stop.is_requested() {
            let now = self.clock.now_ms();
            let lease_until = now + LEASE.as_millis() as i64;
            let claimed = match self.store.claim_mail(now, lease_until, BATCH as i64).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming mail failed");
                    vec![]
                }
            };
            let full = claimed.len() == BATCH;
            let leases: Vec<(String, i64)> = claimed
                .iter()
                .map(|m| (m.id.clone(), lease_until))
                .collect();
            let results = tokio::select! {
                biased;
                results = futures_util::future::join_all(claimed.into_iter().map(|m| self.send(m))) => results,
                // Whether a mail of the batch left is unknown: all go again (at least once).
                _ = stop.requested() => {
                    self.hand_back(&leases).await;
                    return;
                }
            };
            if !results.is_empty()
                && let Err(e) = self
                    .store
                    .record_mail(&results, &delays, self.clock.now_ms())
                    .await
            {
                // Left leased: sent again when the lease ends (at least once).
                tracing::error!(error = %e, "recording sent mail failed");
            }
            if full {
                continue;
            }
            let wait = match self.store.next_mail_due().await {
                Ok(Some(at)) => Duration::from_millis((at - self.clock.now_ms()).max(0) as u64),
                _ => IDLE,
            };
            tokio::select! {
                _ = stop.requested() => {}
                _ = self.ready.notified() => {}
                _ = tokio::time::sleep(wait.clamp(Duration::from_millis(10), IDLE)) => {}
            }
        }
    }

    async fn hand_back(&self, leases: &[(String, i64)]) {
        if leases.is_empty() {
            return;
        }
        match self.store.hand_back_mail(leases, self.clock.now_ms()).await {
            Ok(n) => tracing::info!(mails = n, "mail under way handed back to the outbox"),
            Err(e) => {
                tracing::error!(error = %e, "handing mail back failed; its lease will run out")
            }
        }
    }

    async fn send(&self, m: ClaimedMail) -> MailResult {
        let outcome = match &self.transport {
            None => {
                tracing::info!(to = %mask(&m.recipient), subject = %m.subject,
                    "mail not sent: no SIGNET_SMTP_URL configured");
                Ok("logged")
            }
            Some(transport) => self.deliver(transport, &m).await.map(|()| "sent"),
        };
        crate::ops::metrics::delivery_attempt(
            "mail",
            match &outcome {
                Ok(done) if *done == "sent" => "sent",
                Ok(_) => "logged",
                Err((_, true)) => "retry",
                Err((_, false)) => "failed",
            },
        );
        if let Err((why, retry)) = &outcome {
            tracing::warn!(mail = %m.id, to = %mask(&m.recipient), retry, error = %why, "mail not sent");
        }
        MailResult {
            id: m.id,
            outcome,
            attempts: m.attempts,
        }
    }

    /// Sends one mail; on failure, why and whether trying again could help.
    async fn deliver(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        m: &ClaimedMail,
    ) -> Result<(), (String, bool)> {
        let message = message(&self.from, m).map_err(|why| (why, false))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| (e.to_string(), !e.is_permanent()))
    }
}

/// The message of a claimed mail: `multipart/alternative` with the text part first, so a
/// client that shows one part shows the text, and one that can prefers the HTML. Mail written
/// before it had an HTML part goes as text alone. lettre encodes a non-ASCII subject as
/// RFC 2047 words and picks each part's transfer encoding.
fn message(from: &Mailbox, m: &ClaimedMail) -> Result<Message, String> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("not a mail address: {e}"))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.as_str());
    match m.html.as_deref().filter(|h| !h.is_empty()) {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            m.body.clone(),
            html.to_string(),
        )),
        None => builder.header(ContentType::TEXT_PLAIN).body(m.body.clone()),
    }
    .map_err(|e| format!("cannot build the message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(subject: &str, html: Option<&str>) -> ClaimedMail {
        ClaimedMail {
            id: "M1".into(),
            recipient: "asha@example.com".into(),
            subject: subject.into(),
            body: "नमस्ते Asha,\n".into(),
            html: html.map(str::to_string),
            attempts: 0,
        }
    }

    fn formatted(m: &ClaimedMail) -> String {
        let from: Mailbox = "Signet <signet@example.com>".parse().unwrap();
        String::from_utf8(message(&from, m).unwrap().formatted()).unwrap()
    }

    /// The headers of a formatted message, unfolded.
    fn header(raw: &str, name: &str) -> String {
        let head = raw.split("\r\n\r\n").next().unwrap();
        let mut lines = head.split("\r\n").skip_while(|l| !l.starts_with(name));
        let mut value = lines.next().unwrap_or_default()[name.len()..].to_string();
        value.extend(
            lines
                .take_while(|l| l.starts_with(' '))
                .map(|l| l.to_string()),
        );
        value
    }

    #[test]
    fn text_first_then_html() {
        let raw = formatted(&claimed("Please sign: Loan", Some("<p>नमस्ते</p>")));
        assert!(
            header(&raw, "Content-Type: ").starts_with("multipart/alternative;"),
            "{raw}"
        );
        let text = raw
            .find("Content-Type: text/plain; charset=utf-8")
            .expect("a text part");
        let html = raw
            .find("Content-Type: text/html; charset=utf-8")
            .expect("an HTML part");
        assert!(text < html, "{raw}");
        assert_eq!(header(&raw, "Subject: "), "Please sign: Loan");

        let old = formatted(&claimed("Please sign: Loan", None));
        assert_eq!(header(&old, "Content-Type: "), "text/plain; charset=utf-8");
    }

    /// A Hindi subject leaves as ASCII encoded words (RFC 2047) that decode to it.
    #[test]
    fn a_non_ascii_subject_is_encoded() {
        let subject = "अनुस्मारक: कृपया हस्ताक्षर करें: Loan";
        let raw = formatted(&claimed(subject, Some("<p>x</p>")));
        let encoded = header(&raw, "Subject: ");
        assert!(encoded.is_ascii(), "{encoded}");
        // RFC 2047: the space between two encoded words is dropped, the others kept.
        let mut bytes = Vec::new();
        let mut after_word = false;
        for (i, token) in encoded.split(' ').enumerate() {
            let word = token
                .get(10..)
                .filter(|_| token[..10].eq_ignore_ascii_case("=?utf-8?b?"))
                .and_then(|w| w.strip_suffix("?="));
            if i > 0 && !(after_word && word.is_some()) {
                bytes.push(b' ');
            }
            match word {
                Some(b64) => bytes.extend(
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
                        .unwrap(),
                ),
                None => bytes.extend(token.as_bytes()),
            }
            after_word = word.is_some();
        }
        let decoded = String::from_utf8(bytes).unwrap();
        assert_eq!(decoded, subject);
    }
}
