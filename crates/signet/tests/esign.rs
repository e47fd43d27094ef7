//! Aadhaar eSign (API.md 11) end to end: the real server as the ASP and the real
//! `signet esp-simulator` as the ESP, on both databases. The test is the signer's browser: it
//! posts the hand-off page's form to the ESP, fills in the authentication page, and carries
//! the ESP's auto-submitting answer back (or follows the 3.2 redirect), seeing every 303.
//! Forged, replayed, misdirected and late answers are posted by hand, as an attacker would.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::esp::{ASP_ID, EspSimulator, OTP};
use common::receiver::Receiver;
use common::{Client, Db, Server, create_workflow, send_pdf};
use serde_json::{Value, json};

const ASHA: &str = "999941057058";
const VIKRAM: &str = "999971658847";
const KYC: &str = r#"[
  {"aadhaar": "999941057058", "name": "Asha Rao", "yob": 1989, "gender": "F",
   "pincode": "560001", "state": "Karnataka"},
  {"aadhaar": "999971658847", "name": "Vikram Iyer", "yob": 1985, "gender": "M",
   "pincode": "600001", "state": "Tamil Nadu"}]"#;
/// The variable the ASP's PKCS#12 password reaches the server in, as an operator would
/// keep it out of the TOML.
const P12_PASSWORD_ENV: &str = "SIGNET_TEST_ASP_P12_PASSWORD";
const P12_PASSWORD: &str = "asp-secret";

fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("esign-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The providers: `form21` (the default), `twostep32`, and `short21`, whose signers get one
/// minute at the ESP. Files are named relative to the TOML's folder.
fn esp_toml(esp: &EspSimulator, transport_of_form21: &str) -> String {
    let esp_pem = esp.esp_pem.to_string_lossy();
    let common = |url: &str| {
        format!(
            "asp_id = \"{ASP_ID}\"\nasp_pkcs12 = \"asp.p12\"\n\
             asp_pkcs12_password_env = \"{P12_PASSWORD_ENV}\"\n\
             esp_certificate = \"{esp_pem}\"\ngateway_url = \"{}{url}\"\n",
            esp.url
        )
    };
    format!(
        "[esp.form21]\nversion = \"2.1\"\ntransport = \"{transport_of_form21}\"\n{}\
         response_field = \"eSignResponse\"\n\n\
         [esp.twostep32]\nversion = \"3.2\"\ntransport = \"two-step\"\n{}\
         auth_url = \"{}/authpage\"\nresponse_field = \"XML\"\n\n\
         [esp.short21]\nversion = \"2.1\"\ntransport = \"form\"\n{}\
         response_field = \"eSignResponse\"\nmax_wait_minutes = 1\n",
        common("/2.1/form/signdoc"),
        common("/3.2/signdoc"),
        esp.url,
        common("/2.1/form/signdoc"),
    )
}

/// A server with the three providers, the simulator's CA as the signers' trust root, a
/// webhook receiver and a test clock.
struct Setup {
    s: Server,
    esp: EspSimulator,
    api: Client,
    token: String,
    r: Receiver,
    dir: PathBuf,
    browser: reqwest::Client,
}

impl Setup {
    fn new(db: Db, name: &str) -> Setup {
        Setup::with_env(db, name, &[])
    }

    fn with_env(db: Db, name: &str, extra: &[(&str, &str)]) -> Setup {
        let dir = scratch(name);
        let (asp_pem, _) = common::esp::asp_key(&dir, P12_PASSWORD);
        let esp = EspSimulator::start(&dir.join("esp"), &asp_pem, KYC);
        assert!(esp.ca_pem.exists() && esp.esp_pem.exists());
        let toml = dir.join("esp.toml");
        std::fs::write(&toml, esp_toml(&esp, "form")).unwrap();
        let mut env = vec![
            ("SIGNET_ESP_CONFIG", toml.to_str().unwrap()),
            (P12_PASSWORD_ENV, P12_PASSWORD),
            ("SIGNET_SIGNER_TRUST_ROOTS", esp.ca_pem.to_str().unwrap()),
            ("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("SIGNET_TEST_CLOCK", "true"),
        ];
        env.extend_from_slice(extra);
        let s = Server::start_with(db, &env);
        let account = s.create_account("Acme");
        let api = s.client(&account.token);
        Setup {
            s,
            esp,
            api,
            token: account.token,
            r: Receiver::start(),
            dir,
            browser: browser(),
        }
    }

    /// A published workflow whose signers sign with Aadhaar through `esps` (one slot each, in
    /// signing order), each slot's webhooks under `/{slot label}/ok|err` at the receiver.
    async fn workflow(&self, esps: &[&str]) -> String {
        let slots: Vec<Value> = esps
            .iter()
            .enumerate()
            .map(|(i, esp)| {
                let label = format!("signer{}", i + 1);
                json!({"label": label, "inviteeType": "Signer", "signatureTypes": ["AADHAAR"],
                       "esp": esp,
                       "appearances": [{"page": "1", "x1": 50, "y1": 50 + 80 * i, "x2": 250, "y2": 110 + 80 * i}],
                       "webhook": {"success": format!("{}/{label}/ok", self.r.url),
                                   "error": format!("{}/{label}/err", self.r.url),
                                   "version": "2.5"}})
            })
            .collect();
        create_workflow(
            &self.api,
            &json!({"name": "Aadhaar loan", "expiryDays": 5, "requireSigningOrder": true,
                    "invitees": slots}),
        )
        .await
    }

    /// A document for one signer through `esp`, with the invitee's extra fields; returns
    /// (documentId, signing link).
    async fn one_signer(&self, esp: &str, invitee: Value) -> (String, String) {
        let profile = self.workflow(&[esp]).await;
        let mut who = json!({"name": "Asha Rao", "email": "asha@example.com"});
        for (k, v) in invitee.as_object().unwrap() {
            who[k] = v.clone();
        }
        let (id, links) = send_pdf(&self.api, &profile, "Loan", None, &json!([who])).await;
        (id, links[0].clone())
    }

    /// `POST /api/sign/{uuid}/aadhaar/start` as the signing page posts it: the hand-off page's
    /// form.
    async fn start(&self, uuid: &str) -> Form {
        let res = self
            .browser
            .post(format!("{}/api/sign/{uuid}/aadhaar/start", self.s.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("consent=on")
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let html = res.text().await.unwrap();
        assert_eq!(status, 200, "{html}");
        only_form(&html, &self.s.url)
    }

    /// The hand-off form posted to the ESP: its authentication page.
    async fn to_esp(&self, handoff: &Form) -> Form {
        assert!(
            handoff.action.starts_with(&self.esp.url),
            "{}",
            handoff.action
        );
        match self.submit(handoff, &[]).await {
            Step::Page(form) => form,
            other => panic!("expected the ESP's authentication page: {other:?}"),
        }
    }

    /// Submits `form` with `set` overriding its fields, as the browser does (no redirects
    /// followed).
    async fn submit(&self, form: &Form, set: &[(&str, &str)]) -> Step {
        let mut fields = form.fields.clone();
        for (k, v) in set {
            fields.retain(|(name, _)| name != k);
            fields.push((k.to_string(), v.to_string()));
        }
        let res = self
            .browser
            .post(&form.action)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&fields).unwrap())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        if status == 303 || status == 302 {
            let to = res.headers()["location"].to_str().unwrap().to_string();
            return Step::Redirect(absolute(&to, &origin(&form.action)));
        }
        let html = res.text().await.unwrap();
        assert_eq!(status, 200, "{}: {html}", form.action);
        let form = only_form(&html, &origin(&form.action));
        if html.contains("document.getElementById(\"deliver\").submit()") {
            Step::Deliver(form)
        } else {
            Step::Page(form)
        }
    }

    /// The signer at the ESP's authentication page: types the number and code and presses
    /// Sign (or Cancel).
    async fn authenticate(&self, page: &Form, aadhaar: &str, otp: &str, button: &str) -> Step {
        let set = [("aadhaar", aadhaar), ("otp", otp), ("action", button)];
        self.submit(page, &set).await
    }

    /// Carries an ESP's answer to the ASP: the 303 back to the signing page, with how it
    /// ended (`esign=`).
    async fn deliver(&self, answer: &Form) -> String {
        match self.submit(answer, &[]).await {
            Step::Redirect(to) => self.outcome_of(&to),
            other => panic!("expected a 303 to the signing page: {other:?}"),
        }
    }

    /// Posts `answer`'s fields to the ASP's answer address of transaction `txn`, on this
    /// server's current address.
    async fn deliver_to(&self, answer: &Form, txn: &str) -> String {
        let form = Form {
            action: format!("{}/esign/response/{txn}", self.s.url),
            fields: answer.fields.clone(),
        };
        self.deliver(&form).await
    }

    /// Follows a redirect the ESP gave (3.2 `redirectUrl`): the ASP's 303 to the signing page.
    async fn follow(&self, to: &str) -> String {
        let res = self.browser.get(to).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "{to}");
        let to = res.headers()["location"].to_str().unwrap().to_string();
        self.outcome_of(&to)
    }

    fn outcome_of(&self, location: &str) -> String {
        let path = location.strip_prefix(&self.s.url).unwrap_or(location);
        assert!(
            path.starts_with("/sign/"),
            "back to the signing page: {path}"
        );
        let (_, query) = path.split_once("?esign=").expect("an outcome");
        query.to_string()
    }

    /// The whole journey of one signer through a form-transport provider, up to the answer
    /// the browser is about to carry back (not delivered).
    async fn signed_answer(&self, uuid: &str, aadhaar: &str) -> (String, Form) {
        let handoff = self.start(uuid).await;
        let txn = handoff.field("aspTxnID").to_string();
        let page = self.to_esp(&handoff).await;
        match self.authenticate(&page, aadhaar, OTP, "sign").await {
            Step::Deliver(answer) => {
                assert!(
                    answer.action.ends_with(&format!("/esign/response/{txn}")),
                    "{}",
                    answer.action
                );
                (txn, answer)
            }
            other => panic!("expected the ESP's answer: {other:?}"),
        }
    }

    async fn invitation(&self, uuid: &str) -> Value {
        self.s
            .client("")
            .get(&format!("/api/sign/{uuid}"))
            .await
            .ok()
            .clone()
    }

    async fn file(&self, uuid: &str) -> Vec<u8> {
        self.s
            .client("")
            .http_get_bytes(&format!("/api/sign/{uuid}/file"))
            .await
    }

    async fn details(&self, document_id: &str) -> Value {
        self.api
            .get(&format!(
                "/api/v3.3/document/details?documentId={document_id}\
                 &invitations_certificateData=true&invitations_verificationResponse=true"
            ))
            .await
            .ok()
            .clone()
    }

    /// The invitation can still be signed and its document is as it was.
    async fn untouched(&self, uuid: &str, before: &[u8], why: &str) {
        let inv = self.invitation(uuid).await;
        assert_eq!(inv["active"], true, "{why}: {inv}");
        assert_eq!(inv["signed"], false, "{why}: {inv}");
        assert!(self.file(uuid).await == before, "{why}: the PDF changed");
    }

    async fn last_attempt(&self, uuid: &str) -> Value {
        self.invitation(uuid).await["aadhaar"]["lastAttempt"].clone()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A browser that shows every redirect to the test.
fn browser() -> reqwest::Client {
    let _ = common::http();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap()
}

/// What a page led to.
#[derive(Debug)]
enum Step {
    /// A page with a form for the signer (the ESP's authentication page).
    Page(Form),
    /// The ESP's auto-submitting answer to the ASP.
    Deliver(Form),
    /// A 303/302 to this absolute address.
    Redirect(String),
}

#[derive(Debug, Clone)]
struct Form {
    action: String,
    /// Hidden and text inputs with their values, in page order.
    fields: Vec<(String, String)>,
}

impl Form {
    fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no field {name} in {self:?}"))
    }

    fn set(&mut self, name: &str, value: String) {
        for (k, v) in &mut self.fields {
            if k == name {
                *v = value;
                return;
            }
        }
        panic!("no field {name}");
    }
}

fn origin(url: &str) -> String {
    let u = reqwest::Url::parse(url).unwrap();
    u.origin().ascii_serialization()
}

fn absolute(url: &str, origin: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("{origin}{url}")
    }
}

/// The page's one form: its action (made absolute against `origin`) and its inputs' names
/// and values, HTML-unescaped. Buttons are left out: `submit` names the one pressed.
fn only_form(html: &str, origin: &str) -> Form {
    let starts: Vec<usize> = html.match_indices("<form").map(|(i, _)| i).collect();
    assert_eq!(starts.len(), 1, "one form in: {html}");
    let rest = &html[starts[0]..];
    let end = rest.find("</form>").expect("</form>");
    let body = &rest[..end];
    let tag_end = body.find('>').unwrap();
    let action = attr(&body[..tag_end], "action").expect("an action");
    let mut fields = vec![];
    for (i, _) in body.match_indices("<input") {
        let tag = &body[i..i + body[i..].find('>').unwrap()];
        if let Some(name) = attr(tag, "name") {
            fields.push((name, attr(tag, "value").unwrap_or_default()));
        }
    }
    Form {
        action: absolute(&action, origin),
        fields,
    }
}

/// A double-quoted attribute's value, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(unescape(&tag[at..at + len]))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Flips one Base64 character inside the first DocSignature: the answer no longer matches
/// the ESP's XML signature.
fn tampered(xml: &str) -> String {
    let at = xml.find("<DocSignature").expect("a DocSignature");
    let content = at + xml[at..].find('>').unwrap() + 1 + 40;
    let mut bytes = xml.as_bytes().to_vec();
    bytes[content] = if bytes[content] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// Case 1: two signers in order, one through each transport and version; the final PDF
/// validates with the simulator's CA, each signature by the KYC holder's certificate, and
/// details report what the certificates say.
async fn two_signers_through_two_providers(db: Db) {
    let t = Setup::new(db, "two");
    let profile = t.workflow(&["form21", "twostep32"]).await;
    let (id, links) = send_pdf(
        &t.api,
        &profile,
        "Loan",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"},
                {"name": "Vikram Iyer", "email": "vikram@example.com"}]),
    )
    .await;
    let original = t.file(&links[0]).await;

    // Signer 1, form transport, eSign 2.1: the browser carries the request and the answer.
    let handoff = t.start(&links[0]).await;
    assert!(handoff.action.ends_with("/2.1/form/signdoc"), "{handoff:?}");
    assert!(handoff.field("eSignRequest").contains("<Esign "));
    let inv = t.invitation(&links[0]).await;
    assert_eq!(inv["aadhaar"]["lastAttempt"]["outcome"], "open", "{inv}");
    let page = t.to_esp(&handoff).await;
    let answer = match t.authenticate(&page, ASHA, OTP, "sign").await {
        Step::Deliver(a) => a,
        other => panic!("{other:?}"),
    };
    assert!(answer.field("eSignResponse").contains("<EsignResp"));
    assert_eq!(t.deliver(&answer).await, "signed");
    let one = t.file(&links[0]).await;
    assert!(one.starts_with(&original), "an incremental revision");
    assert_eq!(t.last_attempt(&links[0]).await["outcome"], "signed");
    let ok1 = t.r.wait_for("/signer1/ok", 1).await;
    assert_eq!(ok1[0].body["request"]["action"], "Signed");
    assert_eq!(
        ok1[0].body["request"]["signType"], "AADHAAR",
        "{}",
        ok1[0].body
    );

    // Signer 2, two-step, eSign 3.2: the server posted the request; the ESP answers the
    // server directly and sends the browser to the return address.
    let handoff = t.start(&links[1]).await;
    assert_eq!(handoff.action, format!("{}/authpage", t.esp.url));
    assert_eq!(handoff.fields.len(), 1, "{handoff:?}");
    handoff.field("txnref");
    let page = t.to_esp(&handoff).await;
    let back = match t.authenticate(&page, VIKRAM, OTP, "sign").await {
        Step::Redirect(to) => to,
        other => panic!("3.2 redirects the browser: {other:?}"),
    };
    assert!(back.contains("/esign/return/"), "{back}");
    assert_eq!(t.follow(&back).await, "signed");

    let d = {
        let mut d = t.details(&id).await;
        for _ in 0..100 {
            if d["documentStatus"] == "Completed" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            d = t.details(&id).await;
        }
        d
    };
    assert_eq!(d["documentStatus"], "Completed", "{d}");
    let expect = [
        ("Asha Rao", "1989", "F", "560001", "7058", "Karnataka"),
        ("Vikram Iyer", "1985", "M", "600001", "8847", "Tamil Nadu"),
    ];
    for (i, (name, yob, gender, pincode, title, state)) in expect.iter().enumerate() {
        let inv = &d["invitations"][i];
        assert_eq!(inv["signed"], true, "{inv}");
        assert_eq!(inv["usedSignatureType"], "AADHAAR", "{inv}");
        let c = &inv["certificateData"];
        assert_eq!(
            *c,
            json!({"name": name, "yob": yob, "gender": gender, "pincode": pincode,
                   "title": title, "state": state}),
            "{inv}"
        );
        assert_eq!(inv["verificationResponse"]["signatureVerification"], true);
    }
    let ok2 = t.r.wait_for("/signer2/ok", 1).await;
    assert_eq!(ok2[0].body["documentStatus"], "Completed");

    let pdf = t.file(&links[1]).await;
    assert!(
        pdf.starts_with(&one),
        "the first signature's bytes are kept"
    );
    let file = t.dir.join("signed.pdf");
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 2, "pdfsig");
    assert_eq!(
        common::pdfsig_signer_names(&file),
        ["Asha Rao", "Vikram Iyer"]
    );
    common::pyhanko_validates(&t.esp.ca_pem, std::slice::from_ref(&file));
    let roots =
        signet_pdf::keys::load_certificates_pem(&std::fs::read_to_string(&t.esp.ca_pem).unwrap())
            .unwrap();
    let ours = signet_pdf::verify::verify(&pdf, &roots, &signet_pdf::Limits::default()).unwrap();
    assert!(ours.all_good(), "{ours:#?}");
    let subjects: Vec<String> = ours
        .signatures
        .iter()
        .map(|s| s.signer_subject.clone().unwrap_or_default())
        .collect();
    assert!(
        subjects[0].contains("CN=Asha Rao") && subjects[1].contains("CN=Vikram Iyer"),
        "{subjects:?}"
    );
}

/// Case 2: the certificate's year of birth is not the one asked for: the invitation ends
/// without a signature and event 5 goes to the error URL.
async fn year_of_birth_mismatch_terminates(db: Db) {
    let t = Setup::new(db, "yob");
    let (id, uuid) = t
        .one_signer("form21", json!({"aadhaarConfig": {"verifyYob": 1990}}))
        .await;
    let before = t.file(&uuid).await;
    let (_, answer) = t.signed_answer(&uuid, ASHA).await;
    assert_eq!(t.deliver(&answer).await, "verification.failed");

    let event = t.r.wait_for("/signer1/err", 1).await;
    let body = &event[0].body;
    assert_eq!(body["webhookType"], "Error", "{body}");
    assert_eq!(body["documentId"], id.as_str());
    assert_eq!(body["verification"]["yob"], false, "{body}");
    assert!(
        body["messages"].as_array().unwrap().iter().any(|m| m
            .to_string()
            .to_lowercase()
            .contains("yob")
            || m.to_string().to_lowercase().contains("year of birth")),
        "{body}"
    );
    let inv = t.invitation(&uuid).await;
    assert_eq!(inv["active"], false, "{inv}");
    assert_eq!(inv["signed"], false, "{inv}");
    assert!(t.file(&uuid).await == before, "the PDF changed");
    let d = t.details(&id).await;
    let inv = &d["invitations"][0];
    assert_eq!(inv["rejected"], true, "{inv}");
    assert_eq!(inv["certificateData"]["yob"], "1989", "{inv}");
    assert_eq!(inv["verificationResponse"]["yobVerification"], false);
    assert!(t.r.received().iter().all(|r| r.path != "/signer1/ok"));
}

/// Cases 3 and 4: three wrong codes (ESP-415) and Cancel (ESP-944) leave the invitation
/// active and the PDF as it was; a new attempt then signs.
async fn esp_errors_leave_the_invitation_active(db: Db) {
    let t = Setup::new(db, "errors");
    let (_, uuid) = t.one_signer("form21", json!({})).await;
    let before = t.file(&uuid).await;

    let handoff = t.start(&uuid).await;
    let mut page = t.to_esp(&handoff).await;
    let mut answer = None;
    for attempt in 1..=3 {
        match t.authenticate(&page, ASHA, "000000", "sign").await {
            Step::Page(again) if attempt < 3 => page = again,
            Step::Deliver(a) if attempt == 3 => answer = Some(a),
            other => panic!("wrong code {attempt}: {other:?}"),
        }
    }
    assert_eq!(t.deliver(&answer.unwrap()).await, "ESP-415");
    t.untouched(&uuid, &before, "ESP-415").await;
    let last = t.last_attempt(&uuid).await;
    assert_eq!(last["outcome"], "ESP-415", "{last}");
    assert!(last["message"].is_string(), "the ESP's words: {last}");

    let handoff = t.start(&uuid).await;
    let page = t.to_esp(&handoff).await;
    let cancelled = match t.authenticate(&page, "", "", "cancel").await {
        Step::Deliver(a) => a,
        other => panic!("cancel: {other:?}"),
    };
    assert_eq!(t.deliver(&cancelled).await, "ESP-944");
    t.untouched(&uuid, &before, "ESP-944").await;
    assert_eq!(t.last_attempt(&uuid).await["outcome"], "ESP-944");
    // The ESP's error is taken once, too: delivered again (as a 3.2 ESP may, server to server
    // and then through the browser), the signer is shown how the first delivery ended.
    assert_eq!(t.deliver(&cancelled).await, "ESP-944");
    assert_eq!(t.last_attempt(&uuid).await["outcome"], "ESP-944");

    let (_, answer) = t.signed_answer(&uuid, ASHA).await;
    assert_eq!(t.deliver(&answer).await, "signed");
    let inv = t.invitation(&uuid).await;
    assert_eq!(inv["signed"], true, "{inv}");
    assert!(t.file(&uuid).await.starts_with(&before));
}

/// Cases 5, 6 and 7: a forged answer, an answer posted to another transaction's address and
/// a replayed answer are refused and change nothing; the genuine answer still signs once.
async fn forged_misdirected_and_replayed_answers(db: Db) {
    let t = Setup::new(db, "forged");
    let (_, uuid) = t.one_signer("form21", json!({})).await;
    let before = t.file(&uuid).await;
    let (txn_a, answer_a) = t.signed_answer(&uuid, ASHA).await;
    // A second attempt of the same signer, left open.
    let (txn_b, _answer_b) = t.signed_answer(&uuid, ASHA).await;
    assert_ne!(txn_a, txn_b);

    let mut forged = answer_a.clone();
    forged.set("eSignResponse", tampered(answer_a.field("eSignResponse")));
    assert_ne!(
        forged.field("eSignResponse"),
        answer_a.field("eSignResponse")
    );
    assert_eq!(t.deliver(&forged).await, "esign.signature.invalid");
    t.untouched(&uuid, &before, "forged").await;

    assert_eq!(
        t.deliver_to(&answer_a, &txn_b).await,
        "esign.response.txn.mismatch"
    );
    t.untouched(&uuid, &before, "misdirected").await;
    let last = t.last_attempt(&uuid).await;
    assert_eq!(
        last["outcome"], "open",
        "B still waits for its own answer: {last}"
    );

    // The refusals did not use the transaction up.
    assert_eq!(t.deliver(&answer_a).await, "signed");
    let signed = t.file(&uuid).await;
    assert!(signed.starts_with(&before) && signed.len() > before.len());
    let inv = t.invitation(&uuid).await;
    assert_eq!(inv["signed"], true);

    // A replay is refused (esign.transaction.used); the signer is shown how the first ended.
    assert_eq!(t.deliver(&answer_a).await, "signed");
    assert!(t.file(&uuid).await == signed, "a replay changes nothing");
    t.r.wait_for("/signer1/ok", 1).await;
    // Time for a second event, were the replay to record a second signature.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let signed_events =
        t.r.received()
            .iter()
            .filter(|r| r.path == "/signer1/ok")
            .count();
    assert_eq!(signed_events, 1, "one Signed event");
}

/// Case 8: an answer that comes after the provider's wait (one minute) is refused.
async fn an_answer_after_expiry_is_refused(db: Db) {
    let t = Setup::new(db, "expiry");
    let (_, uuid) = t.one_signer("short21", json!({})).await;
    let before = t.file(&uuid).await;
    let (_, answer) = t.signed_answer(&uuid, ASHA).await;
    t.api
        .post("/api/signet/clock/advance", &json!({"seconds": 90}))
        .await
        .ok();
    assert_eq!(t.deliver(&answer).await, "esign.transaction.expired");
    t.untouched(&uuid, &before, "expired").await;
    assert_eq!(
        t.last_attempt(&uuid).await["outcome"],
        "esign.transaction.expired"
    );
}

/// Case 9: the server restarts while the signer is at the ESP; the answer, brought to the
/// restarted server, still signs.
async fn a_restart_between_handoff_and_answer(db: Db) {
    let mut t = Setup::new(db, "restart");
    let (id, uuid) = t.one_signer("form21", json!({})).await;
    let before = t.file(&uuid).await;
    let handoff = t.start(&uuid).await;
    let txn = handoff.field("aspTxnID").to_string();
    t.s.restart();
    t.api = t.s.client(&t.token);
    let page = t.to_esp(&handoff).await;
    let answer = match t.authenticate(&page, ASHA, OTP, "sign").await {
        Step::Deliver(a) => a,
        other => panic!("{other:?}"),
    };
    // The restarted server listens on another port: the answer goes to the same path there,
    // as a stable public address in front of it would route it.
    assert_eq!(t.deliver_to(&answer, &txn).await, "signed");
    let pdf = t.file(&uuid).await;
    assert!(pdf.starts_with(&before) && pdf.len() > before.len());
    let d = t.details(&id).await;
    assert_eq!(d["documentStatus"], "Completed", "{d}");
    assert_eq!(d["invitations"][0]["certificateData"]["name"], "Asha Rao");
}

/// The 3.2 two-step transport's errors take the ESP's server-to-server road: Cancel ends
/// the attempt with ESP-944 and the browser, sent to the return address, learns it there;
/// the JSON form of the hand-off names the same ESP page.
async fn two_step_cancel_and_json_handoff(db: Db) {
    let t = Setup::new(db, "twostep");
    let (_, uuid) = t.one_signer("twostep32", json!({})).await;
    let before = t.file(&uuid).await;

    let res = t
        .browser
        .post(format!("{}/api/sign/{uuid}/aadhaar/start", t.s.url))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(json!({"consent": true}).to_string())
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], 1, "{v}");
    assert_eq!(v["data"]["action"], format!("{}/authpage", t.esp.url));
    let handoff = Form {
        action: v["data"]["action"].as_str().unwrap().to_string(),
        fields: vec![(
            "txnref".into(),
            v["data"]["fields"]["txnref"].as_str().unwrap().to_string(),
        )],
    };
    let page = t.to_esp(&handoff).await;
    let back = match t.authenticate(&page, "", "", "cancel").await {
        Step::Redirect(to) => to,
        other => panic!("3.2 redirects the browser: {other:?}"),
    };
    assert_eq!(t.follow(&back).await, "ESP-944");
    t.untouched(&uuid, &before, "ESP-944 over 3.2").await;
    assert_eq!(t.last_attempt(&uuid).await["outcome"], "ESP-944");

    let refused = t
        .browser
        .post(format!("{}/api/sign/{uuid}/aadhaar/start", t.s.url))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(json!({"consent": false}).to_string())
        .send()
        .await
        .unwrap();
    let v: Value = refused.json().await.unwrap();
    assert_eq!(v["status"], 0, "no consent, no hand-off: {v}");

    let handoff = t.start(&uuid).await;
    let page = t.to_esp(&handoff).await;
    let back = match t.authenticate(&page, ASHA, OTP, "sign").await {
        Step::Redirect(to) => to,
        other => panic!("{other:?}"),
    };
    assert_eq!(t.follow(&back).await, "signed");
    assert_eq!(t.invitation(&uuid).await["signed"], true);
}

/// Two signers without an order, both at the ESP at once: the first answer signs; the
/// second was prepared on the version before it, so it is refused as stale without touching
/// the file, and the signer's new attempt signs on top of the first signature.
async fn parallel_signers(db: Db) {
    let t = Setup::new(db, "parallel");
    let slot = |label: &str, y: i64| {
        json!({"label": label, "inviteeType": "Signer", "signatureTypes": ["AADHAAR"],
               "esp": "form21",
               "appearances": [{"page": "1", "x1": 50, "y1": y, "x2": 250, "y2": y + 60}]})
    };
    let profile = create_workflow(
        &t.api,
        &json!({"name": "Parallel", "expiryDays": 5,
                "invitees": [slot("a", 50), slot("b", 150)]}),
    )
    .await;
    let (id, links) = send_pdf(
        &t.api,
        &profile,
        "Loan",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"},
                {"name": "Vikram Iyer", "email": "vikram@example.com"}]),
    )
    .await;
    let (_, answer_a) = t.signed_answer(&links[0], ASHA).await;
    let (_, answer_b) = t.signed_answer(&links[1], VIKRAM).await;
    assert_eq!(t.deliver(&answer_a).await, "signed");
    let one = t.file(&links[1]).await;
    assert_eq!(t.deliver(&answer_b).await, "esign.transaction.stale");
    t.untouched(&links[1], &one, "stale").await;
    let (_, again) = t.signed_answer(&links[1], VIKRAM).await;
    assert_eq!(t.deliver(&again).await, "signed");
    let pdf = t.file(&links[1]).await;
    assert!(pdf.starts_with(&one));
    let file = t.dir.join("parallel.pdf");
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 2, "pdfsig");
    let d = t.details(&id).await;
    assert_eq!(
        d["invitations"][1]["certificateData"]["name"],
        "Vikram Iyer"
    );
}

/// With `SIGNET_TSA_URL` the ESP's CMS gets a signature timestamp (B-T) on its way into the
/// PDF: pyHanko finds the signer's certificate and the timestamp both intact and trusted.
async fn b_t_with_a_timestamp_authority(db: Db) {
    let pki = common::pki::Pki::new();
    let tsa = pki.start_tsa();
    let t = Setup::with_env(db, "bt", &[("SIGNET_TSA_URL", &tsa.url)]);
    let (_, uuid) = t.one_signer("form21", json!({})).await;
    let (_, answer) = t.signed_answer(&uuid, ASHA).await;
    assert_eq!(t.deliver(&answer).await, "signed");
    let pdf = t.file(&uuid).await;
    let file = t.dir.join("bt.pdf");
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 1, "pdfsig");
    let python =
        PathBuf::from(std::env::var("SIGNET_TEST_TOOLS").expect("run through scripts/test"))
            .join("venv/bin/python");
    let out = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_bt.py"))
        .arg(&file)
        .arg(&t.esp.ca_pem)
        .arg(pki.path("root.pem"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyhanko_bt.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    let v = &verdicts[0];
    for verdict in ["intact", "valid", "trusted", "bottom_line"] {
        assert_eq!(v[verdict], true, "{verdict}: {v}");
    }
    for verdict in ["intact", "valid", "trusted"] {
        assert_eq!(v["timestamp"][verdict], true, "timestamp {verdict}: {v}");
    }
}

/// Case 10: a provider with a bad transport stops the server at start, naming it; a workflow
/// naming an unknown provider is refused.
async fn configuration_errors(db: Db) {
    let t = Setup::new(db, "config");
    let bad = t.dir.join("bad.toml");
    std::fs::write(&bad, esp_toml(&t.esp, "carrier-pigeon")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SIGNET_DATA_DIR", t.dir.join("bad-data"))
        .env("SIGNET_ESP_CONFIG", &bad)
        .env(P12_PASSWORD_ENV, P12_PASSWORD)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started with a bad transport");
    assert!(out.stdout.is_empty(), "it never listened: {stderr}");
    assert!(
        stderr.contains("[esp.form21]")
            && stderr.contains("transport")
            && stderr.contains("carrier-pigeon"),
        "{stderr}"
    );

    let refused = t
        .api
        .post(
            "/api/signet/workflows",
            &json!({"name": "Aadhaar", "expiryDays": 5, "publish": true,
                    "invitees": [{"label": "Borrower", "inviteeType": "Signer",
                                  "signatureTypes": ["AADHAAR"], "esp": "nowhere",
                                  "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]}),
        )
        .await;
    assert_eq!(refused.code(), "workflow.esp.not.found");
}

on_both_databases!(
    two_signers_through_two_providers,
    year_of_birth_mismatch_terminates,
    esp_errors_leave_the_invitation_active,
    forged_misdirected_and_replayed_answers,
    an_answer_after_expiry_is_refused,
    a_restart_between_handoff_and_answer,
    configuration_errors,
    two_step_cancel_and_json_handoff,
    parallel_signers,
    b_t_with_a_timestamp_authority
);
