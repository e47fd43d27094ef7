//! The mail outbox: an invitation's mail is written in the transaction that makes it active
//! (sending, the next turn in a signing order, reactivation, activation out of turn) or that
//! records a resend, and the mailer sends it from here. Like webhooks, the store knows no
//! wording: a [`MailRenderer`] given at start-up writes the message.

use std::sync::Arc;

use sqlx::{Any, Row, Transaction};

use super::documents::{NewEvent, append_events};
use super::invitations::open_invitation_sql;
use super::lifecycle::lock_document;
use super::outbox::OutboxTable;
use super::{AnyQuery, Columns, Store, StoreError, placeholders};
use crate::domain::language::Language;
use crate::domain::status::DocumentStatus;
use crate::domain::workflow::Workflow;

/// Why an invitee is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Their turn has come (or the document was sent, or reactivated).
    Invitation,
    /// The account asked for the invitation to be sent again.
    Reminder,
}

/// An invitation about to be mailed, as the transaction sees it.
#[derive(Debug, Clone)]
pub struct MailFacts {
    pub kind: MailKind,
    pub invitation_id: String,
    pub slot: i64,
    pub name: String,
    pub email: Option<String>,
    pub expires_at: i64,
    pub document_name: String,
    /// The workflow the document was sent with.
    pub workflow: Arc<Workflow>,
    /// The invitation's language: which wording the mail is written in.
    pub language: Language,
}

/// A mail as written to the outbox: sent as `multipart/alternative`, the text first.
#[derive(Debug, Clone)]
pub struct RenderedMail {
    pub to: String,
    pub subject: String,
    /// The text part.
    pub body: String,
    /// The HTML part.
    pub html: String,
}

/// Writes an invitation's mail, or `None` when it gets none (no address, or its slot does not
/// notify by mail).
pub trait MailRenderer: Send + Sync {
    fn render(&self, facts: &MailFacts) -> Option<RenderedMail>;
}

#[derive(Clone)]
pub(super) struct Mailbox {
    renderer: Arc<dyn MailRenderer>,
    ready: Arc<tokio::sync::Notify>,
}

/// Which of a document's open, active invitations to mail.
pub(super) enum Recipients<'a> {
    Ids(&'a [&'a str]),
    Slots(&'a [i64]),
    /// Every active invitation still open.
    AllActive,
}

/// A mail the mailer claimed.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `None` for mail written before mail had an HTML part: sent as text alone.
    pub html: Option<String>,
    pub attempts: i64,
}

/// A mail's state after an attempt: state, next attempt, error, time sent.
type MailOutcome<'a> = (&'static str, Option<i64>, Option<&'a str>, Option<i64>);

/// How sending one went: `Ok` sent (or logged), `Err` with the reason and whether trying
/// again could help.
pub struct MailResult {
    pub id: String,
    pub outcome: Result<&'static str, (String, bool)>,
    pub attempts: i64,
}

impl Store {
    /// Writes invitation mail with `renderer` from now on. Without one, no mail is written.
    pub fn with_mail(mut self, renderer: Arc<dyn MailRenderer>) -> Store {
        self.mailbox = Some(Mailbox {
            renderer,
            ready: Arc::default(),
        });
        self
    }

    /// Notified after a commit that wrote mail.
    pub fn mail_ready(&self) -> Option<Arc<tokio::sync::Notify>> {
        self.mailbox.as_ref().map(|m| m.ready.clone())
    }

    /// Wakes the mailer once the transaction that wrote mail has committed.
    pub(super) fn wake_mailer(&self, wrote: bool) {
        if let (true, Some(m)) = (wrote, &self.mailbox) {
            m.ready.notify_one();
        }
    }

    /// Writes the mail of `who` among `document_id`'s active, open invitations, in the
    /// caller's transaction and after its changes. Returns whether any was written.
    pub(super) async fn enqueue_invitation_mail(
        &self,
        tx: &mut Transaction<'_, Any>,
        document_id: &str,
        who: Recipients<'_>,
        kind: MailKind,
        now: i64,
        known: Option<&Arc<Workflow>>,
    ) -> Result<bool, StoreError> {
        if self.mailbox.is_none() || matches!(who, Recipients::Ids([]) | Recipients::Slots([])) {
            return Ok(false);
        }
        let rows = sqlx::query(concat!(
            "SELECT i.id, i.slot, i.name, i.email, i.expires_at, d.name, d.workflow, d.account_id, \
             i.language \
             FROM invitations i JOIN documents d ON d.id = i.document_id \
             WHERE i.document_id = $1 AND d.deleted = 0 AND d.status = $2 AND i.active = 1 AND ",
            open_invitation_sql!("i."),
            " ORDER BY i.slot"
        ))
        .bind(document_id)
        .bind(DocumentStatus::Sent.as_str())
        .fetch_all(&mut **tx)
        .await?;
        let Some(first) = rows.first() else {
            return Ok(false);
        };
        let account_id: String = first.get(7);
        let Some(workflow) = super::read_workflow(known, &first.get::<String, _>(6)) else {
            return Ok(false);
        };
        let facts = rows.iter().filter_map(|r| {
            let id: String = r.get(0);
            let slot: i64 = r.get(1);
            let wanted = match &who {
                Recipients::Ids(ids) => ids.contains(&id.as_str()),
                Recipients::Slots(slots) => slots.contains(&slot),
                Recipients::AllActive => true,
            };
            wanted.then(|| MailFacts {
                kind,
                invitation_id: id,
                slot,
                name: r.get(2),
                email: r.get(3),
                expires_at: r.get(4),
                document_name: r.get(5),
                workflow: workflow.clone(),
                language: Language::from_tag(&r.get::<String, _>(8)),
            })
        });
        self.write_invitation_mail(tx, &account_id, document_id, facts, now)
            .await
    }

    /// Renders and writes the mail of `facts` (those the renderer gives a mail) in one
    /// statement. Returns whether any was written.
    pub(super) async fn write_invitation_mail(
        &self,
        tx: &mut Transaction<'_, Any>,
        account_id: &str,
        document_id: &str,
        facts: impl Iterator<Item = MailFacts>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let rendered = self.render_invitation_mail(facts);
        let mails = mail_refs(&rendered);
        insert_mails(tx, account_id, document_id, "invitation", &mails, now).await?;
        Ok(!mails.is_empty())
    }

    /// The mail of `facts`, each with its invitation: those the renderer gives one, none
    /// without a renderer.
    pub(super) fn render_invitation_mail(
        &self,
        facts: impl Iterator<Item = MailFacts>,
    ) -> Vec<(String, RenderedMail)> {
        let Some(mailbox) = &self.mailbox else {
            return Vec::new();
        };
        facts
            .filter_map(|f| Some((f.invitation_id.clone(), mailbox.renderer.render(&f)?)))
            .collect()
    }

    /// Ends a transaction that gave invitations their turn (or resent them): its events, the
    /// mail of `who`, the commit, and the mailer woken. The mail is dated by the events, which
    /// carry the action's time.
    pub(super) async fn commit_with_mail(
        &self,
        mut tx: Transaction<'_, Any>,
        document_id: &str,
        events: &[NewEvent],
        who: Recipients<'_>,
        kind: MailKind,
    ) -> Result<(), StoreError> {
        append_events(&mut tx, document_id, events).await?;
        let now = events.first().map_or(0, |e| e.time);
        let wrote = self
            .enqueue_invitation_mail(&mut tx, document_id, who, kind, now, None)
            .await?;
        tx.commit().await?;
        self.wake_mailer(wrote);
        Ok(())
    }

    /// Records that the account had invitations sent again: their events and their mail, in
    /// one transaction.
    pub async fn resend_invitations(
        &self,
        document_id: &str,
        invitation_ids: &[&str],
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        lock_document(&mut tx, document_id, false).await?;
        self.commit_with_mail(
            tx,
            document_id,
            events,
            Recipients::Ids(invitation_ids),
            MailKind::Reminder,
        )
        .await
    }

    /// Claims up to `limit` due mails until `lease_until`.
    pub async fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        let rows = self
            .claim_due(
                OutboxTable::Mail,
                "id, recipient, subject, body, html, attempts",
                now,
                lease_until,
                limit,
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ClaimedMail {
                id: r.get(0),
                recipient: r.get(1),
                subject: r.get(2),
                body: r.get(3),
                html: r.get(4),
                attempts: r.get(5),
            })
            .collect())
    }

    /// When the next pending mail is due, if any.
    pub async fn next_mail_due(&self) -> Result<Option<i64>, StoreError> {
        self.next_due(OutboxTable::Mail).await
    }

    /// Records how sending went: sent or logged; retried after `retry_delays_ms[attempt]`;
    /// or dead once those are used up or the failure is permanent. Mails that went the same
    /// way share one UPDATE: under load the mailer claims many at a time, nearly all sent.
    pub async fn record_mail(
        &self,
        results: &[MailResult],
        retry_delays_ms: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut outcomes: Vec<(MailOutcome, Vec<&str>)> = Vec::new();
        for m in results {
            let outcome = match &m.outcome {
                Ok(state) => (*state, None, None, Some(now)),
                Err((why, retry)) => match retry_delays_ms.get(m.attempts as usize) {
                    Some(delay) if *retry => {
                        ("pending", Some(now + delay), Some(why.as_str()), None)
                    }
                    _ => ("dead", None, Some(why.as_str()), None),
                },
            };
            match outcomes.iter_mut().find(|(o, _)| *o == outcome) {
                Some((_, ids)) => ids.push(&m.id),
                None => outcomes.push((outcome, vec![&m.id])),
            }
        }
        let mut updates: Vec<AnyQuery<'_>> = outcomes
            .iter()
            .map(|((state, next, error, sent_at), ids)| {
                // A one-time code, or a user's set-password link, is kept no longer than it
                // takes to send it.
                let sql = format!(
                    "UPDATE mail_outbox SET state = $1, next_attempt_at = $2, last_error = $3, \
                     sent_at = $4, leased = 0, attempts = attempts + 1, \
                     body = CASE WHEN kind IN ('code', 'user_invitation') AND $1 <> 'pending' \
                     THEN '' ELSE body END, \
                     html = CASE WHEN kind IN ('code', 'user_invitation') AND $1 <> 'pending' \
                     THEN '' ELSE html END \
                     WHERE id IN {}",
                    placeholders(5, ids.len())
                );
                let query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(*state)
                    .bind(*next)
                    .bind(*error)
                    .bind(*sent_at);
                ids.iter().fold(query, |q, id| q.bind(*id))
            })
            .collect();
        if let [_] = updates.as_slice() {
            // One statement is a transaction of its own.
            let only = updates.remove(0);
            only.execute(self.writer()).await?;
            return Ok(());
        }
        let mut tx = self.writer().begin().await?;
        for update in updates {
            update.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// At start on SQLite: mail the last run was sending is due now.
    pub async fn release_abandoned_mail(&self, now: i64) -> Result<u64, StoreError> {
        self.release_abandoned(OutboxTable::Mail, now).await
    }
}

/// Rendered mails as [`insert_mails`] and [`bind_mails`] take them.
pub(super) fn mail_refs(rendered: &[(String, RenderedMail)]) -> Vec<(&str, &RenderedMail)> {
    rendered.iter().map(|(id, m)| (id.as_str(), m)).collect()
}

/// The mail outbox's INSERT, as [`bind_mails`] gives its values.
pub(super) const MAIL_COLUMNS: Columns = Columns {
    into: "mail_outbox (id, account_id, document_id, invitation_id, kind, recipient, subject, body, \
           html, state, next_attempt_at, created_at)",
    count: 12,
};

/// Writes mails (each with its invitation) as pending, due now, in one statement.
pub(super) async fn insert_mails(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    document_id: &str,
    kind: &str,
    mails: &[(&str, &RenderedMail)],
    now: i64,
) -> Result<(), StoreError> {
    if mails.is_empty() {
        return Ok(());
    }
    let sql = MAIL_COLUMNS.insert(1, mails.len());
    let query = sqlx::query(sqlx::AssertSqlSafe(sql));
    bind_mails(query, account_id, document_id, kind, mails, now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Binds the values of [`MAIL_COLUMNS`] for each mail, pending and due `now`.
pub(super) fn bind_mails<'q>(
    mut query: AnyQuery<'q>,
    account_id: &'q str,
    document_id: &'q str,
    kind: &'q str,
    mails: &[(&'q str, &'q RenderedMail)],
    now: i64,
) -> AnyQuery<'q> {
    for (invitation_id, mail) in mails {
        query = query
            .bind(ulid::Ulid::generate().to_string())
            .bind(account_id)
            .bind(document_id)
            .bind(*invitation_id)
            .bind(kind)
            .bind(&mail.to)
            .bind(&mail.subject)
            .bind(&mail.body)
            .bind(&mail.html)
            .bind("pending")
            .bind(now)
            .bind(now);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewInvitation;
    use crate::test_db::{Db, document, invitation};

    fn result(mail: &ClaimedMail, outcome: Result<&'static str, (String, bool)>) -> MailResult {
        MailResult {
            id: mail.id.clone(),
            outcome,
            attempts: mail.attempts,
        }
    }

    /// Mails recorded together each keep their own outcome: the one sent is done, the one
    /// refused for good is dead, the one that failed for now is due again after its delay,
    /// with its attempt counted.
    async fn each_mail_keeps_its_outcome(postgres: bool) {
        let db = Db::new(postgres);
        let store = db.store_with_mail().await;
        let invitations: Vec<NewInvitation> = ["sent", "busy", "gone"]
            .iter()
            .enumerate()
            .map(|(slot, who)| NewInvitation {
                slot: slot as i64,
                ..invitation(who, Some(&format!("{who}@example.com")))
            })
            .collect();
        store
            .insert_sent_document(&document("A"), &invitations, &[])
            .await
            .unwrap();
        let claimed = store.claim_mail(3_000, 9_000, 10).await.unwrap();
        assert_eq!(claimed.len(), 3);
        let by = |who: &str| {
            claimed
                .iter()
                .find(|m| m.recipient.starts_with(who))
                .unwrap()
        };
        let results = [
            result(by("sent"), Ok("sent")),
            result(by("busy"), Err(("421 busy".into(), true))),
            result(by("gone"), Err(("550 no such user".into(), false))),
        ];
        store.record_mail(&results, &[1_000], 3_000).await.unwrap();

        assert_eq!(store.next_mail_due().await.unwrap(), Some(4_000));
        let again = store.claim_mail(4_000, 9_000, 10).await.unwrap();
        let again: Vec<(&str, i64)> = again
            .iter()
            .map(|m| (m.recipient.as_str(), m.attempts))
            .collect();
        assert_eq!(again, [("busy@example.com", 1)]);
    }

    #[tokio::test]
    async fn mail_outcomes_on_sqlite() {
        each_mail_keeps_its_outcome(false).await;
    }

    #[tokio::test]
    async fn mail_outcomes_on_postgres() {
        each_mail_keeps_its_outcome(true).await;
    }
}
