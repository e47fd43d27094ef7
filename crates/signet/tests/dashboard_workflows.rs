//! The Workflows screens on a real `signet serve`, over real HTTP, on both databases: the
//! editor's form without JavaScript (slots and boxes added and removed, nothing saved until
//! Save), validation errors next to their fields, publish, edits of a published workflow kept
//! as a draft, archive, clone, the request payload, Run with a PDF upload and the sender it
//! records, a viewer's and another account's refusals. Then the editor in Chromium
//! (tests/dashboard_workflows.cjs).

mod common;

use std::collections::BTreeMap;

use common::dashboard::{Browser, Page, create_account_with_admin, create_user};
use common::{Db, Server, pdf_with_pages};
use serde_json::{Value, json};

impl Browser {
    async fn post_pairs(&self, path: &str, form: &[(String, String)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// A `multipart/form-data` post: text fields, then the PDF as `pdf`.
    async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        pdf: Option<&[u8]>,
    ) -> Page {
        let boundary = "----signet-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"{}\"\r\nContent-Type: application/pdf\r\n\r\n",
                if pdf.is_some() { "loan.pdf" } else { "" }
            )
            .as_bytes(),
        );
        body.extend_from_slice(pdf.unwrap_or_default());
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(req).await
    }
}

/// `signet account create --admin-email`: the account's token and its admin's password.
fn account_with_admin(server: &Server, name: &str, email: &str) -> (Value, String) {
    create_account_with_admin(server, name, email)
}

fn create_viewer(server: &Server, account: &str, email: &str, password: &str) {
    let (ok, _, err) = create_user(server, account, email, "viewer", password);
    assert!(ok, "{err}");
}

/// Every named field of the page's `#workflow-form` as it would be posted: inputs (checkboxes
/// only when checked, never disabled ones or the file), textareas; no buttons.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let start = html
        .find("<form id=\"workflow-form\"")
        .expect("the editor's form");
    let end = start + html[start..].find("</form>").unwrap();
    let form = &html[start..end];
    let mut out = Vec::new();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(unescape(&tag[at..at + tag[at..].find('"')?]))
    };
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..=end];
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_default();
            let checked = tag.contains(" checked");
            let disabled = tag.contains(" disabled");
            if let Some(name) = attr(tag, "name")
                && !disabled
                && kind != "file"
                && (kind != "checkbox" || checked)
            {
                let value = attr(tag, "value").unwrap_or_else(|| "on".into());
                out.push((name, value));
            }
        } else if tag.starts_with("<textarea") {
            let name = attr(tag, "name").unwrap();
            let close = rest.find("</textarea>").unwrap();
            out.push((name, unescape(&rest[end + 1..close])));
        }
        rest = &rest[end + 1..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x22;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The form's fields with `changes` applied (a field set to a new value, or added), plus the
/// button pressed.
fn with(
    fields: &[(String, String)],
    changes: &[(&str, &str)],
    action: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields.to_vec();
    for (k, v) in changes {
        match out.iter_mut().find(|(name, _)| name == k) {
            Some(f) => f.1 = v.to_string(),
            None => out.push((k.to_string(), v.to_string())),
        }
    }
    out.push(("action".into(), action.into()));
    out
}

/// The id of the workflow a redirect names.
fn profile_of(location: &str) -> String {
    let rest = location.strip_prefix("/app/workflows/").unwrap();
    rest.split(['?', '/']).next().unwrap().to_string()
}

/// An input's opening tag by its id.
fn input_tag<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

async fn list_total(server: &Server, token: &str) -> i64 {
    server.client(token).get("/api/signet/workflows").await.ok()["total"]
        .as_i64()
        .unwrap()
}

/// The editor without JavaScript: a signer and a reviewer, boxes and slots added and removed by
/// its buttons (nothing saved), refusals next to their fields (nothing saved), then Save,
/// Publish, edits kept as a draft while the API and Run use the published version, Archive,
/// Clone and the payload.
async fn the_editor_without_javascript(db: Db) {
    let server = Server::start(db);
    let (acct, password) = account_with_admin(&server, "Acme Lending", "asha@acme.test");
    let token = acct["authToken"].as_str().unwrap().to_string();
    let api = server.client(&token);
    let b = Browser::new(&server);
    b.sign_in("asha@acme.test", &password)
        .await
        .assert_redirect("/app/documents");

    let list = b.get("/app/workflows").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("New workflow"), "{}", list.body);
    let new = b.get("/app/workflows/new").await;
    assert_eq!(new.status, 200);
    let fields = form_fields(&new.body);

    // The buttons change the form and save nothing.
    let p = b
        .post_pairs(
            "/app/workflows/new",
            &with(
                &fields,
                &[("name", "Loan agreement"), ("slot-0-label", "Borrower")],
                "add-reviewer",
            ),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("data-kind=\"reviewer\""));
    assert!(input_tag(&p.body, "slot-1-label").contains("autofocus"));
    let mut fields = form_fields(&p.body);
    fields.retain(|(k, _)| k != "slot-1-label");
    fields.push(("slot-1-label".into(), "Lender".into()));
    let p = b
        .post_pairs("/app/workflows/new", &with(&fields, &[], "add-box:0"))
        .await;
    assert!(p.body.contains("name=\"slot-0-box-0-page\""), "{}", p.body);
    let p = b
        .post_pairs(
            "/app/workflows/new",
            &with(&form_fields(&p.body), &[], "add-box:0"),
        )
        .await;
    assert!(p.body.contains("name=\"slot-0-box-1-page\""));
    let p = b
        .post_pairs(
            "/app/workflows/new",
            &with(
                &form_fields(&p.body),
                &[("slot-0-box-1-x", "300")],
                "remove-box:0:0",
            ),
        )
        .await;
    assert!(!p.body.contains("name=\"slot-0-box-1-page\""));
    assert_eq!(
        form_fields(&p.body)
            .iter()
            .find(|(k, _)| k == "slot-0-box-0-x")
            .unwrap()
            .1,
        "300",
        "the later box moved up"
    );
    let p = b
        .post_pairs(
            "/app/workflows/new",
            &with(&form_fields(&p.body), &[], "add-signer"),
        )
        .await;
    assert!(p.body.contains("name=\"slot-2-label\""));
    let p = b
        .post_pairs(
            "/app/workflows/new",
            &with(&form_fields(&p.body), &[], "up:2"),
        )
        .await;
    assert!(input_tag(&p.body, "slot-1-label").contains("Signer 3"));
    let p = b
        .post_pairs(
            "/app/workflows/new",
            &with(&form_fields(&p.body), &[], "remove-slot:1"),
        )
        .await;
    assert!(!p.body.contains("name=\"slot-2-label\""));
    assert!(input_tag(&p.body, "slot-1-label").contains("Lender"));
    assert_eq!(list_total(&server, &token).await, 0, "nothing saved yet");
    let good = form_fields(&p.body);

    // Refusals: next to the field, in words, nothing saved.
    for (changes, field, words) in [
        (vec![("slot-0-label", "")], "slot-0-label", "Enter a label"),
        (
            vec![("slot-0-box-0-page", "1-3")],
            "slot-0-box-0-page",
            "Use A (all pages)",
        ),
        (
            vec![("slot-0-box-0-x", "abc")],
            "slot-0-box-0-x",
            "Enter a number.",
        ),
        (
            vec![("slot-0-box-0-width", "0")],
            "slot-0-box-0-x",
            "Width and Height more than 0",
        ),
        (vec![("expiry_days", "9999")], "expiry_days", "3650"),
        (
            vec![("slot-1-webhook-success", "ftp://x")],
            "slot-1-webhook-success",
            "https://",
        ),
        (
            vec![
                ("slot-0-header-0-name", "Content-Type"),
                ("slot-0-header-0-value", "x"),
            ],
            "slot-0-header-0-name",
            "Header names",
        ),
    ] {
        let p = b
            .post_pairs("/app/workflows/new", &with(&good, &changes, "save"))
            .await;
        assert_eq!(p.status, 400, "{changes:?}: {}", p.body);
        let tag = input_tag(&p.body, field);
        assert!(tag.contains("aria-invalid=\"true\""), "{changes:?}: {tag}");
        let error_id = if changes[0].0.ends_with("width") {
            "slot-0-box-0-error".to_string()
        } else {
            format!("{field}-error")
        };
        assert!(tag.contains(&error_id), "{changes:?}: {tag}");
        let at = p
            .body
            .find(&format!("id=\"{error_id}\""))
            .unwrap_or_else(|| panic!("{changes:?}: no #{error_id}"));
        assert!(
            p.body[at..at + 400].contains(words),
            "{changes:?}: {}",
            &p.body[at..at + 400]
        );
        assert!(p.body.contains("role=\"alert\""));
    }
    // In Hindi, in Hindi words.
    let p = b
        .post_pairs(
            "/app/workflows/new?lang=hi",
            &with(&good, &[("slot-0-label", "")], "save"),
        )
        .await;
    assert!(p.body.contains("अधिकतम 100 अक्षरों का लेबल"), "{}", p.body);
    b.get("/app/workflows?lang=en").await;
    assert_eq!(
        list_total(&server, &token).await,
        0,
        "nothing saved after refusals"
    );

    // Save, with the box placed in decimals and a webhook header.
    let saved = b
        .post_pairs(
            "/app/workflows/new",
            &with(
                &good,
                &[
                    ("slot-0-box-0-page", "L"),
                    ("slot-0-box-0-x", "50.5"),
                    ("slot-0-box-0-y", "60"),
                    ("slot-0-box-0-width", "200"),
                    ("slot-0-box-0-height", "60"),
                    ("slot-0-header-0-name", "X-Api-Key"),
                    ("slot-0-header-0-value", "secret"),
                    ("slot-0-verify", "verifyName"),
                    ("message", "Please sign"),
                ],
                "save",
            ),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = profile_of(&saved.location);
    assert!(
        saved.location.ends_with("?notice=saved"),
        "{}",
        saved.location
    );
    let w = api
        .get(&format!("/api/signet/workflows/{id}"))
        .await
        .ok()
        .clone();
    assert_eq!(w["status"], "draft");
    assert_eq!(w["name"], "Loan agreement");
    assert_eq!(w["message"], "Please sign");
    assert_eq!(w["invitees"][0]["label"], "Borrower");
    assert_eq!(w["invitees"][0]["inviteeType"], "Signer");
    assert_eq!(
        w["invitees"][0]["appearances"],
        json!([{"page": "L", "x1": 50.5, "y1": 60.0, "x2": 250.5, "y2": 120.0}])
    );
    assert_eq!(
        w["invitees"][0]["webhookHeaders"],
        json!({"X-Api-Key": "secret"})
    );
    assert_eq!(
        w["invitees"][0]["verification"],
        json!({"verifyName": true})
    );
    assert_eq!(w["invitees"][1]["inviteeType"], "Reviewer");
    assert_eq!(w["invitees"][1]["label"], "Lender");

    // The page shows it back as saved; saving it unchanged changes nothing.
    let page = b.get(&saved.location).await;
    assert!(page.body.contains("Saved."));
    let fields = form_fields(&page.body);
    let same = b
        .post_pairs(&format!("/app/workflows/{id}"), &with(&fields, &[], "save"))
        .await;
    assert_eq!(same.status, 303);
    let again = api
        .get(&format!("/api/signet/workflows/{id}"))
        .await
        .ok()
        .clone();
    assert_eq!(again["invitees"], w["invitees"]);

    // Publish.
    let published = b
        .post_pairs(
            &format!("/app/workflows/{id}"),
            &with(&fields, &[], "publish"),
        )
        .await;
    assert_eq!(
        published.location,
        format!("/app/workflows/{id}?notice=published")
    );
    assert_eq!(
        api.get(&format!("/api/signet/workflows/{id}")).await.ok()["status"],
        "published"
    );

    // Edits of a published workflow are a draft: the API and sends keep the published one.
    let edited = b
        .post_pairs(
            &format!("/app/workflows/{id}"),
            &with(
                &fields,
                &[("name", "Loan agreement v2"), ("slot-0-box-0-x", "70")],
                "save",
            ),
        )
        .await;
    assert_eq!(edited.location, format!("/app/workflows/{id}?notice=draft"));
    let page = b.get(&edited.location).await;
    assert!(
        page.body.contains("Draft changes not published"),
        "{}",
        page.body
    );
    assert!(
        input_tag(&page.body, "name").contains("Loan agreement v2"),
        "the editor shows the draft"
    );
    let live = api
        .get(&format!("/api/signet/workflows/{id}"))
        .await
        .ok()
        .clone();
    assert_eq!(live["name"], "Loan agreement");
    assert_eq!(live["status"], "published");
    assert_eq!(live["invitees"][0]["appearances"][0]["x1"], 50.5);
    let (doc, _) = common::send_pdf(
        &api,
        &id,
        "Sent while a draft waits",
        None,
        &json!([{"name": "Ravi", "email": "ravi@example.com"}, {"name": "Lena", "email": "lena@example.com"}]),
    )
    .await;
    let details = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={doc}&workflow=true&sender=true"
        ))
        .await;
    assert_eq!(details.ok()["workflow"]["name"], "Loan agreement");
    assert_eq!(
        details.ok()["sender"]["name"],
        "Acme Lending (API)",
        "the API's sends report the account"
    );
    let list = b.get("/app/workflows").await;
    assert!(list.body.contains("Draft changes not published"));

    // The payload download is the API's payload.
    let download = b.get(&format!("/app/workflows/{id}/payload")).await;
    assert_eq!(download.status, 200);
    let downloaded: Value = serde_json::from_str(&download.body).unwrap();
    let from_api = api
        .get(&format!("/api/signet/workflows/{id}/payload"))
        .await
        .ok()
        .clone();
    assert_eq!(downloaded, from_api);
    assert!(page.body.contains("Download request payload"));
    assert!(
        page.body.contains("/api/v3.0/sign/request"),
        "the curl example"
    );

    // Publishing the draft makes it the version documents use.
    let page_fields = form_fields(&page.body);
    let p = b
        .post_pairs(
            &format!("/app/workflows/{id}"),
            &with(&page_fields, &[], "publish"),
        )
        .await;
    assert_eq!(p.status, 303);
    let live = api
        .get(&format!("/api/signet/workflows/{id}"))
        .await
        .ok()
        .clone();
    assert_eq!(live["name"], "Loan agreement v2");
    assert_eq!(live["invitees"][0]["appearances"][0]["x1"], 70.0);
    assert!(
        !b.get(&format!("/app/workflows/{id}"))
            .await
            .body
            .contains("Draft changes not published")
    );
    let (doc2, _) = common::send_pdf(&api, &id, "After", None, &json!([{"name": "Ravi", "email": "ravi@example.com"}, {"name": "Lena", "email": "lena@example.com"}])).await;
    let d1 = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={doc}&workflow=true"
        ))
        .await;
    let d2 = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={doc2}&workflow=true"
        ))
        .await;
    assert_eq!(
        d1.ok()["workflow"]["name"],
        "Loan agreement",
        "a sent document keeps its copy"
    );
    assert_eq!(d2.ok()["workflow"]["name"], "Loan agreement v2");

    // The API's replace is the whole workflow: a draft left by the dashboard goes with it, so
    // publishing later cannot undo the replacement.
    let page = b.get(&format!("/app/workflows/{id}")).await;
    let drafted = b
        .post_pairs(
            &format!("/app/workflows/{id}"),
            &with(
                &form_fields(&page.body),
                &[("name", "Loan agreement v3")],
                "save",
            ),
        )
        .await;
    assert_eq!(
        drafted.location,
        format!("/app/workflows/{id}?notice=draft")
    );
    let mut replacement = api
        .get(&format!("/api/signet/workflows/{id}"))
        .await
        .ok()
        .clone();
    for generated in ["profileId", "status", "published", "createdAt", "updatedAt"] {
        replacement.as_object_mut().unwrap().remove(generated);
    }
    replacement["requireSigningOrder"] = false.into();
    let put = api
        .send(
            "PUT",
            &format!("/api/signet/workflows/{id}"),
            Some(&replacement),
        )
        .await;
    assert_eq!(put.ok()["requireSigningOrder"], false);
    assert!(
        !b.get(&format!("/app/workflows/{id}"))
            .await
            .body
            .contains("Draft changes not published"),
        "the draft went with the replacement"
    );
    let republished = api
        .post(&format!("/api/signet/workflows/{id}/publish"), &json!({}))
        .await;
    assert_eq!(
        republished.ok()["name"],
        "Loan agreement v2",
        "not the draft's v3"
    );
    assert_eq!(republished.ok()["requireSigningOrder"], false);

    // Clone: a new draft with the same slots.
    let csrf = page.csrf();
    let cloned = b
        .post(
            &format!("/app/workflows/{id}/clone"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(cloned.status, 303);
    let copy = profile_of(&cloned.location);
    assert_ne!(copy, id);
    let c = api
        .get(&format!("/api/signet/workflows/{copy}"))
        .await
        .ok()
        .clone();
    assert_eq!(c["status"], "draft");
    assert_eq!(c["name"], "Loan agreement v2 (copy)");
    assert_eq!(c["invitees"], live["invitees"]);

    // Archive: no more sends, no more form.
    let archived = b
        .post(
            &format!("/app/workflows/{id}/archive"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(
        archived.location,
        format!("/app/workflows/{id}?notice=archived")
    );
    assert_eq!(
        api.get(&format!("/api/signet/workflows/{id}")).await.ok()["status"],
        "archived"
    );
    let page = b.get(&archived.location).await;
    assert!(!page.body.contains("id=\"workflow-form\""));
    assert!(page.body.contains("Archived"));
    let refused = b
        .post_pairs(
            &format!("/app/workflows/{id}"),
            &with(&page_fields, &[], "save"),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
}

/// Run: a PDF uploaded with the people of each slot lands on the document's page, and details
/// report the user who sent it. Refusals are shown next to their fields and send nothing.
async fn run_sends_as_the_user(db: Db) {
    let server = Server::start(db);
    let (acct, password) = account_with_admin(&server, "Acme Lending", "asha@acme.test");
    let token = acct["authToken"].as_str().unwrap().to_string();
    let api = server.client(&token);
    let id = common::create_workflow(
        &api,
        &json!({
            "name": "Loan agreement", "publish": true,
            "invitees": [
                {"label": "Borrower", "inviteeType": "Signer",
                 "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]},
                {"label": "Lender", "inviteeType": "Reviewer"}
            ]
        }),
    )
    .await;
    let b = Browser::new(&server);
    b.sign_in("asha@acme.test", &password).await;
    let page = b.get(&format!("/app/workflows/{id}/run")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for label in [
        "Document name",
        "IRN",
        "PDF file",
        "<legend>Borrower</legend>",
        "<legend>Lender</legend>",
        "Phone",
        ">Send<",
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    let at = page.body.find("enctype=\"multipart/form-data\"").unwrap();
    let form_start = page.body[..at].rfind("<form").unwrap();
    let action = &page.body[form_start..at];
    let action =
        unescape(&action[action.find("action=\"").unwrap() + 8..action.rfind('"').unwrap()]);
    assert!(action.contains("?csrf="), "{action}");

    let people = [
        ("slot-0-name", "Ravi Kumar"),
        ("slot-0-email", "ravi@example.com"),
        ("slot-1-name", "Lena"),
        ("slot-1-phone", "9876543210"),
        ("document_name", "Loan 42"),
        ("irn", "LN-42"),
    ];
    // Without the token in the address: refused, nothing sent.
    let no_token = b
        .post_multipart(
            &format!("/app/workflows/{id}/run"),
            &people,
            Some(&pdf_with_pages(2)),
        )
        .await;
    assert_eq!(no_token.status, 403);
    // Refusals next to their fields.
    let no_file = b.post_multipart(&action, &people, None).await;
    assert_eq!(no_file.status, 400, "{}", no_file.body);
    assert!(input_tag(&no_file.body, "pdf").contains("aria-invalid=\"true\""));
    assert!(no_file.body.contains("Choose a PDF file."));
    assert!(
        input_tag(&no_file.body, "slot-0-name").contains("Ravi Kumar"),
        "the form keeps what was typed"
    );
    let mut bad_phone = people.to_vec();
    bad_phone[3] = ("slot-1-phone", "12");
    let p = b
        .post_multipart(&action, &bad_phone, Some(&pdf_with_pages(2)))
        .await;
    assert_eq!(p.status, 400);
    assert!(
        input_tag(&p.body, "slot-1-phone").contains("aria-invalid=\"true\""),
        "{}",
        p.body
    );
    let p = b.post_multipart(&action, &people, Some(b"not a pdf")).await;
    assert_eq!(p.status, 400);
    assert!(input_tag(&p.body, "pdf").contains("aria-invalid=\"true\""));
    // Over the size limit: refused at the file field before the body is read.
    let huge = vec![b'%'; 16 * 1024 * 1024];
    let p = b.post_multipart(&action, &people, Some(&huge)).await;
    assert_eq!(p.status, 413, "{}", p.body);
    assert!(input_tag(&p.body, "pdf").contains("aria-invalid=\"true\""));
    let listed = api.get("/api/v3.0/sign/request/list").await;
    assert_eq!(listed.ok()["total"], 0, "nothing sent: {:?}", listed.ok());

    // Sent: to the document's page; details name the sender.
    let sent = b
        .post_multipart(&action, &people, Some(&pdf_with_pages(2)))
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let doc = sent
        .location
        .strip_prefix("/app/documents/")
        .unwrap()
        .to_string();
    assert_eq!(doc.len(), 26);
    let landing = b.get(&sent.location).await;
    assert_eq!(landing.status, 200, "the document's page");
    assert!(landing.body.contains("Loan 42") && landing.body.contains("Ravi Kumar"));
    let d = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={doc}&sender=true&workflow=true"
        ))
        .await;
    let d = d.ok();
    assert_eq!(d["sender"]["name"], "asha");
    assert_eq!(d["document"]["name"], "Loan 42");
    assert_eq!(d["irn"], "LN-42");
    assert_eq!(d["invitations"][0]["email"], "ravi@example.com");
    assert_eq!(d["invitations"][1]["phone"], "9876543210");
    let v30 = api
        .get(&format!(
            "/api/v3.0/document/details?documentId={doc}&file=false"
        ))
        .await;
    assert_eq!(v30.ok()["senderName"], "asha");

    // A draft workflow cannot be run.
    let draft = api
        .post(
            "/api/signet/workflows",
            &json!({"name": "Draft", "invitees": [{"label": "A", "inviteeType": "Signer"}]}),
        )
        .await
        .ok()["profileId"]
        .as_str()
        .unwrap()
        .to_string();
    let page = b.get(&format!("/app/workflows/{draft}/run")).await;
    assert!(page.body.contains("not published"));
    assert!(!page.body.contains("enctype"));
}

/// A viewer reads but gets no forms, and their posts are refused; another account's workflow
/// is not found, whatever the path.
async fn viewers_and_other_accounts(db: Db) {
    let server = Server::start(db);
    let (acct, _) = account_with_admin(&server, "Acme Lending", "asha@acme.test");
    let api = server.client(acct["authToken"].as_str().unwrap());
    let id = common::create_workflow(
        &api,
        &json!({"name": "Loan", "publish": true, "invitees": [{"label": "Borrower", "inviteeType": "Signer"}]}),
    )
    .await;
    create_viewer(
        &server,
        acct["accountId"].as_str().unwrap(),
        "vera@acme.test",
        "viewer password 1",
    );
    let v = Browser::new(&server);
    v.sign_in("vera@acme.test", "viewer password 1").await;
    let list = v.get("/app/workflows").await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains("/app/workflows/new"));
    let page = v.get(&format!("/app/workflows/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"workflow-form\""));
    assert_eq!(
        page.body.matches("<form").count(),
        1,
        "only Sign out: {}",
        page.body
    );
    assert!(page.body.contains("Download request payload"));
    assert_eq!(
        v.get(&format!("/app/workflows/{id}/payload")).await.status,
        200
    );
    assert_eq!(v.get("/app/workflows/new").await.status, 403);
    assert_eq!(v.get(&format!("/app/workflows/{id}/run")).await.status, 403);
    let csrf = page.csrf();
    for path in [
        "/app/workflows/new".to_string(),
        format!("/app/workflows/{id}"),
        format!("/app/workflows/{id}/archive"),
        format!("/app/workflows/{id}/clone"),
    ] {
        let p = v
            .post(
                &path,
                &[("csrf", csrf.as_str()), ("action", "save"), ("name", "x")],
            )
            .await;
        assert_eq!(p.status, 403, "{path}");
    }
    let run = v
        .post_multipart(
            &format!("/app/workflows/{id}/run?csrf={csrf}"),
            &[("document_name", "x")],
            Some(&pdf_with_pages(1)),
        )
        .await;
    assert_eq!(run.status, 403);
    assert_eq!(
        api.get(&format!("/api/signet/workflows/{id}")).await.ok()["name"],
        "Loan"
    );

    // Another account's admin: 404 everywhere.
    let (_, other_password) = account_with_admin(&server, "Other Bank", "omar@other.test");
    let o = Browser::new(&server);
    o.sign_in("omar@other.test", &other_password).await;
    for path in [
        format!("/app/workflows/{id}"),
        format!("/app/workflows/{id}/payload"),
        format!("/app/workflows/{id}/run"),
    ] {
        assert_eq!(o.get(&path).await.status, 404, "{path}");
    }
    let csrf = o.session_csrf().await;
    for path in [
        format!("/app/workflows/{id}"),
        format!("/app/workflows/{id}/archive"),
        format!("/app/workflows/{id}/clone"),
    ] {
        let p = o
            .post(&path, &[("csrf", csrf.as_str()), ("action", "save")])
            .await;
        assert_eq!(p.status, 404, "{path}");
    }
    let run = o
        .post_multipart(
            &format!("/app/workflows/{id}/run?csrf={csrf}"),
            &[("document_name", "x")],
            Some(&pdf_with_pages(1)),
        )
        .await;
    assert_eq!(run.status, 404);
    assert!(!o.get("/app/workflows").await.body.contains(&id));
    assert_eq!(
        api.get(&format!("/api/signet/workflows/{id}")).await.ok()["status"],
        "published"
    );
}

on_both_databases!(
    the_editor_in_chromium,
    the_editor_without_javascript,
    run_sends_as_the_user,
    viewers_and_other_accounts
);

/// The editor in Chromium (tests/dashboard_workflows.cjs): a workflow made by the accessible
/// names, a box placed by mouse and by its fields on a sample PDF, published, its payload sent
/// with the API, run from the dashboard, and the box on the invitee's signing page where it
/// was placed. What the browser did is then read back over the API.
async fn the_editor_in_chromium(db: Db) {
    let server = Server::start(db);
    let (acct, password) = account_with_admin(&server, "Acme Lending", "asha@acme.test");
    let token = acct["authToken"].as_str().unwrap().to_string();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let shots = dir.join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // Both databases run at once in one process: a file each.
    let pdf = dir.join(format!(
        "workflows-sample-{}-{db:?}.pdf",
        std::process::id()
    ));
    std::fs::write(&pdf, pdf_with_pages(2)).unwrap();
    let downloads = dir.join(format!("workflow-downloads-{db:?}"));
    std::fs::create_dir_all(&downloads).unwrap();
    let out = common::browser_script("dashboard_workflows.cjs")
        .env("DOWNLOADS", &downloads)
        .env("BASE_URL", &server.url)
        .env("EMAIL", "asha@acme.test")
        .env("PASSWORD", &password)
        .env("TOKEN", &token)
        .env("PDF", &pdf)
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("node runs (scripts/test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the browser journey failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    let _ = std::fs::remove_file(&pdf);
    let ids: BTreeMap<&str, &str> = stdout
        .lines()
        .find(|l| l.starts_with("profile="))
        .unwrap()
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .collect();

    let api = server.client(&token);
    let w = api
        .get(&format!("/api/signet/workflows/{}", ids["profile"]))
        .await
        .ok()
        .clone();
    assert_eq!(w["status"], "published");
    assert_eq!(w["expiryDays"], 7);
    assert_eq!(w["requireSigningOrder"], true);
    assert_eq!(w["invitees"][0]["label"], "Borrower");
    assert_eq!(w["invitees"][1]["inviteeType"], "Reviewer");
    assert_eq!(
        w["invitees"][0]["appearances"],
        json!([{"page": "1", "x1": 100.0, "y1": 180.0, "x2": 300.0, "y2": 240.0}])
    );
    assert_eq!(
        w["invitees"][0]["webhook"]["success"],
        "https://example.com/hooks/ok"
    );
    for (doc, sender, status) in [
        (ids["api"], "Acme Lending (API)", "Sent"),
        (ids["run"], "asha", "Completed"),
    ] {
        let d = api
            .get(&format!(
                "/api/v3.3/document/details?documentId={doc}&sender=true"
            ))
            .await;
        assert_eq!(d.ok()["sender"]["name"], sender);
        assert_eq!(d.ok()["documentStatus"], status);
    }

    // What the dashboard let the browser download: the signed PDF, judged by our verifier,
    // pdfsig and pyHanko, and the audit trail, sealed.
    let root_pem = server.root_pem().await;
    let roots = signet_pdf::keys::load_certificates_pem(&root_pem).unwrap();
    let signed_path = downloads.join("signed.pdf");
    let signed = std::fs::read(&signed_path).unwrap();
    let report =
        signet_pdf::verify::verify(&signed, &roots, &signet_pdf::Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert!(report.all_good(), "{report:#?}");
    assert_eq!(report.signatures[0].name.as_deref(), Some("Ravi Kumar"));
    assert_eq!(common::pdfsig_valid(&signed_path), 1);
    let root_file = downloads.join("root.pem");
    std::fs::write(&root_file, &root_pem).unwrap();
    let audit_path = downloads.join("audit-trail.pdf");
    common::pyhanko_validates(&root_file, &[signed_path, audit_path.clone()]);
    assert_eq!(common::pdfsig_valid(&audit_path), 1);
}
