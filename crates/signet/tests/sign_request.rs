//! `POST /api/v3.0/sign/request` as Leegality clients call it, on SQLite and PostgreSQL.

mod common;

use common::{Client, Db, Server, base64, pdf_with_pages};
use serde_json::{Value, json};

async fn published_workflow(api: &Client, signing_order: bool) -> String {
    let w = json!({
        "name": "Loan agreement", "publish": true, "expiryDays": 10, "requireSigningOrder": signing_order,
        "invitees": [
            {"label": "Borrower", "inviteeType": "Signer", "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]},
            {"label": "Co-borrower", "inviteeType": "Signer", "appearances": [{"page": "2", "x1": 300, "y1": 50, "x2": 500, "y2": 110}]},
            {"label": "Lender", "inviteeType": "Reviewer"}
        ]
    });
    api.post("/api/signet/workflows", &w).await.ok()["profileId"]
        .as_str()
        .unwrap()
        .to_string()
}

fn request(profile: &str, pdf: &[u8]) -> Value {
    json!({
        "profileId": profile,
        "file": {"name": "Loan agreement 42", "file": base64(pdf)},
        "invitees": [
            {"name": "Asha Rao", "email": "asha@example.com", "phone": "9876543210"},
            {"name": "आशा राव", "email": "", "phone": "9876500000"},
            {"name": "Ravi Kumar", "email": "ravi@example.com"}
        ],
        "irn": "ORDER-1"
    })
}

/// `pdf` with a comment-filled incremental revision appended until it is about `size` bytes:
/// still a valid PDF, with a real size.
fn pdf_padded_to(pdf: &[u8], size: usize) -> Vec<u8> {
    let startxref = {
        let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
        let digits: String = pdf[at + 9..]
            .iter()
            .map(|b| *b as char)
            .skip_while(|c| c.is_whitespace())
            .take_while(char::is_ascii_digit)
            .collect();
        digits
    };
    let mut out = pdf.to_vec();
    while out.len() + 100 < size {
        out.extend_from_slice(&[b'%'; 1023]);
        out.push(b'\n');
    }
    // An empty update: a table with no entries that chains to the original one.
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 0\ntrailer\n<< /Size 6 /Root 1 0 R /Prev {startxref} >>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    out
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && s.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_hexdigit())
}

async fn sends_a_document(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    for signing_order in [true, false] {
        let profile = published_workflow(&api, signing_order).await;
        let reply = api
            .post(
                "/api/v3.0/sign/request/",
                &request(&profile, &pdf_with_pages(3)),
            )
            .await;
        let d = reply.ok();
        let id = d["documentId"].as_str().unwrap();
        assert_eq!(id.len(), 26);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(d["irn"], "ORDER-1");
        let expiry = d["expiryDate"].as_str().unwrap();
        assert_eq!(expiry.len(), 19, "DD-MM-YYYY HH:MM:SS: {expiry}");
        assert!(expiry.ends_with("23:59:59"));
        assert_eq!(
            d["invitations"], d["invitees"],
            "older clients read invitations"
        );
        let invitees = d["invitees"].as_array().unwrap();
        assert_eq!(invitees.len(), 3);
        for (i, inv) in invitees.iter().enumerate() {
            let url = inv["signUrl"].as_str().unwrap();
            let uuid = url
                .strip_prefix(&format!("{}/sign/", server.url))
                .expect("a signing link");
            assert!(is_uuid_v4(uuid), "{uuid}");
            assert_eq!(inv["active"], !signing_order || i == 0, "slot {i}");
            assert_eq!(inv["expiryDate"], expiry);
        }
        assert_eq!(invitees[1]["name"], "आशा राव", "by position");
        assert_eq!(invitees[1]["email"], "");
        assert_ne!(invitees[0]["signUrl"], invitees[1]["signUrl"]);
    }
}

/// Base64 wrapped in lines, as MIME encoders write it, is the same file.
async fn accepts_base64_in_lines(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let profile = published_workflow(&api, false).await;
    let pdf = pdf_with_pages(2);
    let one_line = base64(&pdf);
    let wrapped: Vec<&str> = one_line
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    let mut body = request(&profile, &pdf);
    body["file"]["file"] = format!("{}\r\n", wrapped.join("\r\n")).into();
    let sent = api.post("/api/v3.0/sign/request", &body).await;
    let id = sent.ok()["documentId"].as_str().unwrap();
    let details = api
        .get(&format!(
            "/api/v3.1/document/details?documentId={id}&file=true"
        ))
        .await;
    assert_eq!(
        details.ok()["file"],
        one_line.as_str(),
        "the stored file is the one sent"
    );
}

async fn bad_requests_are_refused_and_store_nothing(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let profile = published_workflow(&api, true).await;
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
    let good = pdf_with_pages(3);
    // A real encrypted file, made by qpdf (installed by scripts/test), with a user password.
    let encrypted_marker = {
        let plain = server.data_dir.join("plain.pdf");
        let locked = server.data_dir.join("locked.pdf");
        std::fs::write(&plain, &good).unwrap();
        let status = std::process::Command::new("qpdf")
            .args(["--encrypt", "user-secret", "owner-secret", "256", "--"])
            .arg(&plain)
            .arg(&locked)
            .status()
            .expect("qpdf runs");
        assert!(status.success());
        std::fs::read(&locked).unwrap()
    };
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|v| v["profileId"] = "nope123".into()),
            "profile.id.invalid",
        ),
        (
            Box::new(move |v| v["profileId"] = draft.clone().into()),
            "profile.id.invalid",
        ),
        (
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("profileId");
            }),
            "profile.id.required",
        ),
        (
            Box::new(|v| v["file"]["file"] = "%%%not base64%%%".into()),
            "file.base64.invalid",
        ),
        (
            Box::new(|v| v["file"]["file"] = base64(b"hello, not a PDF").into()),
            "file.not.pdf",
        ),
        (
            Box::new(move |v| v["file"]["file"] = base64(&encrypted_marker).into()),
            "file.pdf.encrypted",
        ),
        (
            Box::new(|v| v["file"]["file"] = base64(&pdf_with_pages(1)).into()),
            "appearance.page.invalid",
        ),
        (
            Box::new(|v| v["file"]["name"] = "".into()),
            "file.name.invalid",
        ),
        (
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("file");
            }),
            "file.required",
        ),
        (
            Box::new(|v| {
                v["invitees"].as_array_mut().unwrap().pop();
            }),
            "invitees.count.invalid",
        ),
        (
            Box::new(|v| v["invitees"][0]["name"] = "".into()),
            "invitee.name.invalid",
        ),
        (
            Box::new(|v| {
                v["invitees"][2]["email"] = "".into();
            }),
            "invitee.contact.required",
        ),
        (
            Box::new(|v| v["invitees"][0]["email"] = "asha@".into()),
            "invitee.email.invalid",
        ),
        (
            Box::new(|v| v["invitees"][0]["phone"] = "12345".into()),
            "invitee.phone.invalid",
        ),
        (
            Box::new(|v| v["irn"] = "x".repeat(256).into()),
            "irn.invalid",
        ),
        (
            Box::new(|v| v["stampSeries"] = "KA-100".into()),
            "stamp.series.unsupported",
        ),
        (
            Box::new(|v| v["invitees"] = "everyone".into()),
            "request.json.invalid",
        ),
    ];
    for (change, code) in cases {
        let mut body = request(&profile, &good);
        change(&mut body);
        let reply = api.post("/api/v3.0/sign/request", &body).await;
        assert_eq!(reply.code(), code, "{}", reply.body);
    }
    // Over the size limit (15 MB by default): refused before decoding, with its own code.
    let mut huge = request(&profile, &good);
    // 21.6 M base64 characters decode to 16.2 MB: under the HTTP body limit, over the PDF limit.
    huge["file"]["file"] = "A".repeat(21_600_000).into();
    assert_eq!(
        api.post("/api/v3.0/sign/request", &huge).await.code(),
        "file.too.large"
    );
    let objects = server.data_dir.join("objects").join("documents");
    assert!(
        !objects.exists() || std::fs::read_dir(&objects).unwrap().next().is_none(),
        "no file was stored"
    );
    // And a good request still goes through afterwards, also one near the size limit.
    api.post("/api/v3.0/sign/request", &request(&profile, &good))
        .await
        .ok();
    let big = pdf_padded_to(&good, 14 * 1024 * 1024);
    api.post("/api/v3.0/sign/request", &request(&profile, &big))
        .await
        .ok();
}

async fn lists_documents(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let profile = published_workflow(&api, false).await;
    let mut ids = vec![];
    for irn in ["ORDER-1", "ORDER-2", "ORDER-3"] {
        let mut body = request(&profile, &pdf_with_pages(3));
        body["irn"] = irn.into();
        body["file"]["name"] = format!("Agreement {irn}").into();
        ids.push(
            api.post("/api/v3.0/sign/request", &body).await.ok()["documentId"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let all = api.get("/api/v3.0/sign/request/list").await;
    assert_eq!(all.ok()["total"], 3);
    assert_eq!(
        all.ok()["documents"][0]["documentId"],
        ids[2].as_str(),
        "newest first"
    );
    assert_eq!(all.ok()["documents"][0]["status"], "SENT");
    let page = api.get("/api/v3.0/sign/request/list/?max=1&offset=1").await;
    assert_eq!(page.ok()["total"], 3);
    assert_eq!(page.ok()["documents"].as_array().unwrap().len(), 1);
    assert_eq!(page.ok()["documents"][0]["documentId"], ids[1].as_str());
    // q matches an irn, a name or an id exactly, ignoring case.
    for q in ["order-2", "AGREEMENT ORDER-2", &ids[1].to_lowercase()] {
        let found = api
            .get(&format!(
                "/api/v3.0/sign/request/list?q={}",
                q.replace(' ', "%20")
            ))
            .await;
        assert_eq!(found.ok()["total"], 1, "{q}");
        assert_eq!(found.ok()["documents"][0]["irn"], "ORDER-2");
    }
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?q=ORDER").await.ok()["total"],
        0,
        "exact, not partial"
    );
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?status=completed")
            .await
            .ok()["total"],
        0
    );
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?max=500").await.ok()["documents"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?status=LOST")
            .await
            .code(),
        "status.invalid"
    );
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?max=ten").await.code(),
        "max.invalid"
    );
    let other = server.client(&server.create_account("Other").token);
    assert_eq!(
        other.get("/api/v3.0/sign/request/list").await.ok()["total"],
        0
    );

    // Totals of full pages and of pages past the end are counted, not read off the page; a
    // document found by its name and another by its irn are both found, and one whose name
    // is its irn counts once.
    let send = |name: &str, irn: &str| {
        let mut body = request(&profile, &pdf_with_pages(3));
        body["irn"] = irn.into();
        body["file"]["name"] = name.into();
        let api = &api;
        async move {
            api.post("/api/v3.0/sign/request", &body).await.ok()["documentId"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let named_like_an_irn = send("order-1", "X-4").await;
    send("SAME-5", "same-5").await;
    let listed = |query: &str| {
        let path = format!("/api/v3.0/sign/request/list?{query}");
        let api = &api;
        async move { api.get(&path).await }
    };
    let both = listed("q=ORDER-1&max=1").await;
    assert_eq!(both.ok()["total"], 2);
    assert_eq!(
        both.ok()["documents"][0]["documentId"],
        named_like_an_irn.as_str()
    );
    let second = listed("q=ORDER-1&max=1&offset=1").await;
    assert_eq!(second.ok()["total"], 2);
    assert_eq!(second.ok()["documents"][0]["documentId"], ids[0].as_str());
    let past = listed("q=order-1&offset=2").await;
    assert_eq!(past.ok()["total"], 2);
    assert_eq!(past.ok()["documents"], json!([]));
    assert_eq!(listed("q=same-5&max=1").await.ok()["total"], 1);
    let by_id = format!("q={}&max=1", ids[1].to_lowercase());
    assert_eq!(listed(&by_id).await.ok()["total"], 1);
    assert_eq!(listed("q=same-5").await.ok()["total"], 1);
    let beyond = listed("offset=10").await;
    assert_eq!(beyond.ok()["total"], 5);
    assert_eq!(beyond.ok()["documents"], json!([]));
    assert_eq!(listed("max=2&offset=4").await.ok()["total"], 5);
}

on_both_databases!(
    sends_a_document,
    accepts_base64_in_lines,
    bad_requests_are_refused_and_store_nothing,
    lists_documents
);
