//! Dashboard sessions, server-side on both databases. A session's id is the SHA-256 (hex) of
//! the random token in the user's cookie, so the table alone signs no one in; the service
//! decides whether a session is still alive (`domain::users::SESSIONS`).

use sqlx::Row;

use super::accounts::Account;
use super::users::{USER_COLUMNS, UserRow, user_from};
use super::{Store, StoreError};

/// A session to write at sign-in.
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub csrf: &'a str,
    pub now: i64,
}

/// A session with its user and the user's account, read in one statement per request.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub csrf: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user: UserRow,
    pub account: Account,
}

impl Store {
    /// Writes a new session. `replaces`, the session the browser still had, ends in the same
    /// transaction: a session id is never carried over a sign-in (fixation). Dead sessions are
    /// swept out here too, at the rate people sign in.
    pub async fn insert_session(
        &self,
        s: &NewSession<'_>,
        replaces: Option<&str>,
        dead_before: (i64, i64),
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        if let Some(old) = replaces {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(dead_before.0)
            .bind(dead_before.1)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, csrf, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(s.id)
        .bind(s.user_id)
        .bind(s.csrf)
        .bind(s.now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session with this id, its user (not removed) and their account.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!(
            "SELECT s.id, s.csrf, s.created_at, s.last_seen_at, {USER_COLUMNS}, \
             a.id, a.name, a.token_hash, a.private_salt, a.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id \
             WHERE s.id = $1 AND u.removed_at IS NULL"
        );
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id))
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(SessionRow {
            id: r.get(0),
            csrf: r.get(1),
            created_at: r.get(2),
            last_seen_at: r.get(3),
            user: user_from(&r, 4)?,
            account: Account {
                id: r.get(11),
                name: r.get(12),
                token_hash: r.get(13),
                private_salt: r.get(14),
                created_at: r.get(15),
            },
        }))
    }

    /// Records that the session was used at `now`.
    pub async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
            .bind(now)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Ends a session (sign out, or found dead).
    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::users::Role;
    use crate::store::{Account, NewSession, UserChange, UserRow};
    use crate::test_db::Db;

    fn account(id: &str) -> Account {
        Account {
            id: id.into(),
            name: format!("Account {id}"),
            token_hash: format!("hash-{id}"),
            private_salt: "salt".into(),
            created_at: 1,
        }
    }

    fn user(id: &str, account: &str, email: &str, role: Role) -> UserRow {
        UserRow {
            id: id.into(),
            account_id: account.into(),
            email: email.into(),
            name: format!("User {id}"),
            role,
            password_hash: Some("$argon2id$…".into()),
            created_at: 1,
        }
    }

    /// Users are unique by address without case, an account keeps an admin, and a session
    /// reads its user and account until the user is removed.
    async fn users_and_sessions(postgres: bool) {
        let db = Db::new(postgres);
        let store = db.store().await;
        let a = account("A");
        store
            .create_account_with_admin(&a, &user("u1", "A", "Asha@Example.com", Role::Admin), None)
            .await
            .unwrap()
            .unwrap();
        let again = store
            .insert_user(&user("u2", "A", "asha@example.COM", Role::Viewer))
            .await
            .unwrap();
        assert_eq!(again, crate::store::Inserted::EmailTaken);
        store
            .insert_user(&user("u2", "A", "ravi@example.com", Role::Viewer))
            .await
            .unwrap();
        let found = store
            .user_by_email("asha@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id.as_str(), found.role), ("u1", Role::Admin));

        assert_eq!(
            store.set_role("A", "u1", Role::Sender).await.unwrap(),
            UserChange::LastAdmin
        );
        assert_eq!(
            store.remove_user("A", "u1", 5).await.unwrap(),
            UserChange::LastAdmin
        );
        assert_eq!(
            store.set_role("B", "u2", Role::Admin).await.unwrap(),
            UserChange::NotFound,
            "another account's user"
        );
        assert_eq!(
            store.set_role("A", "u2", Role::Admin).await.unwrap(),
            UserChange::Done
        );
        assert_eq!(
            store.set_role("A", "u1", Role::Sender).await.unwrap(),
            UserChange::Done
        );

        let s = NewSession {
            id: "s1",
            user_id: "u1",
            csrf: "c1",
            now: 10,
        };
        store.insert_session(&s, None, (0, 0)).await.unwrap();
        let read = store.session("s1").await.unwrap().unwrap();
        assert_eq!(
            (read.user.id.as_str(), read.account.id.as_str()),
            ("u1", "A")
        );
        assert_eq!(read.user.role, Role::Sender);
        store.touch_session("s1", 20).await.unwrap();
        assert_eq!(store.session("s1").await.unwrap().unwrap().last_seen_at, 20);
        assert_eq!(
            store.remove_user("A", "u1", 30).await.unwrap(),
            UserChange::Done
        );
        assert!(
            store.session("s1").await.unwrap().is_none(),
            "removed users are signed out"
        );
        assert!(
            store
                .user_by_email("asha@example.com")
                .await
                .unwrap()
                .is_none()
        );

        store.record_login_failure("x@y.z", 100, 0).await.unwrap();
        store.record_login_failure("o@y.z", 120, 0).await.unwrap();
        store.record_login_failure("x@y.z", 200, 150).await.unwrap();
        assert_eq!(store.login_failures("x@y.z", 0).await.unwrap(), vec![200]);
        assert!(
            store.login_failures("o@y.z", 0).await.unwrap().is_empty(),
            "forgotten"
        );
    }

    #[tokio::test]
    async fn users_and_sessions_on_sqlite() {
        users_and_sessions(false).await;
    }

    #[tokio::test]
    async fn users_and_sessions_on_postgres() {
        users_and_sessions(true).await;
    }
}
