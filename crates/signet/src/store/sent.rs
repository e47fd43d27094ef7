//! Writing a document as it is sent: its row, its invitations, its first events, the mail of
//! its active invitees and its count, all committed together.
//!
//! On SQLite the rows go one statement per table into a transaction, and documents sent at the
//! same moment share a commit (see `group_commit`). On PostgreSQL every statement is a round
//! trip and an executor start of its own, and a document took seven (BEGIN, four INSERTs, the
//! count, COMMIT): PostgreSQL's CPU went on starting statements, not on the rows. There the
//! rows go as one statement of data-modifying CTEs, which is its own transaction.

use sqlx::{Any, Transaction};

use signet_pdf::audit::GENESIS;

use super::documents::{
    ADD_TO_COUNT, EVENT_COLUMNS, NewDocument, NewEvent, NewInvitation, bind_events, chain_events,
    move_count, random_count_shard,
};
use super::mail::{MAIL_COLUMNS, MailFacts, MailKind, bind_mails, insert_mails, mail_refs};
use super::{AnyQuery, Backend, Columns, Store, StoreError};
use crate::domain::language::Language;
use crate::domain::status::DocumentStatus;

const DOCUMENT_COLUMNS: Columns = Columns {
    into: "documents (id, account_id, profile_id, name, irn, status, workflow, original_sha256, \
           file_key, page_sizes, versions, created_at, expires_at, delete_after_ms, sender_name, \
           nesl_data)",
    count: 16,
};

const INVITATION_COLUMNS: Columns = Columns {
    into: "invitations (id, document_id, slot, name, email, phone, invitee_type, active, \
           created_at, expires_at, verification_request, automated_signer)",
    count: 12,
};

impl Store {
    /// Stores a sent document, its invitations and its first events in one transaction. On
    /// SQLite, once `start_group_commit` has run, documents sent at the same moment share
    /// one commit (see `group_commit`).
    pub async fn insert_sent_document(
        &self,
        d: &NewDocument,
        invitations: &[NewInvitation],
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        if let Some(batcher) = &self.group_commit {
            return batcher.insert(d, invitations, events).await;
        }
        let mailed = if self.backend == Backend::Postgres {
            self.insert_sent_in_one_statement(d, invitations, events)
                .await?
        } else {
            let mut tx = self.writer().begin().await?;
            let mailed = self.insert_sent_in(&mut tx, d, invitations, events).await?;
            tx.commit().await?;
            mailed
        };
        self.wake_mailer(mailed);
        Ok(())
    }

    /// The rows of a sent document, in the caller's transaction; true when mail was written.
    /// One statement per table: the caller knows everything the rows hold, so nothing is read
    /// back (the event chain starts at its genesis, the mail comes from `invitations`).
    pub(super) async fn insert_sent_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        d: &NewDocument,
        invitations: &[NewInvitation],
        events: &[NewEvent],
    ) -> Result<bool, StoreError> {
        let query = sqlx::query(sqlx::AssertSqlSafe(DOCUMENT_COLUMNS.insert(1, 1)));
        bind_document(query, d).execute(&mut **tx).await?;
        if !invitations.is_empty() {
            let sql = INVITATION_COLUMNS.insert(1, invitations.len());
            let query = sqlx::query(sqlx::AssertSqlSafe(sql));
            bind_invitations(query, d, invitations)
                .execute(&mut **tx)
                .await?;
        }
        let chained = chain_events(GENESIS, events);
        if !chained.is_empty() {
            let query = sqlx::query(sqlx::AssertSqlSafe(EVENT_COLUMNS.insert(1, chained.len())));
            bind_events(query, &d.id, 0, &chained)
                .execute(&mut **tx)
                .await?;
        }
        let rendered = self.render_invitation_mail(first_mail(d, invitations));
        let mails = mail_refs(&rendered);
        insert_mails(tx, &d.account_id, &d.id, "invitation", &mails, d.created_at).await?;
        // Last: every document of the account updates one of a few rows, and its lock is
        // held from here to the commit.
        move_count(tx, &d.id, None, Some(DocumentStatus::Sent)).await?;
        Ok(!mails.is_empty())
    }

    /// PostgreSQL: the rows of a sent document as one statement, committed on its own. Its
    /// parts see one snapshot, so none reads another's rows: the count is written from the
    /// account the caller gives, not read from the document row. True when mail was written.
    async fn insert_sent_in_one_statement(
        &self,
        d: &NewDocument,
        invitations: &[NewInvitation],
        events: &[NewEvent],
    ) -> Result<bool, StoreError> {
        let chained = chain_events(GENESIS, events);
        let rendered = self.render_invitation_mail(first_mail(d, invitations));
        let mails = mail_refs(&rendered);

        let mut parts = vec![DOCUMENT_COLUMNS.insert(1, 1)];
        let mut next = 1 + DOCUMENT_COLUMNS.count;
        for (columns, rows) in [
            (&INVITATION_COLUMNS, invitations.len()),
            (&EVENT_COLUMNS, chained.len()),
            (&MAIL_COLUMNS, mails.len()),
        ] {
            if rows > 0 {
                parts.push(columns.insert(next, rows));
                next += rows * columns.count;
            }
        }
        let ctes: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, insert)| format!("w{i} AS ({insert})"))
            .collect();
        let sql = format!(
            "WITH {} INSERT INTO document_counts (account_id, status, shard, n) \
             VALUES (${next}, ${}, ${}, 1) {ADD_TO_COUNT}",
            ctes.join(", "),
            next + 1,
            next + 2
        );

        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let query = bind_document(query, d);
        let query = bind_invitations(query, d, invitations);
        let query = bind_events(query, &d.id, 0, &chained);
        let query = bind_mails(
            query,
            &d.account_id,
            &d.id,
            "invitation",
            &mails,
            d.created_at,
        );
        query
            .bind(&d.account_id)
            .bind(DocumentStatus::Sent.as_str())
            .bind(random_count_shard())
            .execute(self.writer())
            .await?;
        Ok(!mails.is_empty())
    }
}

/// What the mail of a new document's active invitees is written from.
fn first_mail<'a>(
    d: &'a NewDocument,
    invitations: &'a [NewInvitation],
) -> impl Iterator<Item = MailFacts> + 'a {
    invitations.iter().filter(|i| i.active).map(|i| MailFacts {
        kind: MailKind::Invitation,
        invitation_id: i.id.clone(),
        slot: i.slot,
        name: i.name.clone(),
        email: i.email.clone(),
        expires_at: d.expires_at,
        document_name: d.name.clone(),
        workflow: d.workflow.clone(),
        // A request cannot choose a language yet, so a new invitation is stored with the
        // column's default, English; when one can, `NewInvitation` carries it here.
        language: Language::default(),
    })
}

/// Binds the values of [`DOCUMENT_COLUMNS`]: a document sent, at its first version.
fn bind_document<'q>(query: AnyQuery<'q>, d: &'q NewDocument) -> AnyQuery<'q> {
    query
        .bind(&d.id)
        .bind(&d.account_id)
        .bind(&d.profile_id)
        .bind(&d.name)
        .bind(&d.irn)
        .bind(DocumentStatus::Sent.as_str())
        .bind(d.workflow.to_stored())
        .bind(&d.original_sha256)
        .bind(&d.file_key)
        .bind(&d.page_sizes)
        .bind(1i64)
        .bind(d.created_at)
        .bind(d.expires_at)
        .bind(d.delete_after_ms)
        .bind(&d.sender_name)
        .bind(&d.nesl_data)
}

/// Binds the values of [`INVITATION_COLUMNS`] for each invitation of `d`.
fn bind_invitations<'q>(
    mut query: AnyQuery<'q>,
    d: &'q NewDocument,
    invitations: &'q [NewInvitation],
) -> AnyQuery<'q> {
    for i in invitations {
        query = query
            .bind(&i.id)
            .bind(&d.id)
            .bind(i.slot)
            .bind(&i.name)
            .bind(&i.email)
            .bind(&i.phone)
            .bind(&i.invitee_type)
            .bind(i64::from(i.active))
            .bind(d.created_at)
            .bind(d.expires_at)
            .bind(&i.verification_request)
            .bind(&i.automated_signer);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::workflow::InviteeType;
    use crate::test_db::{Db, document, invitation};

    /// Every row of a sent document is written, the events chained from their genesis; and a
    /// document one of whose rows cannot be stored (its invitation's id is taken) leaves
    /// nothing behind: no document, event, mail or count.
    async fn rows_are_stored_together_or_not_at_all(postgres: bool) {
        let db = Db::new(postgres);
        let store = db.store_with_mail().await;
        let events = [
            NewEvent::by_signet(
                1_000,
                &EventKind::DocumentCreated {
                    name: "Loan",
                    original_sha256: "00",
                },
            ),
            NewEvent::by_signet(
                1_000,
                &EventKind::DocumentSent {
                    invitees: &[("Asha", InviteeType::Signer)],
                },
            ),
        ];
        let mut second = invitation("I2", None);
        second.slot = 1;
        store
            .insert_sent_document(
                &document("A"),
                &[invitation("I1", Some("asha@example.com")), second],
                &events,
            )
            .await
            .unwrap();
        let stored: Vec<String> = store
            .events_of("A")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.hash)
            .collect();
        let expected: Vec<String> = chain_events(GENESIS, &events)
            .into_iter()
            .map(|(_, hash)| hash)
            .collect();
        assert_eq!(stored, expected);
        assert_eq!(store.invitations_of("A").await.unwrap().len(), 2);
        assert_eq!(
            store
                .count_documents("ACCOUNT1", Some(DocumentStatus::Sent))
                .await
                .unwrap(),
            1
        );

        let refused = store
            .insert_sent_document(
                &document("B"),
                &[invitation("I1", Some("ravi@example.com"))],
                &events,
            )
            .await;
        assert!(refused.is_err(), "an invitation id is stored once");
        assert!(store.document_by_id("B").await.unwrap().is_none());
        assert!(store.events_of("B").await.unwrap().is_empty());
        assert_eq!(
            store
                .count_documents("ACCOUNT1", Some(DocumentStatus::Sent))
                .await
                .unwrap(),
            1
        );
        let mail = store.claim_mail(3_000, 4_000, 10).await.unwrap();
        let recipients: Vec<&str> = mail.iter().map(|m| m.recipient.as_str()).collect();
        assert_eq!(recipients, ["asha@example.com"]);
    }

    #[tokio::test]
    async fn rows_together_on_sqlite() {
        rows_are_stored_together_or_not_at_all(false).await;
    }

    #[tokio::test]
    async fn rows_together_on_postgres() {
        rows_are_stored_together_or_not_at_all(true).await;
    }
}
