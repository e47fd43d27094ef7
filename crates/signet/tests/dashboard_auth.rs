//! The dashboard's front door on a real `signet serve`, over real HTTP, on both databases: the
//! first-run setup link from the log, users from the command line, sign in and its lockout,
//! CSRF, roles, account isolation, session timeouts and sign out, and invitations by mail
//! through a real SMTP server. Then the same journey in Chromium (tests/dashboard_auth.cjs)
//! with an accessibility check by axe-core.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::dashboard::{Browser, Page, create_account_with_admin, create_user, field_value};
use common::smtp::SmtpSink;
use common::{Db, Server};
use serde_json::json;

fn log_path(tag: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-logs");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}-{}-{n}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// The setup links the server's log holds, in order.
fn setup_links(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.split_whitespace()
        .filter_map(|w| w.find("/setup?token=").map(|at| w[at..].to_string()))
        .map(|w| w.trim_end_matches(['"', '\'', ',']).to_string())
        .collect()
}

fn server_with_log(db: Db, tag: &str, env: &[(&str, &str)]) -> (Server, PathBuf) {
    let log = log_path(tag);
    let mut all = vec![("SIGNET_TEST_CLOCK", "true")];
    all.extend_from_slice(env);
    let server = Server::start_logging(db, &all, Some(log.clone()));
    (server, log)
}

async fn advance(server: &Server, token: &str, seconds: i64) {
    server
        .client(token)
        .post("/api/signet/clock/advance", &json!({"seconds": seconds}))
        .await
        .ok();
}

/// The first start prints a one-time setup link; it creates the account and its admin, signs
/// them in, and works once. A bad form changes nothing and keeps the link good.
async fn first_run_setup_from_the_log(db: Db) {
    let (mut server, log) = server_with_log(db, "setup", &[]);
    let links = setup_links(&log);
    assert_eq!(links.len(), 1, "one setup link in the log: {links:?}");
    let link = &links[0];
    let b = Browser::new(&server);
    let page = b.get(link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<html lang=\"en\">"));
    let csrf = page.csrf();
    let token = field_value(&page.body, "token").unwrap();
    let form = |password: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("token", token.clone()),
            ("account_name", "Acme Lending".to_string()),
            ("name", "Asha Rao".to_string()),
            ("email", "Asha@Acme.test".to_string()),
            ("password", password.to_string()),
        ]
    };
    let pairs = |f: &Vec<(&'static str, String)>| {
        f.iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<(&str, String)>>()
    };
    let short = pairs(&form("short"));
    let short: Vec<(&str, &str)> = short.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post("/setup", &short).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains(&format!("href=\"/setup?token={token}&#38;lang=hi\"")),
        "the language switch keeps the link: {}",
        refused.body
    );
    assert!(
        refused.body.contains("10 to 1024 characters"),
        "{}",
        refused.body
    );
    assert!(b.cookie("signet_session").is_none());

    let good = pairs(&form("correct horse battery"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/setup", &good)
        .await
        .assert_redirect("/app/documents");
    assert!(b.cookie("signet_session").is_some());
    let home = b.get("/app/documents").await;
    assert_eq!(home.status, 200);
    for name in [
        "Documents",
        "Workflows",
        "Webhooks",
        "API settings",
        "Users",
        "Sign out",
    ] {
        assert!(
            home.body.contains(&format!(">{name}<")),
            "{name}: {}",
            home.body
        );
    }
    let users = b.get("/app/users").await;
    assert!(users.body.contains("Asha Rao") && users.body.contains("Asha@Acme.test"));
    assert!(users.body.contains("Acme Lending"));

    // The link worked once; the admin signs in with the address in any case.
    let again = Browser::new(&server);
    assert_eq!(again.get(link).await.status, 404);
    let replay = again.post("/setup", &good).await;
    assert_eq!(replay.status, 403, "no CSRF cookie in this browser");
    again
        .sign_in("asha@acme.test", "correct horse battery")
        .await
        .assert_redirect("/app/documents");

    // With an account, a restart offers no setup link.
    server.restart();
    assert_eq!(setup_links(&log).len(), 1);
    let _ = std::fs::remove_file(&log);
}

/// `signet account create --admin-email` prints a password that signs in; `signet user create`
/// adds users who sign in too, and refuses bad input.
async fn users_from_the_command_line(db: Db) {
    let server = Server::start(db);
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let account_id = account["accountId"].as_str().unwrap();
    let b = Browser::new(&server);
    b.sign_in("admin@acme.test", &password)
        .await
        .assert_redirect("/app/documents");

    let (ok, user, err) = create_user(
        &server,
        account_id,
        "Ravi@Acme.test",
        "viewer",
        "a long passphrase",
    );
    assert!(ok, "{err}");
    assert_eq!(user["role"], "viewer");
    assert_eq!(user["accountId"], account_id);
    let v = Browser::new(&server);
    v.sign_in("ravi@acme.test", "a long passphrase")
        .await
        .assert_redirect("/app/documents");
    let list = b.get("/app/users").await;
    assert!(list.body.contains("Ravi@Acme.test") && list.body.contains("Viewer"));

    for (email, role, password, why) in [
        (
            "ravi@acme.test",
            "sender",
            "a long passphrase",
            "already exists",
        ),
        ("meera@acme.test", "owner", "a long passphrase", "--role"),
        ("meera@acme.test", "sender", "short", "10 characters"),
        ("not-an-address", "sender", "a long passphrase", "email"),
    ] {
        let (ok, _, err) = create_user(&server, account_id, email, role, password);
        assert!(!ok && err.contains(why), "{email} {role}: {err}");
    }
    let (ok, _, err) = create_user(
        &server,
        "01NOSUCHACCOUNT",
        "m@acme.test",
        "sender",
        "a long passphrase",
    );
    assert!(!ok && err.contains("no account"), "{err}");
}

/// A wrong password and an unknown address get the same answer in about the same time; five
/// wrong passwords lock the address for 15 minutes, even for the right password.
async fn wrong_and_unknown_read_the_same_then_lock(db: Db) {
    let (server, log) = server_with_log(db, "lockout", &[]);
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let token = account["authToken"].as_str().unwrap();
    let b = Browser::new(&server);
    let error_of = |p: &Page| -> String {
        let at = p.body.find("role=\"alert\"").expect("an error");
        p.body[at..at + 200].to_string()
    };
    let t0 = Instant::now();
    let wrong = b.sign_in("admin@acme.test", "not the password").await;
    let wrong_time = t0.elapsed();
    let t1 = Instant::now();
    let unknown = b.sign_in("nobody@acme.test", "not the password").await;
    let unknown_time = t1.elapsed();
    assert_eq!(wrong.status, 400);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(error_of(&wrong), error_of(&unknown));
    assert!(wrong.body.contains("Wrong email or password."));
    assert!(b.cookie("signet_session").is_none());
    // Both ran Argon2: an unknown address is not answered measurably faster.
    assert!(
        unknown_time * 3 > wrong_time,
        "unknown {unknown_time:?} vs wrong {wrong_time:?}"
    );

    for _ in 0..4 {
        assert_eq!(
            b.sign_in("admin@acme.test", "still wrong!").await.status,
            400
        );
    }
    let locked = b.sign_in("admin@acme.test", &password).await;
    assert_eq!(locked.status, 400);
    assert!(
        locked.body.contains("Try again in 15 minutes"),
        "{}",
        locked.body
    );
    // The lock is the address's, not the user's: an unknown one locks the same way.
    for _ in 0..5 {
        b.sign_in("ghost@acme.test", "wrong password").await;
    }
    assert!(
        b.sign_in("ghost@acme.test", "x")
            .await
            .body
            .contains("15 minutes")
    );

    advance(&server, token, 15 * 60 + 1).await;
    b.sign_in("admin@acme.test", &password)
        .await
        .assert_redirect("/app/documents");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.contains(&password), "a password reached the log");
    let _ = std::fs::remove_file(&log);
}

/// Every state change needs the form's CSRF token: without it, or with another, the server
/// answers 403 and changes nothing. Signing in and out too.
async fn csrf_is_required(db: Db) {
    let server = Server::start(db);
    let (_, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let b = Browser::new(&server);

    // Before a session: the form's double-submit token.
    let login = b.get("/login").await;
    let csrf = login.csrf();
    for bad in ["", "forged-token-forged-token"] {
        let page = b
            .post(
                "/login",
                &[
                    ("email", "admin@acme.test"),
                    ("password", password.as_str()),
                    ("csrf", bad),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "csrf {bad:?}");
        assert!(b.cookie("signet_session").is_none());
    }
    let other = Browser::new(&server);
    let cross = other
        .post(
            "/login",
            &[
                ("email", "admin@acme.test"),
                ("password", password.as_str()),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(cross.status, 403, "a token without its cookie");

    b.sign_in("admin@acme.test", &password)
        .await
        .assert_redirect("/app/documents");
    let session_csrf = b.session_csrf().await;
    assert_ne!(session_csrf, csrf);
    let before = b.get("/app/users").await.body.matches("<tr>").count();
    for (path, form) in [
        (
            "/app/users/invite",
            vec![("email", "x@acme.test"), ("role", "admin")],
        ),
        (
            "/app/users/invite",
            vec![
                ("email", "x@acme.test"),
                ("role", "admin"),
                ("csrf", "nope"),
            ],
        ),
        (
            "/app/users/invite",
            vec![
                ("email", "x@acme.test"),
                ("role", "admin"),
                ("csrf", csrf.as_str()),
            ],
        ),
        ("/logout", vec![]),
    ] {
        let page = b.post(path, &form).await;
        assert_eq!(page.status, 403, "{path} {form:?}");
        assert!(page.body.contains("nothing was changed"), "{}", page.body);
    }
    let after = b.get("/app/users").await;
    assert_eq!(after.status, 200, "still signed in");
    assert_eq!(after.body.matches("<tr>").count(), before);
    assert!(!after.body.contains("x@acme.test"));
}

/// A viewer sees no forms, and every state-changing route refuses them (403) with nothing
/// changed; a sender may not manage users either.
async fn viewers_are_refused(db: Db) {
    let server = Server::start(db);
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let id = account["accountId"].as_str().unwrap();
    let (_, viewer, _) = create_user(&server, id, "viewer@acme.test", "viewer", "viewer password");
    let (_, sender, _) = create_user(&server, id, "sender@acme.test", "sender", "sender password");
    let admin = Browser::new(&server);
    admin.sign_in("admin@acme.test", &password).await;
    let before = admin.get("/app/users").await.body;

    let v = Browser::new(&server);
    v.sign_in("viewer@acme.test", "viewer password")
        .await
        .assert_redirect("/app/documents");
    let page = v.get("/app/users").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/app/users/invite") && !page.body.contains("Change role"));
    let csrf = page.csrf();
    let sender_id = sender["userId"].as_str().unwrap();
    let viewer_id = viewer["userId"].as_str().unwrap();
    let routes = [
        (
            "/app/users/invite".to_string(),
            vec![("email", "new@acme.test"), ("role", "admin")],
        ),
        (
            format!("/app/users/{sender_id}/role"),
            vec![("role", "admin")],
        ),
        (
            format!("/app/users/{viewer_id}/role"),
            vec![("role", "admin")],
        ),
        (format!("/app/users/{sender_id}/remove"), vec![]),
    ];
    for (path, form) in &routes {
        let mut form = form.clone();
        form.push(("csrf", csrf.as_str()));
        let page = v.post(path, &form).await;
        assert_eq!(page.status, 403, "viewer {path}");
    }

    let s = Browser::new(&server);
    s.sign_in("sender@acme.test", "sender password").await;
    let csrf = s.session_csrf().await;
    for (path, form) in &routes {
        let mut form = form.clone();
        form.push(("csrf", csrf.as_str()));
        assert_eq!(s.post(path, &form).await.status, 403, "sender {path}");
    }
    assert_eq!(
        admin.get("/app/users").await.body,
        before,
        "nothing changed"
    );
}

/// An admin of account A asking for a user of account B gets 404, and B is unchanged.
async fn accounts_are_isolated(db: Db) {
    let server = Server::start(db);
    let (_, pa) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let (b_account, pb) = create_account_with_admin(&server, "Beta", "admin@beta.test");
    let (_, other, _) = create_user(
        &server,
        b_account["accountId"].as_str().unwrap(),
        "ravi@beta.test",
        "viewer",
        "ravi's password",
    );
    let other_id = other["userId"].as_str().unwrap();
    let a = Browser::new(&server);
    a.sign_in("admin@acme.test", &pa).await;
    let list = a.get("/app/users").await;
    assert!(
        !list.body.contains("beta.test"),
        "B's users are not listed to A"
    );
    let csrf = list.csrf();
    let role = a
        .post(
            &format!("/app/users/{other_id}/role"),
            &[("role", "admin"), ("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(role.status, 404);
    let remove = a
        .post(
            &format!("/app/users/{other_id}/remove"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(remove.status, 404);
    let confirm = a.get(&format!("/app/users/{other_id}/remove")).await;
    assert_eq!(confirm.status, 404);
    assert!(!confirm.body.contains("ravi@beta.test"));

    let b = Browser::new(&server);
    b.sign_in("admin@beta.test", &pb).await;
    let theirs = b.get("/app/users").await.body;
    assert!(theirs.contains("ravi@beta.test") && theirs.contains("Viewer"));
    let r = Browser::new(&server);
    r.sign_in("ravi@beta.test", "ravi's password")
        .await
        .assert_redirect("/app/documents");
}

/// A session ends after 30 idle minutes, after 12 hours however busy, and at sign out; the
/// old cookie then opens nothing.
async fn sessions_end(db: Db) {
    let server = Server::start_with(db, &[("SIGNET_TEST_CLOCK", "true")]);
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let token = account["authToken"].as_str().unwrap();
    let b = Browser::new(&server);
    b.sign_in("admin@acme.test", &password).await;
    advance(&server, token, 29 * 60).await;
    assert_eq!(b.get("/app/documents").await.status, 200, "29 idle minutes");
    advance(&server, token, 29 * 60).await;
    assert_eq!(
        b.get("/app/documents").await.status,
        200,
        "used 29 minutes ago"
    );
    advance(&server, token, 31 * 60).await;
    b.get("/app/documents").await.assert_redirect("/login");
    b.get("/").await.assert_redirect("/login");

    // Busy, but not for ever.
    b.sign_in("admin@acme.test", &password).await;
    let mut signed_in_for = 0;
    while b.get("/app/documents").await.status == 200 {
        advance(&server, token, 20 * 60).await;
        signed_in_for += 20;
        assert!(
            signed_in_for <= 12 * 60 + 20,
            "the session outlived 12 hours"
        );
    }
    assert!(
        signed_in_for >= 12 * 60 - 20,
        "ended after {signed_in_for} minutes"
    );

    // Sign out ends it for good, and a new sign-in gets a new session id.
    b.sign_in("admin@acme.test", &password).await;
    let first = b.cookie("signet_session").unwrap();
    // Signing in again from the same browser (its login form is still open) while the first
    // session lives.
    let csrf = b.cookie("signet_csrf").unwrap();
    b.post(
        "/login",
        &[
            ("email", "admin@acme.test"),
            ("password", password.as_str()),
            ("csrf", csrf.as_str()),
        ],
    )
    .await
    .assert_redirect("/app/documents");
    let second = b.cookie("signet_session").unwrap();
    assert_ne!(first, second, "the session id is rotated at sign-in");
    b.set_cookie("signet_session", &first);
    b.get("/app/documents").await.assert_redirect("/login");
    b.set_cookie("signet_session", &second);
    b.get("/").await.assert_redirect("/app/documents");
    let csrf = b.session_csrf().await;
    b.post("/logout", &[("csrf", csrf.as_str())])
        .await
        .assert_redirect("/login?notice=signed_out");
    assert!(
        b.cookie("signet_session").is_none(),
        "the cookie is cleared"
    );
    b.set_cookie("signet_session", &second);
    b.get("/app/users").await.assert_redirect("/login");
}

/// An admin invites by mail; the set-password link in the mail works once, for 24 hours, and
/// the new user signs in with the role they were given.
async fn invitations_by_mail(db: Db) {
    let smtp = SmtpSink::start();
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_SMTP_URL", &smtp.url),
            ("SIGNET_TEST_CLOCK", "true"),
        ],
    );
    let (account, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
    let token = account["authToken"].as_str().unwrap();
    let admin = Browser::new(&server);
    admin.sign_in("admin@acme.test", &password).await;
    let csrf = admin.session_csrf().await;
    let bad = admin
        .post(
            "/app/users/invite",
            &[
                ("email", "not an address"),
                ("role", "sender"),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Enter an email address"), "{}", bad.body);
    admin
        .post(
            "/app/users/invite",
            &[
                ("email", "ravi@acme.test"),
                ("role", "sender"),
                ("csrf", csrf.as_str()),
            ],
        )
        .await
        .assert_redirect("/app/users?notice=invited");
    let taken = admin
        .post(
            "/app/users/invite",
            &[
                ("email", "Admin@acme.test"),
                ("role", "viewer"),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(taken.status, 409);

    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail["to"], json!(["ravi@acme.test"]));
    assert_eq!(mail["subject"], "You are invited to Acme on Signet");
    let body = mail["body"].as_str().unwrap();
    let at = body.find("/invite?token=").expect("a set-password link");
    let link: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let list = admin.get("/app/users").await.body;
    assert!(list.contains("ravi@acme.test") && list.contains("Invited"));

    let ravi = Browser::new(&server);
    let page = ravi.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let form_csrf = page.csrf();
    let form_token = field_value(&page.body, "token").unwrap();
    // Not signed in yet: the password is not set.
    assert_eq!(ravi.sign_in("ravi@acme.test", "").await.status, 400);
    let short = ravi
        .post(
            "/invite",
            &[
                ("token", form_token.as_str()),
                ("name", "Ravi Kumar"),
                ("password", "short"),
                ("csrf", form_csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(short.status, 400);
    ravi.post(
        "/invite",
        &[
            ("token", form_token.as_str()),
            ("name", "Ravi Kumar"),
            ("password", "ravi's passphrase"),
            ("csrf", form_csrf.as_str()),
        ],
    )
    .await
    .assert_redirect("/login?notice=password_set");
    assert_eq!(ravi.get(&link).await.status, 404, "the link works once");
    ravi.sign_in("ravi@acme.test", "ravi's passphrase")
        .await
        .assert_redirect("/app/documents");
    let seen = admin.get("/app/users").await.body;
    assert!(seen.contains("Ravi Kumar") && seen.contains("Sender") && !seen.contains("Invited"));

    // An admin makes Ravi a viewer, then removes him (through the confirmation page): his
    // session ends and he cannot sign in again.
    let ravi_id = {
        let at = seen
            .find("/remove\" aria-label=\"Remove: ravi@acme.test")
            .unwrap();
        let start = seen[..at].rfind("/app/users/").unwrap() + "/app/users/".len();
        seen[start..at].to_string()
    };
    admin
        .post(
            &format!("/app/users/{ravi_id}/role"),
            &[("role", "viewer"), ("csrf", csrf.as_str())],
        )
        .await
        .assert_redirect("/app/users?notice=role");
    assert!(admin.get("/app/users").await.body.contains("Viewer"));
    let confirm = admin.get(&format!("/app/users/{ravi_id}/remove")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Ravi Kumar (ravi@acme.test)"));
    admin
        .post(
            &format!("/app/users/{ravi_id}/remove"),
            &[("csrf", confirm.csrf().as_str())],
        )
        .await
        .assert_redirect("/app/users?notice=removed");
    ravi.get("/app/documents").await.assert_redirect("/login");
    assert_eq!(
        ravi.sign_in("ravi@acme.test", "ravi's passphrase")
            .await
            .status,
        400
    );
    assert!(
        !admin
            .get("/app/users")
            .await
            .body
            .contains("ravi@acme.test")
    );

    // A second invitation's link expires after 24 hours.
    admin
        .post(
            "/app/users/invite",
            &[
                ("email", "meera@acme.test"),
                ("role", "viewer"),
                ("csrf", csrf.as_str()),
            ],
        )
        .await
        .assert_redirect("/app/users?notice=invited");
    let mail = smtp.wait_for(2).await.remove(1);
    let body = mail["body"].as_str().unwrap();
    let at = body.find("/invite?token=").unwrap();
    let link: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    advance(&server, token, 24 * 3600 + 1).await;
    assert_eq!(Browser::new(&server).get(&link).await.status, 404);
}

/// The cookies' attributes: the session and pre-session tokens are `HttpOnly`,
/// `SameSite=Strict`, `Path=/`, and `Secure` once the public URL is https.
async fn cookies_are_strict_and_secure_behind_https(db: Db) {
    for (public, secure) in [(None, false), (Some("https://sign.example"), true)] {
        let env: Vec<(&str, &str)> = public
            .map(|p| ("SIGNET_PUBLIC_URL", p))
            .into_iter()
            .collect();
        let server = Server::start_with(db, &env);
        let (_, password) = create_account_with_admin(&server, "Acme", "admin@acme.test");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = http
            .get(format!("{}/login", server.url))
            .send()
            .await
            .unwrap();
        let csrf_cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
        let csrf = csrf_cookie.split(';').next().unwrap().to_string();
        let token = csrf.split_once('=').unwrap().1.to_string();
        let form = serde_urlencoded::to_string([
            ("email", "admin@acme.test"),
            ("password", password.as_str()),
            ("csrf", token.as_str()),
        ])
        .unwrap();
        let signed = http
            .post(format!("{}/login", server.url))
            .header("Cookie", &csrf)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 303);
        let session = signed.headers()["set-cookie"].to_str().unwrap().to_string();
        for cookie in [&csrf_cookie, &session] {
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
                assert!(cookie.contains(attribute), "{attribute} in {cookie}");
            }
            assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
        }
        assert!(session.starts_with("signet_session="));
        let csp = login.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"));
    }
}

on_both_databases!(
    the_dashboard_in_chromium,
    cookies_are_strict_and_secure_behind_https,
    first_run_setup_from_the_log,
    users_from_the_command_line,
    wrong_and_unknown_read_the_same_then_lock,
    csrf_is_required,
    viewers_are_refused,
    accounts_are_isolated,
    sessions_end,
    invitations_by_mail
);

/// The language: `?lang=` (then remembered in a cookie), else the browser's Accept-Language,
/// else English; `<html lang>` says which.
#[tokio::test]
async fn the_language_follows_the_link_the_cookie_then_the_browser() {
    let server = Server::start(Db::Sqlite);
    let b = Browser::new(&server);
    let lang_of = |p: &Page| {
        let at = p.body.find("<html lang=\"").unwrap() + 12;
        p.body[at..at + 2].to_string()
    };
    assert_eq!(lang_of(&b.get("/login").await), "en");
    let hindi_browser = b
        .send(
            b.http
                .get(format!("{}/login", b.base))
                .header("Accept-Language", "hi-IN,hi;q=0.9,en;q=0.8"),
        )
        .await;
    assert_eq!(lang_of(&hindi_browser), "hi");
    assert!(hindi_browser.body.contains("ईमेल") && hindi_browser.body.contains("पासवर्ड"));
    assert!(
        b.cookie("signet_lang").is_none(),
        "a browser's language is not stored"
    );

    let chosen = b.get("/login?lang=hi").await;
    assert_eq!(lang_of(&chosen), "hi");
    assert_eq!(b.cookie("signet_lang").as_deref(), Some("hi"));
    assert!(
        chosen.body.contains("href=\"/login?lang=en\""),
        "the switch keeps the page"
    );
    assert_eq!(lang_of(&b.get("/login").await), "hi", "remembered");
    let english_browser = b
        .send(
            b.http
                .get(format!("{}/login", b.base))
                .header("Accept-Language", "en"),
        )
        .await;
    assert_eq!(
        lang_of(&english_browser),
        "hi",
        "the choice wins over the browser"
    );
    assert_eq!(lang_of(&b.get("/login?lang=en").await), "en");
    assert_eq!(
        lang_of(&b.get("/login?lang=xx").await),
        "en",
        "unknown: as before"
    );
}

/// The journey in Chromium: setup from the log's link, sign in by the accessible names, Hindi,
/// every section, an invitation, sign out; screenshots at 1280 and 390 px, axe-core on each.
async fn the_dashboard_in_chromium(db: Db) {
    let (server, log) = server_with_log(db, "chromium", &[]);
    let link = setup_links(&log).remove(0);
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = common::browser_script("dashboard_auth.cjs")
        .env("BASE_URL", &server.url)
        .env("SETUP_URL", format!("{}{link}", server.url))
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("node runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "the browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));

    // What the browser did is what the server holds: the invited user is listed.
    let b = Browser::new(&server);
    b.sign_in("asha@acme.test", "correct horse battery")
        .await
        .assert_redirect("/app/documents");
    let users = b.get("/app/users").await.body;
    assert!(users.contains("ravi@acme.test"), "{users}");
    let _ = std::fs::remove_file(&log);
}
