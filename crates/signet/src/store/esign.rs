//! Aadhaar eSign transactions between the hand-off to the ESP and its answer (API.md 11).

use sqlx::Row;

use super::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct EsignTransaction {
    pub txn: String,
    pub invitation_id: String,
    pub document_id: String,
    /// The document version the revision was prepared on.
    pub version: i64,
    pub esp: String,
    /// Base64 of `signet_pdf::external::PreparedContainer::to_stored`.
    pub prepared: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the one answer it takes came.
    pub answered_at: Option<i64>,
    /// `signed`, or an error code.
    pub outcome: Option<String>,
    pub outcome_message: Option<String>,
}

/// Answered or abandoned transactions are kept this long for the signing page to report.
const KEEP_MS: i64 = 7 * 24 * 60 * 60 * 1000;

const COLUMNS: &str = "txn, invitation_id, document_id, version, esp, prepared, created_at, \
                       expires_at, answered_at, outcome, outcome_message";

fn from_row(r: sqlx::any::AnyRow) -> EsignTransaction {
    EsignTransaction {
        txn: r.get(0),
        invitation_id: r.get(1),
        document_id: r.get(2),
        version: r.get(3),
        esp: r.get(4),
        prepared: r.get(5),
        created_at: r.get(6),
        expires_at: r.get(7),
        answered_at: r.get(8),
        outcome: r.get(9),
        outcome_message: r.get(10),
    }
}

impl Store {
    /// Stores one, and forgets those long past.
    pub async fn insert_esign_transaction(&self, t: &EsignTransaction) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM esign_transactions WHERE expires_at < $1")
            .bind(t.created_at - KEEP_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO esign_transactions (txn, invitation_id, document_id, version, esp, \
             prepared, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&t.txn)
        .bind(&t.invitation_id)
        .bind(&t.document_id)
        .bind(t.version)
        .bind(&t.esp)
        .bind(&t.prepared)
        .bind(t.created_at)
        .bind(t.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn esign_transaction(
        &self,
        txn: &str,
    ) -> Result<Option<EsignTransaction>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM esign_transactions WHERE txn = $1");
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(txn))
            .await?;
        Ok(row.map(from_row))
    }

    /// The invitation's latest transaction, for the signing page to say how it ended.
    pub async fn latest_esign_transaction(
        &self,
        invitation_id: &str,
    ) -> Result<Option<EsignTransaction>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM esign_transactions WHERE invitation_id = $1 \
             ORDER BY created_at DESC LIMIT 1"
        );
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(invitation_id))
            .await?;
        Ok(row.map(from_row))
    }

    /// Takes the one answer a transaction gets: false when it was answered already, so that
    /// a replayed answer changes nothing.
    pub async fn claim_esign_transaction(&self, txn: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE esign_transactions SET answered_at = $2 WHERE txn = $1 AND answered_at IS NULL",
        )
        .bind(txn)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// What became of a claimed transaction.
    pub async fn set_esign_outcome(
        &self,
        txn: &str,
        outcome: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE esign_transactions SET outcome = $2, outcome_message = $3 WHERE txn = $1",
        )
        .bind(txn)
        .bind(outcome)
        .bind(message)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
