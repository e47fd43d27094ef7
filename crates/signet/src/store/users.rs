//! Users of the dashboard, the wrong passwords that lock an address, and one-time links (the
//! first-run setup link, an invited user's set-password link). Tokens are stored as their
//! SHA-256 only; the service hashes what a link carries and looks it up here.

use sqlx::{Any, Row, Transaction};

use super::accounts::{Account, insert_account};
use super::{RenderedMail, Store, StoreError};
use crate::domain::users::{Role, TokenPurpose};

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// `None` until an invited user sets a password.
    pub password_hash: Option<String>,
    pub created_at: i64,
}

/// A one-time link's row, found by its token's hash.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// The invited user (none for the setup link).
    pub user_id: Option<String>,
}

/// What inserting a user came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    Done,
    /// A user who is not removed already has this address (in any account).
    EmailTaken,
}

/// How a change to another user went.
#[derive(Debug, PartialEq, Eq)]
pub enum UserChange {
    Done,
    /// No such user in this account.
    NotFound,
    /// It would leave the account without an admin.
    LastAdmin,
}

pub(super) const USER_COLUMNS: &str =
    "u.id, u.account_id, u.email, u.name, u.role, u.password_hash, u.created_at";

pub(super) fn user_from(r: &sqlx::any::AnyRow, at: usize) -> Result<UserRow, StoreError> {
    let role: String = r.get(at + 4);
    Ok(UserRow {
        id: r.get(at),
        account_id: r.get(at + 1),
        email: r.get(at + 2),
        name: r.get(at + 3),
        role: Role::parse(&role)
            .ok_or_else(|| crate::domain::status::UnknownValue::new("user role", &role))?,
        password_hash: r.get(at + 5),
        created_at: r.get(at + 6),
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    u: &UserRow,
    email_key: &str,
) -> Result<Inserted, StoreError> {
    // Checked first so that the answer does not hang on how each driver reports a unique
    // violation; the index still decides between two inserts at once.
    let taken = sqlx::query("SELECT 1 FROM users WHERE email_key = $1 AND removed_at IS NULL")
        .bind(email_key)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Ok(Inserted::EmailTaken);
    }
    let done = sqlx::query(
        "INSERT INTO users (id, account_id, email, email_key, name, role, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&u.id)
    .bind(&u.account_id)
    .bind(&u.email)
    .bind(email_key)
    .bind(&u.name)
    .bind(u.role.as_str())
    .bind(&u.password_hash)
    .bind(u.created_at)
    .execute(&mut **tx)
    .await;
    match done {
        Ok(_) => Ok(Inserted::Done),
        Err(e) if is_unique_violation(&e) => Ok(Inserted::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

async fn insert_token(
    tx: &mut Transaction<'_, Any>,
    hash: &str,
    purpose: TokenPurpose,
    user_id: Option<&str>,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO user_tokens (id, purpose, user_id, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(purpose.as_str())
    .bind(user_id)
    .bind(expires_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Spends a one-time token in the caller's transaction: `None` when it is unknown, spent,
/// expired or for another purpose.
async fn take_token(
    tx: &mut Transaction<'_, Any>,
    hash: &str,
    purpose: TokenPurpose,
    now: i64,
) -> Result<Option<TokenRow>, StoreError> {
    let row = sqlx::query(
        "UPDATE user_tokens SET used_at = $1 WHERE id = $2 AND purpose = $3 AND used_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $1) RETURNING user_id",
    )
    .bind(now)
    .bind(hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| TokenRow { user_id: r.get(0) }))
}

impl Store {
    /// Whether any account exists: the first-run setup link is offered only before.
    pub async fn any_account(&self) -> Result<bool, StoreError> {
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query("SELECT 1 FROM accounts LIMIT 1"))
            .await?;
        Ok(row.is_some())
    }

    /// An account and its first admin, in one transaction (the CLI's `account create
    /// --admin-email`). With `setup`, the first-run token is spent in it too, and nothing is
    /// written unless it was still good and no account exists yet.
    pub async fn create_account_with_admin(
        &self,
        account: &Account,
        admin: &UserRow,
        setup: Option<(&str, i64)>,
    ) -> Result<Result<(), AdminRefused>, StoreError> {
        let mut tx = self.writer().begin().await?;
        if let Some((hash, now)) = setup {
            if take_token(&mut tx, hash, TokenPurpose::Setup, now)
                .await?
                .is_none()
            {
                return Ok(Err(AdminRefused::TokenSpent));
            }
            let exists = sqlx::query("SELECT 1 FROM accounts LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                return Ok(Err(AdminRefused::TokenSpent));
            }
        }
        insert_account(&mut *tx, account).await?;
        let key = crate::domain::users::email_key(&admin.email);
        if insert_user(&mut tx, admin, &key).await? == Inserted::EmailTaken {
            return Ok(Err(AdminRefused::EmailTaken));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn insert_user(&self, user: &UserRow) -> Result<Inserted, StoreError> {
        let mut tx = self.writer().begin().await?;
        let key = crate::domain::users::email_key(&user.email);
        let done = insert_user(&mut tx, user, &key).await?;
        if done == Inserted::Done {
            tx.commit().await?;
        }
        Ok(done)
    }

    /// The user (not removed) who signs in with this address.
    pub async fn user_by_email(&self, email_key: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.email_key = $1 AND u.removed_at IS NULL"
        );
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(email_key))
            .await?;
        row.map(|r| user_from(&r, 0)).transpose()
    }

    /// The account's users (not removed), oldest first.
    pub async fn users_of_account(&self, account_id: &str) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 AND u.removed_at IS NULL \
             ORDER BY u.created_at, u.id"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(account_id))
            .await?;
        rows.iter().map(|r| user_from(r, 0)).collect()
    }

    /// The account's first row, read once at start: whether a setup link is due.
    pub async fn account_by_id(&self, id: &str) -> Result<Option<Account>, StoreError> {
        const SQL: &str =
            "SELECT id, name, token_hash, private_salt, created_at FROM accounts WHERE id = $1";
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(SQL).bind(id))
            .await?;
        Ok(row.map(|r| Account {
            id: r.get(0),
            name: r.get(1),
            token_hash: r.get(2),
            private_salt: r.get(3),
            created_at: r.get(4),
        }))
    }

    /// Changes a user's role; an account keeps at least one admin.
    pub async fn set_role(
        &self,
        account_id: &str,
        user_id: &str,
        role: Role,
    ) -> Result<UserChange, StoreError> {
        self.change_user(
            account_id,
            user_id,
            role != Role::Admin,
            "UPDATE users SET role = $1 WHERE id = $2",
            Some(role.as_str()),
        )
        .await
    }

    /// Removes a user: their sessions end and their address is free again. An account keeps
    /// at least one admin.
    pub async fn remove_user(
        &self,
        account_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<UserChange, StoreError> {
        let mut tx = self.writer().begin().await?;
        let change = self
            .check_change(&mut tx, account_id, user_id, true)
            .await?;
        if change != UserChange::Done {
            return Ok(change);
        }
        sqlx::query("UPDATE users SET removed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(UserChange::Done)
    }

    async fn change_user(
        &self,
        account_id: &str,
        user_id: &str,
        loses_admin: bool,
        sql: &'static str,
        value: Option<&str>,
    ) -> Result<UserChange, StoreError> {
        let mut tx = self.writer().begin().await?;
        let change = self
            .check_change(&mut tx, account_id, user_id, loses_admin)
            .await?;
        if change != UserChange::Done {
            return Ok(change);
        }
        sqlx::query(sql)
            .bind(value)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(UserChange::Done)
    }

    /// Locks the account's admins (PostgreSQL: `FOR UPDATE`; SQLite has one writer) and says
    /// whether the user is the account's and may lose the admin role.
    async fn check_change(
        &self,
        tx: &mut Transaction<'_, Any>,
        account_id: &str,
        user_id: &str,
        loses_admin: bool,
    ) -> Result<UserChange, StoreError> {
        let lock = if self.backend == super::Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, role FROM users WHERE account_id = $1 AND removed_at IS NULL \
             AND (role = 'admin' OR id = $2){lock}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(user_id)
            .fetch_all(&mut **tx)
            .await?;
        let Some(target) = rows.iter().find(|r| r.get::<String, _>(0) == user_id) else {
            return Ok(UserChange::NotFound);
        };
        let is_admin = target.get::<String, _>(1) == "admin";
        let admins = rows
            .iter()
            .filter(|r| r.get::<String, _>(1) == "admin")
            .count();
        if loses_admin && is_admin && admins <= 1 {
            return Ok(UserChange::LastAdmin);
        }
        Ok(UserChange::Done)
    }

    /// Records a wrong password for `email_key` and forgets those (of every address) too old
    /// to matter, so that guesses spread over many addresses do not pile up.
    pub async fn record_login_failure(
        &self,
        email_key: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(forget_before)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO login_failures (email_key, at) VALUES ($1, $2)")
            .bind(email_key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The times of the wrong passwords for `email_key` since `since`.
    pub async fn login_failures(
        &self,
        email_key: &str,
        since: i64,
    ) -> Result<Vec<i64>, StoreError> {
        const SQL: &str = "SELECT at FROM login_failures WHERE email_key = $1 AND at >= $2";
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(SQL).bind(email_key).bind(since))
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// A right password clears the address's record.
    pub async fn clear_login_failures(&self, email_key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE email_key = $1")
            .bind(email_key)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// A new first-run setup token; those given before stop working.
    pub async fn replace_setup_token(&self, hash: &str, now: i64) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM user_tokens WHERE purpose = 'setup'")
            .execute(&mut *tx)
            .await?;
        insert_token(&mut tx, hash, TokenPurpose::Setup, None, None, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether a token is good now (shown before the form is filled in); it is spent only
    /// by the action it is for.
    pub async fn token_is_good(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: i64,
    ) -> Result<Option<TokenRow>, StoreError> {
        const SQL: &str = "SELECT user_id FROM user_tokens WHERE id = $1 \
                           AND purpose = $2 AND used_at IS NULL \
                           AND (expires_at IS NULL OR expires_at > $3)";
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(SQL).bind(hash).bind(purpose.as_str()).bind(now))
            .await?;
        Ok(row.map(|r| TokenRow { user_id: r.get(0) }))
    }

    /// Invites a user: the user (no password yet) unless the account already invited this
    /// address, a set-password token, and its mail, in one transaction. Earlier links to the
    /// same user stop working. `Err` names a user of another account or one who already
    /// has a password.
    pub async fn invite_user(
        &self,
        user: &UserRow,
        token_hash: &str,
        expires_at: i64,
        mail: &RenderedMail,
        now: i64,
    ) -> Result<Result<String, Inserted>, StoreError> {
        let mut tx = self.writer().begin().await?;
        let key = crate::domain::users::email_key(&user.email);
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.email_key = $1 AND u.removed_at IS NULL"
        );
        let existing = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| user_from(&r, 0))
            .transpose()?;
        let user_id = match existing {
            Some(u) if u.account_id == user.account_id && u.password_hash.is_none() => {
                sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(user.role.as_str())
                    .bind(&u.id)
                    .execute(&mut *tx)
                    .await?;
                u.id
            }
            Some(_) => return Ok(Err(Inserted::EmailTaken)),
            None => {
                if insert_user(&mut tx, user, &key).await? == Inserted::EmailTaken {
                    return Ok(Err(Inserted::EmailTaken));
                }
                user.id.clone()
            }
        };
        sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        insert_token(
            &mut tx,
            token_hash,
            TokenPurpose::Invitation,
            Some(&user_id),
            Some(expires_at),
            now,
        )
        .await?;
        insert_account_mail(&mut tx, &user.account_id, mail, now).await?;
        tx.commit().await?;
        self.wake_mailer(true);
        Ok(Ok(user_id))
    }

    /// Spends an invited user's set-password token and sets their name and password. `None`
    /// when the token is not good (unknown, spent, expired) or its user is gone.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<UserRow>, StoreError> {
        let mut tx = self.writer().begin().await?;
        let Some(token) = take_token(&mut tx, token_hash, TokenPurpose::Invitation, now).await?
        else {
            return Ok(None);
        };
        let Some(user_id) = token.user_id else {
            return Ok(None);
        };
        let sql = format!(
            "UPDATE users SET name = $1, password_hash = $2 WHERE id = $3 \
             AND removed_at IS NULL RETURNING {}",
            USER_COLUMNS.replace("u.", "")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .bind(password_hash)
            .bind(&user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = user_from(&row, 0)?;
        tx.commit().await?;
        Ok(Some(user))
    }
}

/// Why an account and its admin were not created.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminRefused {
    /// The setup token was spent, or an account exists already.
    TokenSpent,
    /// A user already has this address.
    EmailTaken,
}

/// Mail about the account itself (no document, no invitation), pending and due now.
async fn insert_account_mail(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    mail: &RenderedMail,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mail_outbox (id, account_id, document_id, invitation_id, kind, recipient, \
             subject, body, html, state, next_attempt_at, created_at) \
             VALUES ($1, $2, NULL, NULL, 'user_invitation', $3, $4, $5, $6, 'pending', $7, $8)",
    )
    .bind(ulid::Ulid::generate().to_string())
    .bind(account_id)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(&mail.html)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
