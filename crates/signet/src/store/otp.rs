//! One-time codes: issuing one (with its mail and an event, in one transaction) and using one.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::documents::{NewEvent, append_events};
use super::lifecycle::lock_document;
use super::mail::{RenderedMail, insert_mails};
use super::{Store, StoreError};
use crate::domain::otp::POLICY;

pub enum CodeIssue {
    Issued,
    /// A code went out less than the policy's `resend_after` ago: seconds to wait.
    TooSoon(i64),
    LimitReached,
    /// The document is no longer open.
    Closed,
}

pub enum CodeCheck {
    Valid,
    /// Wrong; this many guesses are left.
    Wrong(i64),
    Expired,
    /// No code was asked for, or the last one was used.
    Missing,
    /// Every guess of this code was used: ask for a new one.
    Exhausted,
}

/// A code to issue: for whom, its hash, the mail that carries it, and the event recording it.
pub struct NewCode<'a> {
    pub account_id: &'a str,
    pub document_id: &'a str,
    pub invitation_id: &'a str,
    pub code_hash: String,
    pub mail: RenderedMail,
    pub event: NewEvent,
    pub now: i64,
}

impl Store {
    /// Replaces the invitation's code, and writes the mail carrying it and the event, in one
    /// transaction, paced and bounded by the domain's [`POLICY`].
    pub async fn issue_code(&self, c: &NewCode<'_>) -> Result<CodeIssue, StoreError> {
        let mut tx = self.writer().begin().await?;
        if !lock_document(&mut tx, c.document_id, true).await? {
            return Ok(CodeIssue::Closed);
        }
        let last: Option<(i64, i64)> =
            sqlx::query("SELECT sent_at, sends FROM otp_codes WHERE invitation_id = $1")
                .bind(c.invitation_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| (r.get(0), r.get(1)));
        if let Some((sent_at, sends)) = last {
            if sends >= POLICY.max_sends {
                return Ok(CodeIssue::LimitReached);
            }
            let wait = sent_at + POLICY.resend_after_ms() - c.now;
            if wait > 0 {
                return Ok(CodeIssue::TooSoon((wait + 999) / 1000));
            }
        }
        sqlx::query(
            "INSERT INTO otp_codes (invitation_id, code_hash, expires_at, attempts_left, sent_at, sends) \
             VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (invitation_id) DO UPDATE SET \
             code_hash = excluded.code_hash, expires_at = excluded.expires_at, \
             attempts_left = excluded.attempts_left, sent_at = excluded.sent_at, sends = otp_codes.sends + 1",
        )
        .bind(c.invitation_id)
        .bind(&c.code_hash)
        .bind(c.now + POLICY.lifetime_ms())
        .bind(POLICY.attempts)
        .bind(c.now)
        .execute(&mut *tx)
        .await?;
        insert_mails(
            &mut tx,
            c.account_id,
            c.document_id,
            "code",
            &[(c.invitation_id, &c.mail)],
            c.now,
        )
        .await?;
        append_events(&mut tx, c.document_id, [&c.event]).await?;
        tx.commit().await?;
        self.wake_mailer(true);
        Ok(CodeIssue::Issued)
    }

    /// Checks a code (by its hash) and spends it when right; a wrong one costs a guess.
    pub async fn use_code(
        &self,
        invitation_id: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<CodeCheck, StoreError> {
        let mut tx = self.writer().begin().await?;
        let row: Option<(String, i64, i64)> = sqlx::query(
            "SELECT code_hash, expires_at, attempts_left FROM otp_codes WHERE invitation_id = $1",
        )
        .bind(invitation_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (r.get(0), r.get(1), r.get(2)));
        let Some((stored, expires_at, left)) = row else {
            return Ok(CodeCheck::Missing);
        };
        if left <= 0 {
            return Ok(CodeCheck::Exhausted);
        }
        if now > expires_at {
            return Ok(CodeCheck::Expired);
        }
        let check = if bool::from(stored.as_bytes().ct_eq(code_hash.as_bytes())) {
            // Spent, but the row stays: it bounds the codes sent and paces the next one.
            sqlx::query(
                "UPDATE otp_codes SET attempts_left = 0, code_hash = '' WHERE invitation_id = $1",
            )
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?;
            CodeCheck::Valid
        } else {
            sqlx::query(
                "UPDATE otp_codes SET attempts_left = attempts_left - 1 WHERE invitation_id = $1",
            )
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?;
            CodeCheck::Wrong(left - 1)
        };
        tx.commit().await?;
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MailResult;
    use crate::test_db::{Db, document, invitation};

    fn code_at(now: i64) -> NewCode<'static> {
        NewCode {
            account_id: "ACCOUNT1",
            document_id: "A",
            invitation_id: "I1",
            code_hash: "right".into(),
            mail: RenderedMail {
                to: "asha@example.com".into(),
                subject: "Your code for Loan".into(),
                body: "Your one-time code is 123456.".into(),
                html: "<p>Your one-time code is <strong>123456</strong>.</p>".into(),
            },
            event: NewEvent {
                time: now,
                actor: "Asha".into(),
                action: "One-time code sent".into(),
                ip: None,
                user_agent: None,
                details: String::new(),
            },
            now,
        }
    }

    /// The store paces, bounds and times codes by the domain's policy, and a code mail's text
    /// and HTML are gone once it is sent.
    async fn codes_follow_the_policy(postgres: bool) {
        let db = Db::new(postgres);
        let store = db.store_with_mail().await;
        store
            .insert_sent_document(&document("A"), &[invitation("I1", None)], &[])
            .await
            .unwrap();
        let t0 = 10_000;
        assert!(matches!(
            store.issue_code(&code_at(t0)).await.unwrap(),
            CodeIssue::Issued
        ));
        let soon = t0 + POLICY.resend_after_ms() - 1;
        assert!(matches!(
            store.issue_code(&code_at(soon)).await.unwrap(),
            CodeIssue::TooSoon(1)
        ));

        let claimed = store.claim_mail(t0, t0 + 60_000, 10).await.unwrap();
        assert_eq!(
            claimed.len(),
            1,
            "the code mail alone: the invitee has no address"
        );
        assert!(claimed[0].html.as_deref().unwrap().contains("123456"));
        let sent = MailResult {
            id: claimed[0].id.clone(),
            outcome: Ok("sent"),
            attempts: 0,
        };
        store.record_mail(&[sent], &[], t0 + 1).await.unwrap();
        let kept: (String, String) = sqlx::query("SELECT body, html FROM mail_outbox")
            .fetch_one(store.writer())
            .await
            .map(|r| (r.get(0), r.get(1)))
            .unwrap();
        assert_eq!(kept, (String::new(), String::new()));

        let end = t0 + POLICY.lifetime_ms();
        assert!(matches!(
            store.use_code("I1", "wrong", end).await.unwrap(),
            CodeCheck::Wrong(left) if left == POLICY.attempts - 1
        ));
        assert!(matches!(
            store.use_code("I1", "right", end + 1).await.unwrap(),
            CodeCheck::Expired
        ));

        for n in 1..POLICY.max_sends {
            let at = t0 + n * POLICY.resend_after_ms();
            assert!(matches!(
                store.issue_code(&code_at(at)).await.unwrap(),
                CodeIssue::Issued
            ));
        }
        let after = t0 + POLICY.max_sends * POLICY.resend_after_ms();
        assert!(matches!(
            store.issue_code(&code_at(after)).await.unwrap(),
            CodeIssue::LimitReached
        ));
    }

    #[tokio::test]
    async fn code_policy_on_sqlite() {
        codes_follow_the_policy(false).await;
    }

    #[tokio::test]
    async fn code_policy_on_postgres() {
        codes_follow_the_policy(true).await;
    }
}
