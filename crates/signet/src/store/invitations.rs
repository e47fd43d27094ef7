use std::sync::{Arc, LazyLock};

use sqlx::Row;
use sqlx::any::AnyRow;

use super::documents::{
    DOCUMENT_COLUMNS, DocumentRow, NewEvent, append_events, document_at, mark_completed,
};
use super::lifecycle::lock_document;
use super::mail::{MailKind, Recipients};
use super::webhooks::{Reported, VerificationCheck};
use super::{Store, StoreError};
use crate::domain::event::EventKind;
use crate::domain::invitation::{Acted, DocumentView, SlotView, after_action};
use crate::domain::signature_type::SignatureType;
use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::domain::workflow::Workflow;

/// [`crate::domain::invitation::is_open`] in SQL over the columns of `invitations`, qualified
/// by a prefix (`""`, `"i."`). Unqualified it is also, word for word, the condition of the
/// partial index `invitations_open_by_expiry` (migration 0003), which the sweeper's queries
/// reach only by repeating it. `tests::the_sql_and_the_rule_pick_the_same_invitations`
/// holds the SQL and the Rust rule to one answer.
macro_rules! open_invitation_sql {
    ($p:literal) => {
        concat!(
            $p,
            "signed = 0 AND ",
            $p,
            "approved = 0 AND ",
            $p,
            "rejected = 0 AND ",
            $p,
            "expired = 0 AND ",
            $p,
            "deleted = 0"
        )
    };
}
pub(super) use open_invitation_sql;

/// An open invitation, over the unqualified columns of `invitations`.
pub(super) const OPEN: &str = open_invitation_sql!("");
use crate::domain::language::Language;

/// An invitation with what its invitee's actions need of the document.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: String,
    pub document_id: String,
    pub slot: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Whether it is the invitee's turn.
    pub active: bool,
    pub status: InvitationStatus,
    pub expires_at: i64,
    pub document_name: String,
    pub document_status: DocumentStatus,
    pub document_deleted: bool,
    pub versions: i64,
    pub workflow: String,
    pub signature_type: Option<SignatureType>,
    pub signed_at: Option<i64>,
    pub rejection_message: Option<String>,
    pub created_at: i64,
    pub deleted: bool,
    pub account_id: String,
    /// The stored object of the document's current file.
    pub file_key: String,
    /// The document's page sizes as JSON `[[w, h], …]`, when measured at sending.
    pub page_sizes: Option<String>,
    /// What the invitee's mail is written in.
    pub language: Language,
    /// JSON of `domain::verification::VerificationRequest`: the checks asked of the signer's
    /// certificate.
    pub verification_request: Option<String>,
    /// JSON `certificateData` and `verificationResponse`, once a certificate was presented.
    pub certificate_data: Option<String>,
    pub verification_response: Option<String>,
    /// An AUTOMATED_SIGN slot's organisation certificate (its profileId).
    pub automated_signer: Option<String>,
}

const COLUMNS: &str = "i.id, i.document_id, i.slot, i.name, i.active, i.signed, i.approved, i.rejected, \
     i.expired, i.expires_at, d.name, d.status, d.deleted, d.versions, d.workflow, i.email, i.phone, \
     i.signature_type, i.signed_at, i.rejection_message, i.created_at, i.deleted, d.account_id, d.file_key, \
     d.page_sizes, i.language, i.verification_request, i.certificate_data, i.verification_response, \
     i.automated_signer";

/// `document_with_invitations`' statement: each invitation's columns, then the document's.
static DETAILS_SQL: LazyLock<String> = LazyLock::new(|| {
    let document_columns: Vec<String> = DOCUMENT_COLUMNS
        .split(',')
        .map(|c| format!("d.{}", c.trim()))
        .collect();
    format!(
        "SELECT {COLUMNS}, {} FROM invitations i JOIN documents d ON d.id = i.document_id \
         WHERE d.id = $1 AND d.account_id = $2 ORDER BY i.slot",
        document_columns.join(", ")
    )
});

impl InvitationRow {
    /// See [`crate::domain::invitation::is_open`].
    pub fn is_open(&self) -> bool {
        crate::domain::invitation::is_open(self.status, self.deleted)
    }
}

fn from_row(r: AnyRow) -> Result<InvitationRow, StoreError> {
    let flag = |i: usize| r.get::<i64, _>(i) != 0;
    Ok(InvitationRow {
        id: r.get(0),
        document_id: r.get(1),
        slot: r.get(2),
        name: r.get(3),
        active: flag(4),
        status: InvitationStatus::from_flags(flag(5), flag(6), flag(7), flag(8))?,
        expires_at: r.get(9),
        document_name: r.get(10),
        document_status: r.get::<String, _>(11).parse()?,
        document_deleted: flag(12),
        versions: r.get(13),
        workflow: r.get(14),
        email: r.get(15),
        phone: r.get(16),
        signature_type: r
            .get::<Option<String>, _>(17)
            .map(|t| t.parse())
            .transpose()?,
        signed_at: r.get(18),
        rejection_message: r.get(19),
        created_at: r.get(20),
        deleted: flag(21),
        account_id: r.get(22),
        file_key: r.get(23),
        page_sizes: r.get(24),
        language: Language::from_tag(&r.get::<String, _>(25)),
        verification_request: r.get(26),
        certificate_data: r.get(27),
        verification_response: r.get(28),
        automated_signer: r.get(29),
    })
}

/// What an invitee did, to be recorded with its consequences in one transaction.
pub struct Outcome {
    pub invitation_id: String,
    pub document_id: String,
    pub kind: OutcomeKind,
    /// With a new file version: the version the action was based on and where the new one is
    /// stored. The update only applies if the document is still at that version, so two
    /// signers never append to the same version.
    pub new_version: Option<(i64, String)>,
    /// The workflow the document was sent with: who is next follows from it, and the mail and
    /// webhooks the action causes are written from it.
    pub workflow: Arc<Workflow>,
    pub at: i64,
    pub events: Vec<NewEvent>,
    /// The certificate the invitee presented and how it fared, for a certificate signature
    /// (or a verification failure).
    pub certificate: Option<CertificateRecord>,
}

/// JSON of `certificateData` and `verificationResponse` as details report them, and the
/// checks that were run, which the webhook's `verification` reports.
#[derive(Debug, Clone)]
pub struct CertificateRecord {
    pub certificate_data: String,
    pub verification_response: String,
    pub checks: Vec<VerificationCheck>,
}

/// What became of an [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Done {
        completes: bool,
    },
    /// The invitation or its document is no longer open for the action.
    Closed,
    /// The new version was built on one another signature has replaced: build it again on
    /// the current one.
    Stale,
}

#[derive(Debug, Clone)]
pub enum OutcomeKind {
    Signed {
        signature_type: SignatureType,
    },
    Approved,
    Rejected {
        reason: String,
    },
    /// The signer's certificate failed the checks the request asked for: the invitation is
    /// terminated (recorded as rejected, with the failed checks as its message), as
    /// Leegality does. Nothing reaches it over HTTP until certificate-based signing exists;
    /// `webhooks::tests` proves its path.
    #[cfg_attr(not(test), allow(dead_code))]
    VerificationFailed {
        checks: Vec<VerificationCheck>,
    },
}

impl OutcomeKind {
    /// The event the outcome is, as the audit trail words it and webhooks report it.
    pub fn event(&self, slot: i64) -> EventKind<'_> {
        match self {
            OutcomeKind::Signed { signature_type } => EventKind::Signed {
                signature_type: *signature_type,
                slot,
            },
            OutcomeKind::Approved => EventKind::Approved,
            OutcomeKind::Rejected { reason } => EventKind::Rejected { reason },
            OutcomeKind::VerificationFailed { checks } => EventKind::VerificationFailed { checks },
        }
    }

    fn acted(&self) -> Acted {
        match self {
            OutcomeKind::Signed { .. } => Acted::Signed,
            OutcomeKind::Approved => Acted::Approved,
            OutcomeKind::Rejected { .. } | OutcomeKind::VerificationFailed { .. } => {
                Acted::Rejected
            }
        }
    }
}

impl Store {
    pub async fn invitation(&self, id: &str) -> Result<Option<InvitationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM invitations i JOIN documents d ON d.id = i.document_id WHERE i.id = $1"
        );
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id))
            .await?;
        row.map(from_row).transpose()
    }

    /// An account's document with its invitations (in slot order), in one query: what the
    /// details endpoints read on every call.
    pub async fn document_with_invitations(
        &self,
        account_id: &str,
        document_id: &str,
    ) -> Result<Option<(DocumentRow, Vec<InvitationRow>)>, StoreError> {
        let rows = self
            .readers()
            .fetch_all(|| {
                sqlx::query(sqlx::AssertSqlSafe(DETAILS_SQL.as_str()))
                    .bind(document_id)
                    .bind(account_id)
            })
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        // The document's columns follow the invitation's.
        let document = document_at(first, COLUMNS.split(',').count())?;
        let invitations = rows.into_iter().map(from_row).collect::<Result<_, _>>()?;
        Ok(Some((document, invitations)))
    }

    /// Open, active invitations of AUTOMATED_SIGN slots: the server's signatures due now.
    pub async fn due_automated(&self, limit: i64) -> Result<Vec<InvitationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM invitations i JOIN documents d ON d.id = i.document_id \
             WHERE i.automated_signer IS NOT NULL AND i.active = 1 AND i.signed = 0 \
             AND i.approved = 0 AND i.rejected = 0 AND i.expired = 0 AND i.deleted = 0 \
             AND d.status = 'SENT' AND d.deleted = 0 ORDER BY i.created_at LIMIT {limit}"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())))
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    pub async fn invitations_of(
        &self,
        document_id: &str,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM invitations i JOIN documents d ON d.id = i.document_id \
             WHERE i.document_id = $1 ORDER BY i.slot"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(document_id))
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Records an invitee's action with its consequences. Changes nothing when the
    /// invitation is no longer open for it ([`Recorded::Closed`]) or when the new file
    /// version was made from a version another signature has replaced ([`Recorded::Stale`]).
    pub async fn record_outcome(&self, o: &Outcome) -> Result<Recorded, StoreError> {
        let mut tx = self.writer().begin().await?;
        // The document's row lock first: actions on one document are serialized from here to
        // the commit, and one that was deleted, completed or expired meanwhile takes none.
        if !lock_document(&mut tx, &o.document_id, true).await? {
            return Ok(Recorded::Closed);
        }
        let (column, extra) = match &o.kind {
            OutcomeKind::Signed { signature_type } => {
                ("signed", Some(signature_type.as_str().to_string()))
            }
            OutcomeKind::Approved => ("approved", None),
            OutcomeKind::Rejected { reason } => ("rejected", Some(reason.clone())),
            OutcomeKind::VerificationFailed { checks } => (
                "rejected",
                Some(format!(
                    "Certificate verification failed: {}",
                    checks
                        .iter()
                        .filter(|c| !c.passed)
                        .map(|c| c.check.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
        };
        let extra_column = match o.kind {
            OutcomeKind::Signed { .. } => "signature_type",
            _ => "rejection_message",
        };
        let sql = format!(
            "UPDATE invitations SET {column} = 1, active = 0, signed_at = $1, {extra_column} = $2, \
             certificate_data = $4, verification_response = $5 \
             WHERE id = $3 AND active = 1 AND {OPEN}"
        );
        let certificate = o.certificate.as_ref();
        let changed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(o.at)
            .bind(extra)
            .bind(&o.invitation_id)
            .bind(certificate.map(|c| c.certificate_data.as_str()))
            .bind(certificate.map(|c| c.verification_response.as_str()))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Ok(Recorded::Closed);
        }
        if let Some((v, key)) = &o.new_version {
            let bumped = sqlx::query(
                "UPDATE documents SET versions = $1, file_key = $2 WHERE id = $3 AND versions = $4 AND status = $5",
            )
            .bind(v + 1)
            .bind(key)
            .bind(&o.document_id)
            .bind(*v)
            .bind(DocumentStatus::Sent.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // The document is locked and SENT, so only the version can have moved on.
            if bumped != 1 {
                return Ok(Recorded::Stale);
            }
        }
        // Decided here, under the document's lock, from the invitations as every action
        // committed before this one left them: invitees acting at the same moment each see the
        // other's action, so the last of them completes the document, once.
        let (acting, invitations) = slot_views(&mut tx, &o.document_id, &o.invitation_id).await?;
        let document = DocumentView {
            // Locked as `SENT` above.
            status: DocumentStatus::Sent,
            signing_order: o.workflow.require_signing_order,
            invitations: &invitations,
        };
        let consequence = after_action(&document, acting, o.kind.acted());
        let next_active: Vec<i64> = consequence.next_active.iter().map(|&s| s as i64).collect();
        for slot in &next_active {
            sqlx::query(concat!(
                "UPDATE invitations SET active = 1 WHERE document_id = $1 AND slot = $2 AND ",
                open_invitation_sql!("")
            ))
            .bind(&o.document_id)
            .bind(*slot)
            .execute(&mut *tx)
            .await?;
        }
        let completes = consequence.completes;
        let mut events: Vec<&NewEvent> = o.events.iter().collect();
        let completion;
        if completes {
            mark_completed(&mut tx, &o.document_id, o.at).await?;
            completion = NewEvent::by_signet(o.at, &EventKind::Completed);
            events.push(&completion);
        }
        append_events(&mut tx, &o.document_id, events).await?;
        // Whose turn it is now hears of it; nobody does once the document is complete.
        let mailed = self
            .enqueue_invitation_mail(
                &mut tx,
                &o.document_id,
                Recipients::Slots(&next_active),
                MailKind::Invitation,
                o.at,
                Some(&o.workflow),
            )
            .await?;
        let event = o.kind.event(acting as i64);
        let checks = match (&event, &o.certificate) {
            (EventKind::VerificationFailed { checks }, _) => checks,
            (_, Some(record)) => &record.checks[..],
            _ => &[][..],
        };
        let fresh = match event.webhook() {
            Some(webhook) => {
                self.enqueue_webhooks(
                    &mut tx,
                    Reported {
                        event: webhook,
                        document_id: &o.document_id,
                        invitation_ids: &[&o.invitation_id],
                        completes_document: completes,
                        checks,
                        now: o.at,
                        workflow: Some(&o.workflow),
                    },
                )
                .await?
            }
            None => vec![],
        };
        tx.commit().await?;
        self.hand_over(fresh);
        self.wake_mailer(mailed);
        Ok(Recorded::Done { completes })
    }
}

/// The slot of `invitation_id` and every invitation of the document as
/// [`after_action`] reads them, inside the caller's transaction.
async fn slot_views(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    document_id: &str,
    invitation_id: &str,
) -> Result<(usize, Vec<SlotView>), StoreError> {
    let rows = sqlx::query(
        "SELECT id, slot, signed, approved, rejected, expired, deleted FROM invitations \
         WHERE document_id = $1 ORDER BY slot",
    )
    .bind(document_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut acting = None;
    let mut views = Vec::with_capacity(rows.len());
    for r in rows {
        let flag = |i: usize| r.get::<i64, _>(i) != 0;
        let slot = usize::try_from(r.get::<i64, _>(1)).unwrap_or(usize::MAX);
        if r.get::<String, _>(0) == invitation_id {
            acting = Some(slot);
        }
        views.push(SlotView {
            slot,
            status: InvitationStatus::from_flags(flag(2), flag(3), flag(4), flag(5))?,
            deleted: flag(6),
        });
    }
    // The caller has just updated the acting invitation in this transaction.
    let acting = acting.ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
    Ok((acting, views))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{Db, document, invitation};

    fn refused<T>(r: Result<T, StoreError>, what: &str) {
        match r {
            Err(StoreError::Stored(e)) => assert_eq!(e.what, what),
            Err(e) => panic!("another error: {e}"),
            Ok(_) => panic!("read as if it were known"),
        }
    }

    /// A row holding what no state of the domain is (a status another program wrote, two
    /// outcomes at once) fails the read with a store error, which the API answers as an
    /// internal error: it is never guessed at, and never a panic.
    async fn stored_values_no_state_names_are_refused(postgres: bool) {
        let db = Db::new(postgres);
        let store = db.store_with_mail().await;
        store
            .insert_sent_document(&document("A"), &[invitation("I1", None)], &[])
            .await
            .unwrap();
        let read = store.invitation("I1").await.unwrap().unwrap();
        assert_eq!(read.status, InvitationStatus::Pending);
        assert_eq!(read.document_status, DocumentStatus::Sent);

        sqlx::query("UPDATE invitations SET signed = 1, rejected = 1 WHERE id = 'I1'")
            .execute(store.writer())
            .await
            .unwrap();
        refused(store.invitation("I1").await, "invitation flags");
        refused(store.invitations_of("A").await, "invitation flags");
        refused(
            store.document_with_invitations("ACCOUNT1", "A").await,
            "invitation flags",
        );
        sqlx::query("UPDATE invitations SET signed = 0 WHERE id = 'I1'")
            .execute(store.writer())
            .await
            .unwrap();
        assert_eq!(
            store.invitation("I1").await.unwrap().unwrap().status,
            InvitationStatus::Rejected
        );
        sqlx::query("UPDATE invitations SET signature_type = 'QUILL' WHERE id = 'I1'")
            .execute(store.writer())
            .await
            .unwrap();
        refused(store.invitation("I1").await, "signature type");
        sqlx::query("UPDATE invitations SET signature_type = 'VIRTUAL_SIGN' WHERE id = 'I1'")
            .execute(store.writer())
            .await
            .unwrap();
        assert_eq!(
            store
                .invitation("I1")
                .await
                .unwrap()
                .unwrap()
                .signature_type,
            Some(SignatureType::VirtualSign)
        );

        // The schema's own check is what keeps other statuses out; step past it.
        let past_the_check = if postgres {
            "ALTER TABLE documents DROP CONSTRAINT documents_status_check"
        } else {
            "PRAGMA ignore_check_constraints = ON"
        };
        sqlx::query(past_the_check)
            .execute(store.writer())
            .await
            .unwrap();
        sqlx::query("UPDATE documents SET status = 'ARCHIVED' WHERE id = 'A'")
            .execute(store.writer())
            .await
            .unwrap();
        refused(store.invitation("I1").await, "document status");
        refused(store.document_by_id("A").await, "document status");
        refused(store.document("ACCOUNT1", "A").await, "document status");
        refused(
            store.list_documents("ACCOUNT1", None, None, 10, 0).await,
            "document status",
        );
        let e = store.document_by_id("A").await.unwrap_err().to_string();
        assert!(e.contains("\"ARCHIVED\""), "{e}");
    }

    /// An invitation in every state (each status, deleted or not, with its turn or not): the
    /// SQL of an open invitation, bare and qualified, selects the rows the Rust rule calls
    /// open, and those are the pending ones not deleted.
    async fn the_sql_and_the_rule_pick_the_same_invitations(postgres: bool) {
        let db = Db::new(postgres);
        let store = db.store_with_mail().await;
        let mut states = vec![];
        for status in InvitationStatus::ALL {
            for deleted in [false, true] {
                for active in [false, true] {
                    states.push((status, deleted, active));
                }
            }
        }
        let invitations: Vec<_> = (0..states.len())
            .map(|n| {
                let mut i = invitation(&format!("I{n:02}"), None);
                i.slot = n as i64;
                i
            })
            .collect();
        store
            .insert_sent_document(&document("A"), &invitations, &[])
            .await
            .unwrap();
        for (n, (status, deleted, active)) in states.iter().enumerate() {
            let flag = |s: InvitationStatus| i64::from(*status == s);
            sqlx::query(
                "UPDATE invitations SET signed = $1, approved = $2, rejected = $3, expired = $4, \
                 deleted = $5, active = $6 WHERE id = $7",
            )
            .bind(flag(InvitationStatus::Signed))
            .bind(flag(InvitationStatus::Approved))
            .bind(flag(InvitationStatus::Rejected))
            .bind(flag(InvitationStatus::Expired))
            .bind(i64::from(*deleted))
            .bind(i64::from(*active))
            .bind(format!("I{n:02}"))
            .execute(store.writer())
            .await
            .unwrap();
        }
        let ids = |sql: &str| {
            let sql = sql.to_string();
            let store = &store;
            async move {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(store.writer())
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>(0))
                    .collect::<Vec<String>>()
            }
        };
        let bare = ids(&format!(
            "SELECT id FROM invitations WHERE {OPEN} ORDER BY id"
        ))
        .await;
        let qualified = ids(concat!(
            "SELECT i.id FROM invitations i JOIN documents d ON d.id = i.document_id WHERE ",
            open_invitation_sql!("i."),
            " ORDER BY i.id"
        ))
        .await;
        let rows = store.invitations_of("A").await.unwrap();
        assert_eq!(rows.len(), states.len());
        let by_rule: Vec<String> = rows
            .iter()
            .filter(|r| r.is_open())
            .map(|r| r.id.clone())
            .collect();
        assert_eq!(bare, by_rule);
        assert_eq!(qualified, by_rule);
        assert_eq!(
            by_rule,
            ["I00", "I01"],
            "pending, not deleted, with or without a turn"
        );
    }

    #[tokio::test]
    async fn open_invitations_agree_on_sqlite() {
        the_sql_and_the_rule_pick_the_same_invitations(false).await;
    }

    #[tokio::test]
    async fn open_invitations_agree_on_postgres() {
        the_sql_and_the_rule_pick_the_same_invitations(true).await;
    }

    #[tokio::test]
    async fn unknown_stored_values_on_sqlite() {
        stored_values_no_state_names_are_refused(false).await;
    }

    #[tokio::test]
    async fn unknown_stored_values_on_postgres() {
        stored_values_no_state_names_are_refused(true).await;
    }
}
