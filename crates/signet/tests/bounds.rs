//! Every input's bound (README.md's "Limits" table), over HTTP against the real binary on
//! SQLite and PostgreSQL: each refusal has its code and names its field, and nothing is
//! stored for it. Also what bounds protect: the signed output of the worst workflow allowed
//! stays within the stated margin, and pages with absurd boxes are refused or signed into
//! files `qpdf --check` accepts.

mod common;

use common::{Client, Db, Server, base64, pdf_from_objects, pdf_with_pages};
use serde_json::{Value, json};

fn signer(appearances: Value) -> Value {
    json!({"label": "Borrower", "inviteeType": "Signer", "appearances": appearances})
}

fn rect(page: &str) -> Value {
    json!({"page": page, "x1": 50, "y1": 50, "x2": 250, "y2": 110})
}

fn workflow(invitees: Value) -> Value {
    json!({"name": "Loan agreement", "invitees": invitees})
}

fn good_workflow() -> Value {
    workflow(json!([
        {"label": "Borrower", "inviteeType": "Signer", "appearances": [rect("L")],
         "webhookHeaders": {"X-Api-Key": "secret"}, "verification": {"verifyName": true},
         "redirectUrl": "https://example.com/done"},
        {"label": "Lender", "inviteeType": "Reviewer"}
    ]))
}

fn page_list(n: usize, from: usize) -> String {
    (from..from + n)
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The refusal's code and message.
async fn refused(api: &Client, method: &str, path: &str, body: &Value) -> (String, String) {
    let reply = api.send(method, path, Some(body)).await;
    let code = reply.code().to_string();
    let message = reply.body["messages"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    (code, message)
}

async fn oversized_workflows_are_refused(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let kept = api.post("/api/signet/workflows", &good_workflow()).await;
    let id = kept.ok()["profileId"].as_str().unwrap().to_string();

    type Change = Box<dyn Fn(&mut Value)>;
    let slot0 = |f: fn(&mut Value)| -> Change { Box::new(move |v| f(&mut v["invitees"][0])) };
    let cases: Vec<(Change, &str, &str)> = vec![
        // The upload that became a 138 MB file: 20,000 marks for one signature.
        (
            slot0(|s| s["appearances"] = Value::Array(vec![rect("A"); 20_000])),
            "workflow.appearances.too.many",
            "invitees[0].appearances",
        ),
        (
            slot0(|s| s["appearances"] = Value::Array(vec![rect("A"); 21])),
            "workflow.appearances.too.many",
            "invitees[0].appearances",
        ),
        (
            Box::new(|v| {
                v["invitees"] = Value::Array(vec![signer(Value::Array(vec![rect("F"); 20])); 6])
            }),
            "workflow.appearances.too.many",
            "per workflow",
        ),
        (
            Box::new(|v| v["invitees"] = Value::Array(vec![signer(json!([])); 51])),
            "workflow.invitees.invalid",
            "invitees",
        ),
        (
            slot0(|s| s["appearances"][0]["page"] = page_list(501, 1).into()),
            "workflow.appearance.page.invalid",
            "invitees[0].appearances[0].page",
        ),
        // 600 distinct pages for one signature, whatever the document.
        (
            slot0(|s| {
                s["appearances"] = json!([rect(&page_list(300, 1)), rect(&page_list(300, 301))])
            }),
            "workflow.placements.too.many",
            "invitees[0].appearances",
        ),
        // 5 x 450: each signature within its bound, the document over its own.
        (
            Box::new(|v| {
                v["invitees"] = Value::Array(vec![signer(json!([rect(&page_list(450, 1))])); 5])
            }),
            "workflow.placements.too.many",
            "per document",
        ),
        (
            slot0(|s| s["appearances"][0]["x2"] = 1e308.into()),
            "workflow.appearance.rect.invalid",
            "invitees[0].appearances[0]",
        ),
        (
            slot0(|s| s["appearances"][0]["y2"] = (-1e308).into()),
            "workflow.appearance.rect.invalid",
            "invitees[0].appearances[0]",
        ),
        (
            slot0(|s| s["appearances"][0]["x1"] = (-1).into()),
            "workflow.appearance.rect.invalid",
            "invitees[0].appearances[0]",
        ),
        (
            slot0(|s| s["appearances"][0]["y1"] = 110.into()),
            "workflow.appearance.rect.invalid",
            "invitees[0].appearances[0]",
        ),
        (
            slot0(|s| s["appearances"][0]["x2"] = 14_401.into()),
            "workflow.appearance.rect.invalid",
            "invitees[0].appearances[0]",
        ),
        (
            Box::new(|v| v["message"] = "x".repeat(2_001).into()),
            "workflow.message.invalid",
            "message",
        ),
        (
            Box::new(|v| v["message"] = "Please sign\u{1b}[2J".into()),
            "workflow.message.invalid",
            "message",
        ),
        (
            slot0(|s| s["verification"] = "verifyName".into()),
            "workflow.verification.invalid",
            "invitees[0].verification",
        ),
        (
            slot0(|s| {
                s["verification"] = (0..21)
                    .map(|i| (format!("verify{i}"), Value::Bool(true)))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            }),
            "workflow.verification.invalid",
            "invitees[0].verification",
        ),
        (
            slot0(|s| s["verification"] = json!({"verifyName": {"deep": [1, 2, 3]}})),
            "workflow.verification.invalid",
            "invitees[0].verification",
        ),
        (
            slot0(|s| s["verification"] = json!({"name": "x".repeat(256)})),
            "workflow.verification.invalid",
            "invitees[0].verification",
        ),
        (
            slot0(|s| {
                s["webhookHeaders"] = (0..21)
                    .map(|i| (format!("X-H{i}"), Value::from("v")))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            }),
            "workflow.webhook.header.invalid",
            "invitees[0].webhookHeaders",
        ),
        (
            slot0(|s| s["webhookHeaders"] = json!({"X".repeat(101): "v"})),
            "workflow.webhook.header.invalid",
            "invitees[0].webhookHeaders",
        ),
        (
            slot0(|s| s["webhookHeaders"] = json!({"X-Key": "v".repeat(4_097)})),
            "workflow.webhook.header.invalid",
            "invitees[0].webhookHeaders.X-Key",
        ),
        (
            slot0(|s| s["webhookHeaders"] = json!({"X-Key": "a\r\nInjected: 1"})),
            "workflow.webhook.header.invalid",
            "invitees[0].webhookHeaders.X-Key",
        ),
        (
            Box::new(|v| v["name"] = "x".repeat(256).into()),
            "workflow.name.invalid",
            "name",
        ),
        (
            Box::new(|v| v["name"] = "Loan\u{202E}fdp.exe".into()),
            "workflow.name.invalid",
            "name",
        ),
        (
            slot0(|s| s["label"] = "Borrower\u{0}".into()),
            "workflow.invitee.label.invalid",
            "invitees[0].label",
        ),
        (
            slot0(|s| s["label"] = "x".repeat(101).into()),
            "workflow.invitee.label.invalid",
            "invitees[0].label",
        ),
        (
            slot0(|s| {
                s["redirectUrl"] = format!("https://example.com/{}", "x".repeat(2_048)).into()
            }),
            "workflow.url.invalid",
            "invitees[0].redirectUrl",
        ),
        (
            slot0(|s| {
                s["webhook"] =
                    json!({"success": format!("https://example.com/{}", "x".repeat(2_048))})
            }),
            "workflow.url.invalid",
            "invitees[0].webhook.success",
        ),
    ];
    for (change, code, field) in cases {
        let mut body = good_workflow();
        change(&mut body);
        let (got, message) = refused(&api, "POST", "/api/signet/workflows", &body).await;
        assert_eq!(got, code, "{message}");
        assert!(message.contains(field), "{code}: {message:?} names {field}");
        assert!(
            message.len() < 400,
            "a refusal does not echo the input: {message}"
        );
        // Replacing is checked the same way, and leaves the stored workflow alone.
        let path = format!("/api/signet/workflows/{id}");
        let (got, _) = refused(&api, "PUT", &path, &body).await;
        assert_eq!(got, code);
    }
    let listed = api.get("/api/signet/workflows").await;
    assert_eq!(listed.ok()["total"], 1, "nothing stored for a refusal");
    assert_eq!(
        api.get(&format!("/api/signet/workflows/{id}")).await.ok()["invitees"],
        kept.ok()["invitees"],
        "the replaced workflow is unchanged"
    );

    // At the bounds, everything is accepted: 5 slots of 20 appearances (100 for the
    // workflow), the first drawing at least 500 marks (481 listed pages and 19 more).
    let mut full = workflow(Value::Array(
        (0..5)
            .map(|i| {
                let mut s = signer(Value::Array(vec![rect("A"); 20]));
                s["label"] = format!("Signer {i}").into();
                s
            })
            .collect(),
    ));
    full["invitees"][0]["appearances"][0]["page"] = page_list(481, 1).into();
    full["invitees"][0]["appearances"][1] =
        json!({"page": "F", "x1": 0, "y1": 0, "x2": 14_400, "y2": 14_400});
    full["message"] = "x".repeat(2_000).into();
    full["name"] = "x".repeat(255).into();
    full["invitees"][0]["webhookHeaders"] = (0..20)
        .map(|i| (format!("X-H{i}"), Value::from("v".repeat(4_096))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    api.post("/api/signet/workflows", &full).await.ok();
}

/// A PDF of one page whose page dictionary holds `page` (e.g. its boxes).
fn one_page(page: &str) -> Vec<u8> {
    pdf_from_objects(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>".into(),
        format!("<< /Type /Page /Parent 2 0 R {page} >>"),
    ])
}

fn huge() -> String {
    format!("1{}.0", "0".repeat(308))
}

fn request(profile: &str, pdf: &[u8], people: usize) -> Value {
    json!({
        "profileId": profile,
        "file": {"name": "Loan agreement 42", "file": base64(pdf)},
        "invitees": (0..people)
            .map(|i| json!({"name": format!("Signer {i}"), "email": format!("s{i}@example.com")}))
            .collect::<Vec<_>>(),
    })
}

async fn document_count(api: &Client) -> u64 {
    api.get("/api/v3.0/sign/request/list").await.ok()["total"]
        .as_u64()
        .unwrap()
}

async fn create_checks_each_page_and_each_string(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let on_all_pages =
        common::create_workflow(&api, &workflow(json!([signer(json!([rect("A")]))]))).await;
    let wide = common::create_workflow(
        &api,
        &workflow(json!([signer(
            json!([{"page": "F", "x1": 400, "y1": 50, "x2": 800, "y2": 110}])
        )])),
    )
    .await;
    let five = common::create_workflow(
        &api,
        &workflow(Value::Array(vec![signer(json!([rect("A")])); 5])),
    )
    .await;
    let a4 = pdf_with_pages(1);
    let with = |profile: &str, f: fn(&mut Value)| {
        let mut r = request(profile, &a4, 1);
        f(&mut r);
        r
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        // `A` on 501 pages: 501 marks for one signature.
        (
            request(&on_all_pages, &pdf_with_pages(501), 1),
            "appearance.placements.too.many",
            "invitees[0].appearances",
        ),
        // 5 signatures of 401 marks each: 2,005 for the document.
        (
            request(&five, &pdf_with_pages(401), 5),
            "appearance.placements.too.many",
            "per document",
        ),
        // 800 points across an A4 page 595 wide.
        (
            request(&wide, &a4, 1),
            "appearance.rect.outside",
            "invitees[0].appearances[0]",
        ),
        // The crop box is what the page shows: 300 wide here.
        (
            request(
                &wide,
                &one_page("/MediaBox [0 0 595 842] /CropBox [0 0 300 842]"),
                1,
            ),
            "appearance.rect.outside",
            "page 1",
        ),
        (
            request(
                &on_all_pages,
                &one_page(&format!("/MediaBox [0 0 {h} {h}]", h = huge())),
                1,
            ),
            "file.page.box.invalid",
            "page 1",
        ),
        (
            with(&on_all_pages, |r| {
                r["file"]["name"] = "Loan\u{7}.pdf".into()
            }),
            "file.name.invalid",
            "file.name",
        ),
        (
            with(&on_all_pages, |r| {
                r["file"]["name"] = "invoice\u{202E}fdp.exe".into()
            }),
            "file.name.invalid",
            "file.name",
        ),
        (
            with(&on_all_pages, |r| {
                r["invitees"][0]["name"] = "Asha\u{85}Rao".into()
            }),
            "invitee.name.invalid",
            "invitees[0].name",
        ),
        (
            with(&on_all_pages, |r| {
                r["invitees"][0]["name"] = "\u{2066}Asha".into()
            }),
            "invitee.name.invalid",
            "invitees[0].name",
        ),
        (
            with(&on_all_pages, |r| {
                r["invitees"][0]["email"] = "a@x.com,b@y.com".into()
            }),
            "invitee.email.invalid",
            "invitees[0].email",
        ),
        (
            with(&on_all_pages, |r| {
                r["invitees"][0]["email"] = "a@[127.0.0.1]".into()
            }),
            "invitee.email.invalid",
            "invitees[0].email",
        ),
        (
            with(&on_all_pages, |r| {
                r["invitees"][0]["email"] = "Asha <a@x.com>".into()
            }),
            "invitee.email.invalid",
            "invitees[0].email",
        ),
        (
            with(&on_all_pages, |r| {
                r["invitees"][0]["email"] = "a@localhost".into()
            }),
            "invitee.email.invalid",
            "invitees[0].email",
        ),
        (
            with(&on_all_pages, |r| {
                r["cc"] = json!([{"name": "Ops", "email": "ops@x.com, boss@y.com"}])
            }),
            "cc.email.invalid",
            "cc[0].email",
        ),
        (
            with(&on_all_pages, |r| r["irn"] = "ORDER\n1".into()),
            "irn.invalid",
            "irn",
        ),
    ];
    for (body, code, field) in cases {
        let (got, message) = refused(&api, "POST", "/api/v3.0/sign/request", &body).await;
        assert_eq!(got, code, "{message}");
        assert!(message.contains(field), "{code}: {message:?} names {field}");
    }
    assert_eq!(
        document_count(&api).await,
        0,
        "nothing stored for a refusal"
    );
    let objects = server.data_dir.join("objects").join("documents");
    assert!(
        !objects.exists() || std::fs::read_dir(&objects).unwrap().next().is_none(),
        "no file was stored"
    );

    // Within the bounds: 500 marks; the wide mark on the page turned to landscape (842 wide
    // as displayed); a cc with a good address.
    api.post(
        "/api/v3.0/sign/request",
        &request(&on_all_pages, &pdf_with_pages(500), 1),
    )
    .await
    .ok();
    let landscape = one_page("/MediaBox [0 0 595 842] /Rotate 90");
    api.post("/api/v3.0/sign/request", &request(&wide, &landscape, 1))
        .await
        .ok();
    let mut with_cc = request(&on_all_pages, &a4, 1);
    with_cc["cc"] = json!([{"name": "Ops", "email": "ops@example.com"}]);
    api.post("/api/v3.0/sign/request", &with_cc).await.ok();
    assert_eq!(document_count(&api).await, 3);
}

fn typed(text: &str) -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": text}, "consent": true})
}

async fn signing_link_inputs_are_bounded(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let profile =
        common::create_workflow(&api, &workflow(json!([signer(json!([rect("L")]))]))).await;
    let (_, links) = common::send_pdf(
        &api,
        &profile,
        "Loan",
        None,
        &json!([{"name": "Asha", "email": "asha@example.com"}]),
    )
    .await;
    let invitee = server.client("");
    let path = |what: &str| format!("/api/sign/{}{what}", links[0]);
    let drawn = json!({"signatureType": "VIRTUAL_SIGN", "consent": true,
                       "mark": {"kind": "drawn", "png": "A".repeat(1_500_000)}});
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "/sign",
            typed("Asha\u{202E}oaR"),
            "signature.mark.text.invalid",
            "mark.text",
        ),
        (
            "/sign",
            typed("Asha\r\nRao"),
            "signature.mark.text.invalid",
            "mark.text",
        ),
        (
            "/sign",
            typed(&"x".repeat(101)),
            "signature.mark.text.invalid",
            "mark.text",
        ),
        (
            "/sign",
            typed(" "),
            "signature.mark.text.invalid",
            "mark.text",
        ),
        ("/sign", drawn, "signature.image.too.large", "mark.png"),
        (
            "/reject",
            json!({"reason": "no\u{1b}[2J"}),
            "reject.reason.invalid",
            "reason",
        ),
        (
            "/reject",
            json!({"reason": "x".repeat(1_001)}),
            "reject.reason.invalid",
            "reason",
        ),
    ];
    for (action, body, code, field) in cases {
        let (got, message) = refused(&invitee, "POST", &path(action), &body).await;
        assert_eq!(got, code, "{message}");
        assert!(message.contains(field), "{code}: {message:?} names {field}");
        let seen = invitee.get(&path("")).await;
        assert_eq!(seen.ok()["signed"], false);
        assert_eq!(seen.ok()["rejected"], false);
    }
    invitee.post(&path("/sign"), &typed("Asha Rao")).await.ok();
}

fn qpdf_check(file: &std::path::Path) {
    let out = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(file)
        .output()
        .expect("qpdf runs (scripts/test installs it)");
    assert_eq!(
        out.status.code(),
        Some(0),
        "qpdf --check {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Signs every slot of a document in turn; returns the final file.
async fn sign_all(server: &Server, links: &[String], mark: &Value) -> Vec<u8> {
    let invitee = server.client("");
    for link in links {
        invitee
            .post(&format!("/api/sign/{link}/sign"), mark)
            .await
            .ok();
    }
    invitee
        .http_get_bytes(&format!("/api/sign/{}/file", links[0]))
        .await
}

async fn absurd_page_boxes_sign_into_valid_files(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let profile =
        common::create_workflow(&api, &workflow(json!([signer(json!([rect("A")]))]))).await;
    let h = huge();
    let pdf = one_page(&format!(
        "/MediaBox [-{h} -{h} {h} {h}] /CropBox [0 0 595 842] /TrimBox [0 0 {h} {h}] \
         /ArtBox [0 0 99999999999999999999.5 5] /Rotate 90"
    ));
    let input = server.data_dir.join("absurd-input.pdf");
    std::fs::write(&input, &pdf).unwrap();
    qpdf_check(&input);
    let (_, links) = common::send_file(
        &api,
        &profile,
        "Boxes",
        None,
        &pdf,
        &json!([{"name": "Asha", "email": "asha@example.com"}]),
    )
    .await;
    let signed = sign_all(&server, &links, &typed("Asha Rao")).await;
    let out = server.data_dir.join("absurd-signed.pdf");
    std::fs::write(&out, &signed).unwrap();
    qpdf_check(&out);
    assert_eq!(common::pdfsig_valid(&out), 1);
}

/// The margin README.md states: what the signatures of one document add to it, at most.
/// Per signature a fixed part (signature dictionary and CMS, font subsets of a 100-character
/// mark in ten scripts, cross-reference section) and at most the engine's budget for a drawn
/// image; per mark its widget and field and the references to them in the page's and the
/// form's arrays (one appearance stream serves every mark of the same size).
const FIXED_PER_SIGNATURE: usize = 96 * 1024;
const DRAWN_IMAGE: usize = 256 * 1024;
const PER_MARK: usize = 1024;

/// 100 characters, ten from each script the engine draws: every font subset at its largest.
fn every_script() -> String {
    let mut s = String::from("ABCDEFGHIJ");
    for start in [
        0x0915u32, 0x0995, 0x0A95, 0x0A15, 0x0C95, 0x0D15, 0x0B15, 0x0C15,
    ] {
        s.extend((start..start + 10).map(|c| char::from_u32(c).unwrap()));
    }
    s.push_str("கஙசஞடணதநபம");
    assert_eq!(s.chars().count(), 100);
    s
}

/// A 500 x 500 PNG of RGBA noise, just under the 1 MiB a drawn mark may be: the image that
/// compresses worst.
fn noise_png() -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import base64,random,struct,sys,zlib\n\
             random.seed(7); w=h=500\n\
             raw=b''.join(b'\\0'+random.randbytes(w*4) for _ in range(h))\n\
             c=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d))\n\
             png=b'\\x89PNG\\r\\n\\x1a\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,6,0,0,0))\
             +c(b'IDAT',zlib.compress(raw,9))+c(b'IEND',b'')\n\
             assert len(png) < 1024*1024\n\
             sys.stdout.write(base64.b64encode(png).decode())",
        ])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The worst workflow the bounds allow: every mark a document may carry (4 signatures of 500
/// marks each, `A` on a 500-page file), each drawn with noise; and the most signers (50, one
/// mark each), each typing 100 characters in ten scripts under a name of the same.
async fn worst_allowed_output_stays_within_the_margin(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let name = every_script();
    let people = |n: usize| {
        Value::Array(
            (0..n)
                .map(|i| json!({"name": name, "email": format!("s{i}@example.com")}))
                .collect(),
        )
    };
    let drawn = json!({"signatureType": "VIRTUAL_SIGN", "consent": true,
                       "mark": {"kind": "drawn", "png": noise_png()}});
    for (slots, pages, appearances, mark) in [
        (4, 500, json!([rect("A")]), drawn),
        (50, 2, json!([rect("L")]), typed(&name)),
    ] {
        let profile = common::create_workflow(
            &api,
            &workflow(Value::Array(vec![signer(appearances); slots])),
        )
        .await;
        let pdf = pdf_with_pages(pages);
        let (_, links) =
            common::send_file(&api, &profile, "Worst", None, &pdf, &people(slots)).await;
        let started = std::time::Instant::now();
        let signed = sign_all(&server, &links, &mark).await;
        let marks = slots * if pages == 500 { 500 } else { 1 };
        let margin = slots * (FIXED_PER_SIGNATURE + DRAWN_IMAGE) + marks * PER_MARK;
        let grown = signed.len() - pdf.len();
        eprintln!(
            "{slots} signatures, {marks} marks: {} -> {} bytes (+{grown}, margin {margin}) in {:?}",
            pdf.len(),
            signed.len(),
            started.elapsed()
        );
        assert!(grown <= margin, "grew by {grown}, over the margin {margin}");
        let out = server.data_dir.join(format!("worst-{slots}.pdf"));
        std::fs::write(&out, &signed).unwrap();
        qpdf_check(&out);
        // pdfsig lists each mark's field, all naming their signature's value.
        assert_eq!(common::pdfsig_valid(&out), marks);
    }
}

on_both_databases!(
    oversized_workflows_are_refused,
    create_checks_each_page_and_each_string,
    signing_link_inputs_are_bounded,
    absurd_page_boxes_sign_into_valid_files,
    worst_allowed_output_stays_within_the_margin
);
