//! API settings in the dashboard, on a real `signet serve` over real HTTP, on both databases:
//! the base URL and a curl example for everyone; for admins a new token, shown once, that
//! replaces the old one at once, and the private salt after the password is given again.

mod common;

use common::dashboard::{Browser, create_account_with_admin, create_user};
use common::{Db, Server};

const PAGE: &str = "/app/settings/api";

/// A token or salt shown in a read-only field of the page.
fn shown(body: &str, id: &str) -> Option<String> {
    let rest = &body[body.find(&format!("<input id=\"{id}\""))?..];
    let rest = &rest[..rest.find('>')?];
    let value = &rest[rest.find("value=\"")? + 7..];
    Some(value[..value.find('"')?].to_string())
}

async fn admins_replace_the_token_and_see_the_salt(db: Db) {
    let server = Server::start(db);
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let old_token = account["authToken"].as_str().unwrap();
    let admin = Browser::new(&server);
    admin.sign_in("admin@acme.test", &password).await;

    let page = admin.get(PAGE).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let base = format!("{}/api", server.url);
    assert!(page.body.contains(&base), "the base URL: {}", page.body);
    assert!(page.body.contains("X-Auth-Token: $TOKEN"), "a curl example");
    assert!(page.body.contains("Generate new token"));
    assert!(page.body.contains("Reveal private salt"));
    assert_eq!(
        shown(&page.body, "new-token"),
        None,
        "no token before one is made"
    );

    // The old token works until a new one is generated, then never again.
    let old = server.client(old_token);
    assert_eq!(old.get("/api/signet/workflows").await.body["status"], 1);
    let csrf = page.csrf();
    let made = admin
        .post("/app/settings/api/token", &[("csrf", &csrf)])
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let new_token = shown(&made.body, "new-token").expect("the new token is shown");
    assert_ne!(new_token, old_token);
    assert_eq!(
        old.get("/api/signet/workflows").await.code(),
        "auth.token.invalid"
    );
    let new = server.client(&new_token);
    assert_eq!(new.get("/api/signet/workflows").await.body["status"], 1);
    let again = admin.get(PAGE).await;
    assert!(
        !again.body.contains(&new_token),
        "the token is shown only once"
    );

    // The salt after the password, and only with the right one.
    let wrong = admin
        .post(
            "/app/settings/api/salt",
            &[("csrf", &csrf), ("password", "not my password")],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains("That is not your password."),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    let salt = account["privateSalt"].as_str().unwrap();
    assert!(!wrong.body.contains(salt));
    let right = admin
        .post(
            "/app/settings/api/salt",
            &[("csrf", &csrf), ("password", &password)],
        )
        .await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert_eq!(shown(&right.body, "salt-value").as_deref(), Some(salt));

    // Without the form's token nothing happens.
    let forged = admin.post("/app/settings/api/token", &[]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(new.get("/api/signet/workflows").await.body["status"], 1);
}

/// Wrong passwords at the salt count toward the address's lockout, as at sign-in.
async fn guessing_the_password_locks_it(db: Db) {
    let server = Server::start(db);
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let admin = Browser::new(&server);
    admin.sign_in("admin@acme.test", &password).await;
    let csrf = admin.get(PAGE).await.csrf();
    for _ in 0..5 {
        let p = admin
            .post(
                "/app/settings/api/salt",
                &[("csrf", &csrf), ("password", "guess guess")],
            )
            .await;
        assert_eq!(p.status, 400);
    }
    let locked = admin
        .post(
            "/app/settings/api/salt",
            &[("csrf", &csrf), ("password", &password)],
        )
        .await;
    assert!(
        !locked
            .body
            .contains(account["privateSalt"].as_str().unwrap()),
        "locked: even the right password shows nothing"
    );
    let elsewhere = Browser::new(&server);
    let page = elsewhere.sign_in("admin@acme.test", &password).await;
    assert_ne!(page.location, "/app/documents", "the sign-in is locked too");
}

/// Senders and viewers see the base URL and the example, not the forms, and are refused.
async fn only_admins_change_api_access(db: Db) {
    let server = Server::start(db);
    let (account, _) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let id = account["accountId"].as_str().unwrap();
    let token = account["authToken"].as_str().unwrap();
    for role in ["sender", "viewer"] {
        let email = format!("{role}@acme.test");
        let (ok, _, err) = create_user(&server, id, &email, role, "a good password");
        assert!(ok, "{err}");
        let b = Browser::new(&server);
        b.sign_in(&email, "a good password").await;
        let page = b.get(PAGE).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("{}/api", server.url)));
        assert!(!page.body.contains("Generate new token"), "{role}");
        assert!(!page.body.contains("Reveal private salt"), "{role}");
        let csrf = page.csrf();
        let token_post = b.post("/app/settings/api/token", &[("csrf", &csrf)]).await;
        assert_eq!(token_post.status, 403, "{role}");
        let salt = b
            .post(
                "/app/settings/api/salt",
                &[("csrf", &csrf), ("password", "a good password")],
            )
            .await;
        assert_eq!(salt.status, 403, "{role}");
        assert!(!salt.body.contains(account["privateSalt"].as_str().unwrap()));
    }
    let api = server.client(token);
    assert_eq!(api.get("/api/signet/workflows").await.body["status"], 1);
}

on_both_databases!(
    admins_replace_the_token_and_see_the_salt,
    guessing_the_password_locks_it,
    only_admins_change_api_access
);
