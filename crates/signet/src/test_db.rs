//! Throwaway databases for the tests that drive the store directly, on both backends, and the
//! rows they start from.

use crate::domain::signature_type::SignatureType;
use crate::domain::workflow::{InviteeType, SlotInput, Workflow, WorkflowInput};
use std::process::Command;
use std::sync::Arc;

use crate::store::{
    Account, MailFacts, MailRenderer, NewDocument, NewInvitation, RenderedMail, Store,
};

/// A throwaway database: a SQLite file, or a PostgreSQL database dropped at the end.
pub struct Db {
    pub url: String,
    pg_name: Option<String>,
}

/// The PostgreSQL server the tests use (scripts/test sets it), without a database.
fn postgres_admin() -> String {
    std::env::var("SIGNET_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn psql(sql: &str) {
    let out = Command::new("psql")
        .arg(format!("{}/postgres", postgres_admin()))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Db {
    pub fn new(postgres: bool) -> Db {
        let tag = format!("{}_{}", std::process::id(), ulid::Ulid::generate()).to_lowercase();
        if postgres {
            let name = format!("signet_unit_{tag}");
            psql(&format!("CREATE DATABASE {name}"));
            Db {
                url: format!("{}/{name}", postgres_admin()),
                pg_name: Some(name),
            }
        } else {
            let path = std::env::temp_dir().join(format!("signet-unit-{tag}.db"));
            Db {
                url: format!("sqlite://{}", path.display()),
                pg_name: None,
            }
        }
    }

    /// The store on this database, empty, writing no mail.
    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.unwrap()
    }

    /// The store on this database, writing mail with [`PlainMail`], with [`account`] in it.
    pub async fn store_with_mail(&self) -> Store {
        let store = Store::connect(&self.url)
            .await
            .unwrap()
            .with_mail(Arc::new(PlainMail));
        store.insert_account(&account()).await.unwrap();
        store
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        match &self.pg_name {
            Some(name) => psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
        }
    }
}

/// `ACCOUNT1`, the account the fixtures' documents belong to.
pub fn account() -> Account {
    Account {
        id: "ACCOUNT1".into(),
        name: "Acme".into(),
        token_hash: "0".repeat(64),
        private_salt: "s".into(),
        created_at: 1,
    }
}

/// Mails every invitee with an address (the store's tests need rows, not wording).
pub struct PlainMail;

impl MailRenderer for PlainMail {
    fn render(&self, facts: &MailFacts) -> Option<RenderedMail> {
        Some(RenderedMail {
            to: facts.email.clone()?,
            subject: format!("Please sign {}", facts.document_name),
            body: String::new(),
            html: String::new(),
        })
    }
}

/// One signer who signs virtually, mailed when their turn comes.
pub fn one_signer_workflow() -> Workflow {
    Workflow::parse(WorkflowInput {
        name: "Loan".into(),
        kind: "PDF".into(),
        require_signing_order: false,
        expiry_days: 10,
        message: None,
        delete_on_complete: false,
        invitees: vec![SlotInput {
            label: "Borrower".into(),
            invitee_type: InviteeType::Signer,
            signature_types: vec![SignatureType::VirtualSign.into()],
            appearances: vec![],
            email_notification: true,
            phone_notification: false,
            enforce_authentication: false,
            enable_reject_document: true,
            webhook: None,
            webhook_headers: Default::default(),
            redirect_url: None,
            verification: None,
            doc_signer: None,
            esp: None,
        }],
    })
    .expect("a valid workflow")
}

/// A document of `ACCOUNT1`, sent at 1,000 ms.
pub fn document(id: &str) -> NewDocument {
    NewDocument {
        id: id.into(),
        account_id: "ACCOUNT1".into(),
        profile_id: "P".into(),
        name: "Loan".into(),
        irn: Some("ORDER-1".into()),
        workflow: Arc::new(one_signer_workflow()),
        original_sha256: "0".repeat(64),
        file_key: format!("documents/{id}/v1.pdf"),
        page_sizes: "[[595,842]]".into(),
        created_at: 1_000,
        expires_at: 2_000,
        delete_after_ms: None,
        sender_name: None,
        nesl_data: None,
    }
}

/// An active signer in slot 0.
pub fn invitation(id: &str, email: Option<&str>) -> NewInvitation {
    NewInvitation {
        id: id.into(),
        slot: 0,
        name: "Asha".into(),
        email: email.map(Into::into),
        phone: None,
        invitee_type: "Signer".into(),
        active: true,
        verification_request: None,
        automated_signer: None,
    }
}
