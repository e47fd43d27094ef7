//! Organisation certificates (API.md 10.1) and the account's settings for certificate
//! checks (10.2).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

/// How a key is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// The private key from an uploaded PKCS#12, sealed in the row.
    Pkcs12,
    /// A key in a PKCS#11 module; its location and PIN are sealed in the row.
    Pkcs11,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Pkcs12 => "pkcs12",
            KeyKind::Pkcs11 => "pkcs11",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DocSignerRow {
    pub profile_id: String,
    pub account_id: String,
    pub name: String,
    pub kind: KeyKind,
    /// `secrets::SecretsKey::seal` of the key material, bound to `profile_id`.
    pub sealed: String,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub subject: String,
    pub issuer: String,
    pub not_after: i64,
    pub created_at: i64,
    pub archived_at: Option<i64>,
}

const COLUMNS: &str = "profile_id, account_id, name, kind, sealed, chain, subject, issuer, \
                       not_after, created_at, archived_at";

fn from_row(r: AnyRow) -> Result<DocSignerRow, StoreError> {
    use base64::Engine;
    let kind = match r.get::<String, _>(3).as_str() {
        "pkcs12" => KeyKind::Pkcs12,
        "pkcs11" => KeyKind::Pkcs11,
        other => return Err(StoreError::Corrupt(format!("doc signer kind {other:?}"))),
    };
    let chain = r
        .get::<String, _>(5)
        .split(',')
        .map(|c| base64::engine::general_purpose::STANDARD.decode(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(format!("doc signer chain: {e}")))?;
    Ok(DocSignerRow {
        profile_id: r.get(0),
        account_id: r.get(1),
        name: r.get(2),
        kind,
        sealed: r.get(4),
        chain,
        subject: r.get(6),
        issuer: r.get(7),
        not_after: r.get(8),
        created_at: r.get(9),
        archived_at: r.get(10),
    })
}

/// What a failed certificate check does to the signature (API.md 10.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationFailure {
    /// The invitation is terminated without a signature (event 5).
    Reject,
    /// The signature is kept and the results reported.
    Report,
}

impl VerificationFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationFailure::Reject => "reject",
            VerificationFailure::Report => "report",
        }
    }

    pub fn parse(s: &str) -> Option<VerificationFailure> {
        match s {
            "reject" => Some(VerificationFailure::Reject),
            "report" => Some(VerificationFailure::Report),
            _ => None,
        }
    }
}

/// The account's settings for certificate checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationSettings {
    pub failure: VerificationFailure,
    /// The smart-name percentage at which the check passes.
    pub smart_name_threshold: u8,
}

impl Store {
    pub async fn insert_doc_signer(&self, d: &DocSignerRow) -> Result<(), StoreError> {
        use base64::Engine;
        let chain = d
            .chain
            .iter()
            .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(
            "INSERT INTO doc_signers (profile_id, account_id, name, kind, sealed, chain, subject, \
             issuer, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&d.profile_id)
        .bind(&d.account_id)
        .bind(&d.name)
        .bind(d.kind.as_str())
        .bind(&d.sealed)
        .bind(chain)
        .bind(&d.subject)
        .bind(&d.issuer)
        .bind(d.not_after)
        .bind(d.created_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// One of the account's organisation certificates, archived or not.
    pub async fn doc_signer(
        &self,
        account_id: &str,
        profile_id: &str,
    ) -> Result<Option<DocSignerRow>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM doc_signers WHERE account_id = $1 AND profile_id = $2");
        let row = self
            .readers()
            .fetch_optional(|| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(account_id)
                    .bind(profile_id)
            })
            .await?;
        row.map(from_row).transpose()
    }

    /// The account's organisation certificates in use, oldest first.
    pub async fn doc_signers(&self, account_id: &str) -> Result<Vec<DocSignerRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM doc_signers WHERE account_id = $1 AND archived_at IS NULL \
             ORDER BY created_at, profile_id"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(account_id))
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Archives one; returns whether it was in use.
    pub async fn archive_doc_signer(
        &self,
        account_id: &str,
        profile_id: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE doc_signers SET archived_at = $1 \
             WHERE account_id = $2 AND profile_id = $3 AND archived_at IS NULL",
        )
        .bind(at)
        .bind(account_id)
        .bind(profile_id)
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    pub async fn verification_settings(
        &self,
        account_id: &str,
    ) -> Result<VerificationSettings, StoreError> {
        let row = self
            .readers()
            .fetch_optional(|| {
                sqlx::query(
                    "SELECT verification_failure, smart_name_threshold FROM accounts WHERE id = $1",
                )
                .bind(account_id)
            })
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no account {account_id}")))?;
        let failure = VerificationFailure::parse(&row.get::<String, _>(0)).ok_or_else(|| {
            StoreError::Corrupt(format!("account {account_id}: verification_failure"))
        })?;
        let threshold = u8::try_from(row.get::<i64, _>(1))
            .ok()
            .filter(|t| *t <= 100)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("account {account_id}: smart_name_threshold"))
            })?;
        Ok(VerificationSettings {
            failure,
            smart_name_threshold: threshold,
        })
    }

    pub async fn set_verification_settings(
        &self,
        account_id: &str,
        settings: VerificationSettings,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET verification_failure = $1, smart_name_threshold = $2 WHERE id = $3",
        )
        .bind(settings.failure.as_str())
        .bind(i64::from(settings.smart_name_threshold))
        .bind(account_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
