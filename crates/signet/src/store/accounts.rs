use sqlx::Row;

use super::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// Hex SHA-256 of the auth token.
    pub token_hash: String,
    pub private_salt: String,
    pub created_at: i64,
}

impl Store {
    pub async fn insert_account(&self, a: &Account) -> Result<(), StoreError> {
        insert_account(self.writer(), a).await
    }

    pub async fn account_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<Account>, StoreError> {
        const SQL: &str = "SELECT id, name, token_hash, private_salt, created_at FROM accounts \
                           WHERE token_hash = $1";
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(SQL).bind(token_hash))
            .await?;
        Ok(row.map(|r| Account {
            id: r.get(0),
            name: r.get(1),
            token_hash: r.get(2),
            private_salt: r.get(3),
            created_at: r.get(4),
        }))
    }
}

impl Store {
    /// Replaces the account's API token (by its hash): the old one stops authenticating.
    pub async fn replace_token_hash(
        &self,
        account_id: &str,
        token_hash: &str,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE accounts SET token_hash = $1 WHERE id = $2")
            .bind(token_hash)
            .bind(account_id)
            .execute(self.writer())
            .await?;
        Ok(r.rows_affected() == 1)
    }
}

/// Inserts an account on a pool or in a transaction (with its first admin, `store/users.rs`).
pub(super) async fn insert_account<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    a: &Account,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO accounts (id, name, token_hash, private_salt, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&a.id)
    .bind(&a.name)
    .bind(&a.token_hash)
    .bind(&a.private_salt)
    .bind(a.created_at)
    .execute(on)
    .await?;
    Ok(())
}
