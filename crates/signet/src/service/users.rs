//! The people of an account and their sessions: creating accounts and users (CLI, first-run
//! setup), signing in and out, invitations, roles. The rules are the domain's
//! (`domain::users`); the facts are the store's. Passwords are hashed with Argon2id on a
//! blocking thread; tokens (session cookies, one-time links) are random, shown once, stored
//! only as their SHA-256 and compared in constant time.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::RngCore;
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Actor, ServiceError};
use crate::domain::language::Language;
use crate::domain::limits::{MAX_EMAIL_BYTES, MAX_INVITEE_NAME_CHARS, name_problem};
use crate::domain::users::{
    INVITATION_TTL_MS, LOCKOUT, MAX_PASSWORD_CHARS, Role, SESSIONS, TokenPurpose, email_key,
    email_problem, password_problem,
};
use crate::store::{
    Account, AdminRefused, Inserted, NewSession, SessionRow, Store, StoreError, UserChange, UserRow,
};

/// An account's name, as `signet account create` has always bounded it.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 200;

/// A fresh random token: 32 bytes from the OS, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn alphanumeric(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, len)
}

/// A new account with a random API token (returned once; only its hash is kept) and salt.
pub fn new_account(name: &str, now: i64) -> Result<(Account, String), ServiceError> {
    let name = name.trim();
    if let Some(p) = name_problem(name, MAX_ACCOUNT_NAME_CHARS) {
        return Err(ServiceError::refused(
            "account.name.invalid",
            format!("account name: {p}"),
        ));
    }
    // 40 alphanumeric characters: about 238 bits, beyond any guessing.
    let token = alphanumeric(40);
    let account = Account {
        id: ulid::Ulid::generate().to_string(),
        name: name.to_string(),
        token_hash: token_hash(&token),
        private_salt: alphanumeric(32),
        created_at: now,
    };
    Ok((account, token))
}

/// Argon2id costs 19 MiB and tens of milliseconds per hash by design: a flood of sign-ins must
/// queue here rather than take every blocking thread and the memory with them.
fn hashing() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

async fn hash_password(password: &str) -> Result<String, ServiceError> {
    let password = password.to_string();
    let _slot = hashing().acquire().await.map_err(ServiceError::internal)?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(ServiceError::internal)
    })
    .await
    .map_err(ServiceError::internal)?
}

/// The hash checked when an address has no password (unknown, or invited and not yet set),
/// so that such a sign-in takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(alphanumeric(24).as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

async fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash()).to_string();
    let password = password.to_string();
    let Ok(_slot) = hashing().acquire().await else {
        return false;
    };
    let right = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false);
    right && known
}

fn check_password(password: &str) -> Result<(), ServiceError> {
    match password_problem(password) {
        Some(p) => Err(ServiceError::refused(
            "user.password.invalid",
            format!("password: {p}"),
        )),
        None => Ok(()),
    }
}

fn check_email(email: &str) -> Result<(), ServiceError> {
    match email_problem(email) {
        Some(p) => Err(ServiceError::refused(
            "user.email.invalid",
            format!("email: {p}"),
        )),
        None => Ok(()),
    }
}

fn check_name(name: &str) -> Result<(), ServiceError> {
    match name_problem(name, MAX_INVITEE_NAME_CHARS) {
        Some(p) => Err(ServiceError::refused(
            "user.name.invalid",
            format!("name: {p}"),
        )),
        None => Ok(()),
    }
}

fn email_taken() -> ServiceError {
    ServiceError::conflict(
        "user.email.taken",
        "a user with this email address already exists",
    )
}

/// `signet user create`: a user with a password, in an existing account.
pub struct CreateUser {
    pub account_id: String,
    pub email: String,
    /// The address's local part when none is given.
    pub name: Option<String>,
    pub role: Role,
    pub password: String,
}

pub async fn create_user(store: &Store, c: CreateUser, now: i64) -> Result<UserRow, ServiceError> {
    check_email(&c.email)?;
    let email = c.email.trim().to_string();
    let name = c
        .name
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    check_name(&name)?;
    check_password(&c.password)?;
    if store.account_by_id(&c.account_id).await?.is_none() {
        return Err(ServiceError::not_found(
            "account.not.found",
            format!("no account {}", c.account_id),
        ));
    }
    let user = UserRow {
        id: ulid::Ulid::generate().to_string(),
        account_id: c.account_id,
        email,
        name,
        role: c.role,
        password_hash: Some(hash_password(&c.password).await?),
        created_at: now,
    };
    match store.insert_user(&user).await? {
        Inserted::Done => Ok(user),
        Inserted::EmailTaken => Err(email_taken()),
    }
}

/// `signet account create`, with its first admin when `admin_email` is given.
pub struct CreateAccount {
    pub name: String,
    pub admin_email: Option<String>,
}

pub struct CreatedAccount {
    pub account: Account,
    /// The API token, shown once.
    pub token: String,
    /// The admin's address and generated password, shown once.
    pub admin: Option<(String, String)>,
}

pub async fn create_account(
    store: &Store,
    c: CreateAccount,
    now: i64,
) -> Result<CreatedAccount, ServiceError> {
    let (account, token) = new_account(&c.name, now)?;
    let Some(email) = c.admin_email else {
        store.insert_account(&account).await?;
        return Ok(CreatedAccount {
            account,
            token,
            admin: None,
        });
    };
    check_email(&email)?;
    let email = email.trim().to_string();
    // 20 alphanumeric characters: about 119 bits.
    let password = alphanumeric(20);
    let admin = UserRow {
        id: ulid::Ulid::generate().to_string(),
        account_id: account.id.clone(),
        name: email.split('@').next().unwrap_or_default().to_string(),
        email: email.clone(),
        role: Role::Admin,
        password_hash: Some(hash_password(&password).await?),
        created_at: now,
    };
    match store
        .create_account_with_admin(&account, &admin, None)
        .await?
    {
        Ok(()) => Ok(CreatedAccount {
            account,
            token,
            admin: Some((email, password)),
        }),
        Err(_) => Err(email_taken()),
    }
}

/// At start with no account: a new one-time setup link's token (earlier ones stop working).
pub async fn first_run_token(store: &Store, now: i64) -> Result<Option<String>, ServiceError> {
    if store.any_account().await? {
        return Ok(None);
    }
    let token = new_token();
    store.replace_setup_token(&token_hash(&token), now).await?;
    Ok(Some(token))
}

/// A session just begun: the cookie's token, shown to this browser only.
pub struct SignedIn {
    pub token: String,
}

async fn begin_session(
    store: &Store,
    user: UserRow,
    replaces: Option<&str>,
    now: i64,
) -> Result<SignedIn, ServiceError> {
    let token = new_token();
    let id = token_hash(&token);
    let csrf = new_token();
    let old = replaces.map(token_hash);
    store
        .insert_session(
            &NewSession {
                id: &id,
                user_id: &user.id,
                csrf: &csrf,
                now,
            },
            old.as_deref(),
            SESSIONS.dead_before(now),
        )
        .await?;
    Ok(SignedIn { token })
}

/// The first-run form: the account, its first admin, and their session.
pub struct Setup {
    pub token: String,
    pub account_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

pub fn setup_link_refused() -> ServiceError {
    ServiceError::not_found(
        "setup.token.invalid",
        "this setup link has been used or replaced",
    )
}

pub async fn setup(store: &Store, c: Setup, now: i64) -> Result<SignedIn, ServiceError> {
    let (account, _) = new_account(&c.account_name, now)?;
    check_name(c.name.trim())?;
    check_email(&c.email)?;
    check_password(&c.password)?;
    if store
        .token_is_good(&token_hash(&c.token), TokenPurpose::Setup, now)
        .await?
        .is_none()
    {
        return Err(setup_link_refused());
    }
    let admin = UserRow {
        id: ulid::Ulid::generate().to_string(),
        account_id: account.id.clone(),
        email: c.email.trim().to_string(),
        name: c.name.trim().to_string(),
        role: Role::Admin,
        password_hash: Some(hash_password(&c.password).await?),
        created_at: now,
    };
    let hash = token_hash(&c.token);
    match store
        .create_account_with_admin(&account, &admin, Some((&hash, now)))
        .await?
    {
        Ok(()) => begin_session(store, admin, None, now).await,
        Err(AdminRefused::TokenSpent) => Err(setup_link_refused()),
        Err(AdminRefused::EmailTaken) => Err(email_taken()),
    }
}

/// The sign-in form. `replaces` is the session cookie the browser still sent, if any.
pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub replaces: Option<&'a str>,
}

pub async fn sign_in(store: &Store, c: SignIn<'_>, now: i64) -> Result<SignedIn, ServiceError> {
    // One answer for an unknown address, a wrong password and an invited user without one.
    let wrong = || ServiceError::refused("login.failed", "wrong email or password");
    let key = email_key(c.email);
    let in_bounds = !key.is_empty()
        && key.len() <= MAX_EMAIL_BYTES
        && c.password.chars().count() <= MAX_PASSWORD_CHARS;
    if !in_bounds {
        verify_password("", None).await;
        return Err(wrong());
    }
    let user = store.user_by_email(&key).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    password_under_lockout(store, &key, c.password, hash, now)
        .await
        .map_err(|e| e.unwrap_or_else(wrong))?;
    let user = user.ok_or_else(wrong)?;
    begin_session(store, user, c.replaces, now).await
}

/// The live session of a cookie's token, if it has one; a dead one is removed.
pub async fn session(
    store: &Store,
    cookie_token: &str,
    now: i64,
) -> Result<Option<SessionRow>, ServiceError> {
    if cookie_token.is_empty() || cookie_token.len() > 128 {
        return Ok(None);
    }
    let id = token_hash(cookie_token);
    let Some(s) = store.session(&id).await? else {
        return Ok(None);
    };
    // Found by the hash; compared again in constant time, as API tokens are.
    if !bool::from(s.id.as_bytes().ct_eq(id.as_bytes())) {
        return Ok(None);
    }
    if !SESSIONS.alive(s.created_at, s.last_seen_at, now) {
        store.delete_session(&id).await?;
        return Ok(None);
    }
    if SESSIONS.needs_touch(s.last_seen_at, now) {
        store.touch_session(&id, now).await?;
    }
    Ok(Some(s))
}

/// Ends the session of a cookie's token.
pub async fn sign_out(store: &Store, cookie_token: &str) -> Result<(), ServiceError> {
    store.delete_session(&token_hash(cookie_token)).await?;
    Ok(())
}

fn forbidden() -> ServiceError {
    ServiceError::forbidden("user.forbidden", "only an admin may manage users")
}

/// The acting admin: users are managed by admins of their account only.
fn admin<'a>(actor: &'a Actor<'_>) -> Result<(&'a Account, &'a str), ServiceError> {
    match actor {
        Actor::User {
            account, id, role, ..
        } if role.may_manage_users() => Ok((account, id)),
        _ => Err(forbidden()),
    }
}

/// An admin invites someone by mail: they set their own name and password through the link.
pub struct Invite {
    pub email: String,
    pub role: Role,
    /// The language the mail is written in (the inviting admin's).
    pub language: Language,
}

/// Writes the set-password mail: the server's public URL and wording (`notify`).
pub trait InvitationMailer: Sync {
    fn write(
        &self,
        c: &Invite,
        account: &Account,
        inviter: &str,
        token: &str,
    ) -> crate::store::RenderedMail;
}

pub async fn invite(
    store: &Store,
    actor: &Actor<'_>,
    mailer: &dyn InvitationMailer,
    c: Invite,
    now: i64,
) -> Result<String, ServiceError> {
    let (account, _) = admin(actor)?;
    check_email(&c.email)?;
    let email = c.email.trim().to_string();
    let token = new_token();
    let user = UserRow {
        id: ulid::Ulid::generate().to_string(),
        account_id: account.id.clone(),
        email: email.clone(),
        name: String::new(),
        role: c.role,
        password_hash: None,
        created_at: now,
    };
    let inviter = match actor {
        Actor::User { name, .. } => *name,
        Actor::Api(a) => &a.name,
    };
    let mail = mailer.write(&c, account, inviter, &token);
    match store
        .invite_user(
            &user,
            &token_hash(&token),
            now + INVITATION_TTL_MS,
            &mail,
            now,
        )
        .await?
    {
        Ok(id) => Ok(id),
        Err(_) => Err(email_taken()),
    }
}

/// The invited user's form: their name and password.
pub struct AcceptInvitation {
    pub token: String,
    pub name: String,
    pub password: String,
}

pub fn invitation_refused() -> ServiceError {
    ServiceError::not_found(
        "invitation.token.invalid",
        "this link has expired or has been used; ask your admin for a new one",
    )
}

pub async fn accept_invitation(
    store: &Store,
    c: AcceptInvitation,
    now: i64,
) -> Result<UserRow, ServiceError> {
    check_name(c.name.trim())?;
    check_password(&c.password)?;
    let hash = token_hash(&c.token);
    if store
        .token_is_good(&hash, TokenPurpose::Invitation, now)
        .await?
        .is_none()
    {
        return Err(invitation_refused());
    }
    let password = hash_password(&c.password).await?;
    store
        .accept_invitation(&hash, c.name.trim(), &password, now)
        .await?
        .ok_or_else(invitation_refused)
}

/// Whether a one-time link is good now, before its form is shown. Links are found by the
/// SHA-256 of their token: a timing difference in the database's comparison could tell an
/// attacker about a hash, never about a token (unlike a session, no row is read back to
/// compare, since the answer is only good or not).
pub async fn link_is_good(
    store: &Store,
    token: &str,
    purpose: TokenPurpose,
    now: i64,
) -> Result<bool, ServiceError> {
    if token.is_empty() || token.len() > 128 {
        return Ok(false);
    }
    Ok(store
        .token_is_good(&token_hash(token), purpose, now)
        .await?
        .is_some())
}

fn user_change(change: UserChange) -> Result<(), ServiceError> {
    match change {
        UserChange::Done => Ok(()),
        UserChange::NotFound => Err(ServiceError::not_found("user.not.found", "no such user")),
        UserChange::LastAdmin => Err(ServiceError::conflict(
            "user.last.admin",
            "an account needs at least one admin",
        )),
    }
}

pub struct ChangeRole {
    pub user_id: String,
    pub role: Role,
}

pub async fn change_role(
    store: &Store,
    actor: &Actor<'_>,
    c: ChangeRole,
) -> Result<(), ServiceError> {
    let (account, _) = admin(actor)?;
    user_change(store.set_role(&account.id, &c.user_id, c.role).await?)
}

pub struct RemoveUser {
    pub user_id: String,
}

pub async fn remove_user(
    store: &Store,
    actor: &Actor<'_>,
    c: RemoveUser,
    now: i64,
) -> Result<(), ServiceError> {
    let (account, me) = admin(actor)?;
    if c.user_id == me {
        return Err(ServiceError::conflict(
            "user.remove.self",
            "you cannot remove yourself; ask another admin",
        ));
    }
    user_change(store.remove_user(&account.id, &c.user_id, now).await?)
}

/// The acting user's own password again, before what a session left open on a shared computer
/// should not reach (the private salt). A wrong one counts toward the address's lockout, as at
/// sign-in, so a stolen session cannot guess it either.
pub async fn confirm_password(
    store: &Store,
    actor: &Actor<'_>,
    password: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let wrong = || ServiceError::refused("password.wrong", "that is not your password");
    let Actor::User { account, id, .. } = actor else {
        return Err(forbidden());
    };
    let user = store
        .users_of_account(&account.id)
        .await?
        .into_iter()
        .find(|u| u.id == *id)
        .ok_or_else(forbidden)?;
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(wrong());
    }
    let key = email_key(&user.email);
    let hash = user.password_hash.as_deref();
    password_under_lockout(store, &key, password, hash, now)
        .await
        .map_err(|e| e.unwrap_or_else(wrong))
}

/// `password` against `hash` under the lockout of the address `key`: refused while it is
/// locked, a wrong one recorded, a right one clearing the record. `Err(None)` is a wrong
/// password, which each caller words its own way.
async fn password_under_lockout(
    store: &Store,
    key: &str,
    password: &str,
    hash: Option<&str>,
    now: i64,
) -> Result<(), Option<ServiceError>> {
    let stored = |e: StoreError| Some(ServiceError::from(e));
    let failures = store
        .login_failures(key, LOCKOUT.since(now))
        .await
        .map_err(stored)?;
    if LOCKOUT.locked_until(&failures, now).is_some() {
        return Err(Some(ServiceError::refused(
            "login.locked",
            "too many wrong passwords for this address; try again in 15 minutes",
        )));
    }
    if !verify_password(password, hash).await {
        store
            .record_login_failure(key, now, LOCKOUT.since(now))
            .await
            .map_err(stored)?;
        return Err(None);
    }
    store.clear_login_failures(key).await.map_err(stored)?;
    Ok(())
}

/// The account's users, for any user of it.
pub async fn users(store: &Store, actor: &Actor<'_>) -> Result<Vec<UserRow>, ServiceError> {
    Ok(store.users_of_account(&actor.account().id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", Some(&h)).await);
        assert!(!verify_password("correct horse batterY", Some(&h)).await);
        assert!(!verify_password("anything at all", None).await);
    }

    #[test]
    fn tokens_are_long_random_and_stored_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
