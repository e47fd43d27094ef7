//! The pages the signer's browser sees. No external resources: the simulator runs offline.
//! The labels and field names are a contract with the browser tests (see the crate docs).

use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;\
padding:0 1rem;color:#1b1b1b}h1{font-size:1.4rem}label{display:block;margin-top:1rem;\
font-weight:600}input{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}\
button{font-size:1rem;padding:.5rem 1.2rem;margin:1.2rem .6rem 0 0}\
.note{background:#fff6d5;padding:.6rem;border-radius:4px}\
.alert{color:#a00000;font-weight:600}table{border-collapse:collapse}\
td,th{padding:.2rem .6rem .2rem 0;text-align:left}";

/// What the authentication page shows.
pub struct AuthPage<'a> {
    pub asp_id: &'a str,
    pub txn: &'a str,
    /// (`InputHash@id`, `docInfo`)
    pub documents: Vec<(&'a str, &'a str)>,
    /// The hidden field that names the transaction on submission.
    pub session: &'a str,
    pub otp: &'a str,
    /// "Wrong code: 2 attempts left", "Aadhaar number not found (…)".
    pub alert: Option<String>,
    /// What the signer typed, kept when the page is shown again.
    pub aadhaar: &'a str,
}

pub fn auth_page(p: &AuthPage<'_>) -> String {
    let mut docs = String::new();
    for (id, info) in &p.documents {
        let _ = write!(
            docs,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(id),
            escape(info)
        );
    }
    let alert = match &p.alert {
        Some(text) => format!(r#"<p class="alert" role="alert">{}</p>"#, escape(text)),
        None => String::new(),
    };
    let body = format!(
        r#"<h1>Sign with Aadhaar</h1>
<p><strong>{asp}</strong> asks you to sign (transaction {txn}):</p>
<table><tr><th>#</th><th>Document</th></tr>{docs}</table>
<p class="note">This is the Signet ESP simulator, not a real eSign service: the one-time code is <strong>{otp}</strong>.</p>
{alert}<form method="post" action="/authenticate">
<input type="hidden" name="session" value="{session}">
<label for="aadhaar">Aadhaar number or VID</label>
<input id="aadhaar" name="aadhaar" inputmode="numeric" autocomplete="off" maxlength="16" value="{aadhaar}">
<label for="otp">One-time code</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6">
<button type="submit" name="action" value="sign">Sign</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>"#,
        asp = escape(p.asp_id),
        txn = escape(p.txn),
        otp = escape(p.otp),
        session = escape(p.session),
        aadhaar = escape(p.aadhaar),
    );
    page("Sign with Aadhaar — Signet ESP simulator", &body)
}

/// An error that cannot go back to the ASP (no readable `responseUrl`).
pub fn error_page(code: &str, message: &str) -> String {
    let body = format!(
        r#"<h1>eSign error</h1><p class="alert" role="alert">{} {}</p>"#,
        escape(code),
        escape(message)
    );
    page("eSign error — Signet ESP simulator", &body)
}

/// A page with a sentence, e.g. for a transaction that is already finished.
pub fn notice_page(title: &str, text: &str) -> String {
    let body = format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text));
    page(title, &body)
}

/// The answer going back to the ASP through the browser: a form POSTed by a one-line script,
/// with a button for browsers without JavaScript.
pub fn auto_submit(url: &str, fields: &[(&str, &str)]) -> String {
    let mut inputs = String::new();
    for (name, value) in fields {
        let _ = write!(
            inputs,
            r#"<input type="hidden" name="{}" value="{}">"#,
            escape(name),
            escape(value)
        );
    }
    let body = format!(
        r#"<p>Returning to the application…</p>
<form id="deliver" method="post" action="{url}">{inputs}<button type="submit">Continue</button></form>
<script>document.getElementById("deliver").submit();</script>"#,
        url = escape(url),
    );
    page("Returning — Signet ESP simulator", &body)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>\n{body}\n</body></html>\n",
        escape(title)
    )
}

/// Text and attribute values alike.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_asp_and_the_signer_wrote() {
        let html = auth_page(&AuthPage {
            asp_id: "A<S>P",
            txn: "t\"1",
            documents: vec![("1", "<script>alert(1)</script>")],
            session: "s",
            otp: "123456",
            alert: Some("Wrong code: 2 attempts left".into()),
            aadhaar: "\"><b>",
        });
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("A&lt;S&gt;P"));
        assert!(html.contains("value=\"&quot;&gt;&lt;b&gt;\""));
        assert!(html.contains(r#"<label for="aadhaar">Aadhaar number or VID</label>"#));
        assert!(html.contains(r#"<label for="otp">One-time code</label>"#));
        let form = auto_submit("https://asp/x?a=1&b=2", &[("XML", "<a b=\"c\"/>")]);
        assert!(form.contains(r#"action="https://asp/x?a=1&amp;b=2""#));
        assert!(form.contains(r#"value="&lt;a b=&quot;c&quot;/&gt;""#));
    }
}
