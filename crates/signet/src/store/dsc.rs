//! DSC signatures between their two steps (API.md 10.3).

use sqlx::Row;

use super::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct DscPrepared {
    pub id: String,
    pub invitation_id: String,
    pub document_id: String,
    /// The document version the revision was prepared on.
    pub version: i64,
    /// Base64 of `signet_pdf::sign::PreparedSignature::to_stored`.
    pub prepared: String,
    /// JSON of what `prepare` judged of the certificate (service/dsc.rs), for `complete`.
    pub judgement: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Store {
    /// Stores one, and forgets those expired before `created_at`.
    pub async fn insert_dsc_prepared(&self, p: &DscPrepared) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM dsc_prepared WHERE expires_at < $1")
            .bind(p.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO dsc_prepared (id, invitation_id, document_id, version, prepared, \
             judgement, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&p.id)
        .bind(&p.invitation_id)
        .bind(&p.document_id)
        .bind(p.version)
        .bind(&p.prepared)
        .bind(&p.judgement)
        .bind(p.created_at)
        .bind(p.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitation's prepared signature `id`, expired or not.
    pub async fn dsc_prepared(
        &self,
        id: &str,
        invitation_id: &str,
    ) -> Result<Option<DscPrepared>, StoreError> {
        let row = self
            .readers()
            .fetch_optional(|| {
                sqlx::query(
                    "SELECT id, invitation_id, document_id, version, prepared, judgement, \
                     created_at, expires_at FROM dsc_prepared \
                     WHERE id = $1 AND invitation_id = $2",
                )
                .bind(id)
                .bind(invitation_id)
            })
            .await?;
        Ok(row.map(|r| DscPrepared {
            id: r.get(0),
            invitation_id: r.get(1),
            document_id: r.get(2),
            version: r.get(3),
            prepared: r.get(4),
            judgement: r.get(5),
            created_at: r.get(6),
            expires_at: r.get(7),
        }))
    }

    pub async fn delete_dsc_prepared(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM dsc_prepared WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
