//! The document page's "Certificates" section (API.md 10.2): for each invitation signed, or
//! terminated, with a certificate, what the certificate says of its holder and how each check
//! asked of it fared. Read from the invitation's stored JSON (`certificate_data`,
//! `verification_request`, `verification_response`); nothing is judged again here.

use super::i18n::certificates::CertTexts;
use crate::domain::signature_type::SignatureType;
use crate::domain::status::InvitationStatus;
use crate::domain::verification::{
    CertificateData, DEFAULT_SMART_NAME_THRESHOLD, Gender, VerificationRequest, VerificationResults,
};
use crate::domain::workflow::Workflow;
use crate::store::InvitationRow;

/// One invitation's certificate and results, in the page's words.
pub(super) struct CertificateView {
    /// For the headings' ids.
    pub id: String,
    pub heading: String,
    pub results_caption: String,
    pub signature_type: Option<&'static str>,
    pub outcome: &'static str,
    /// What the certificate says, only the fields it has: (label, value).
    pub holder: Vec<(&'static str, String)>,
    pub checks: Vec<CheckLine>,
    pub summary: String,
    /// A check failed: the summary is a warning.
    pub failed: bool,
}

pub(super) struct CheckLine {
    pub name: &'static str,
    pub expected: String,
    pub result: String,
}

/// The views of the invitations that presented a certificate, in slot order.
pub(super) fn views(
    c: &CertTexts,
    invitations: &[InvitationRow],
    workflow: Option<&Workflow>,
) -> Vec<CertificateView> {
    invitations
        .iter()
        .filter_map(|i| view(c, i, workflow))
        .collect()
}

fn view(c: &CertTexts, i: &InvitationRow, workflow: Option<&Workflow>) -> Option<CertificateView> {
    // A row the store wrote from typed values reads back; one that does not is left out
    // rather than shown half.
    let data: CertificateData = serde_json::from_str(i.certificate_data.as_deref()?).ok()?;
    let results: VerificationResults = i
        .verification_response
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let asked: VerificationRequest = i
        .verification_request
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let terminated = i.status == InvitationStatus::Rejected;
    let checks = check_lines(c, &asked, &results, &i.name);
    let failed: Vec<&str> = results
        .failed_checks()
        .iter()
        .map(|f| check_word(c, &f.check))
        .collect();
    let summary = if !failed.is_empty() && terminated {
        c.failed_terminated(&failed.join(", "))
    } else if !failed.is_empty() {
        c.failed_reported(&failed.join(", "))
    } else if asked.is_empty() {
        c.no_checks.to_string()
    } else {
        c.all_passed.to_string()
    };
    Some(CertificateView {
        id: i.id.clone(),
        heading: c.certificate_of(&i.name),
        results_caption: c.results_of(&i.name),
        signature_type: signature_type(i, workflow).map(|t| type_word(c, t)),
        outcome: if terminated {
            c.outcome_terminated
        } else {
            c.outcome_signed
        },
        holder: holder(c, &data),
        checks,
        summary,
        failed: !failed.is_empty(),
    })
}

/// The type the invitee signed with; a terminated invitation stored none, so its slot's one
/// certificate type, when it allows exactly one.
fn signature_type(i: &InvitationRow, workflow: Option<&Workflow>) -> Option<SignatureType> {
    if i.signature_type.is_some() {
        return i.signature_type;
    }
    let slot = workflow?.invitees.get(usize::try_from(i.slot).ok()?)?;
    let mut certificate_types = slot
        .signature_types
        .iter()
        .copied()
        .filter(|t| *t != SignatureType::VirtualSign);
    match (certificate_types.next(), certificate_types.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

fn type_word(c: &CertTexts, t: SignatureType) -> &'static str {
    match t {
        SignatureType::Dsc => c.type_dsc,
        SignatureType::DocSigner => c.type_doc_signer,
        SignatureType::AutomatedSign => c.type_automated,
        SignatureType::Aadhaar => c.type_aadhaar,
        other => other.as_str(),
    }
}

fn gender_word(c: &CertTexts, letter: &str) -> String {
    match letter.chars().next().and_then(Gender::from_letter) {
        Some(Gender::Male) => c.gender_male.into(),
        Some(Gender::Female) => c.gender_female.into(),
        Some(Gender::Transgender) => c.gender_transgender.into(),
        None => letter.to_string(),
    }
}

fn holder(c: &CertTexts, data: &CertificateData) -> Vec<(&'static str, String)> {
    [
        (c.holder_name, data.name.clone()),
        (c.yob, data.yob.clone()),
        (c.gender, data.gender.as_deref().map(|g| gender_word(c, g))),
        (c.pincode, data.pincode.clone()),
        (c.state, data.state.clone()),
        (c.title, data.title.clone()),
    ]
    .into_iter()
    .filter_map(|(label, value)| Some((label, value.filter(|v| !v.trim().is_empty())?)))
    .collect()
}

/// A check's name, by the id `VerificationResults::checks` gives it.
fn check_word(c: &CertTexts, id: &str) -> &'static str {
    match id {
        "name" => c.check_name,
        "smartName" => c.check_smart_name,
        "pincode" => c.pincode,
        "state" => c.state,
        "title" => c.title,
        "yob" => c.yob,
        "gender" => c.gender,
        _ => c.check,
    }
}

/// Every check asked, in Leegality's order, then the signature itself when it was judged.
fn check_lines(
    c: &CertTexts,
    asked: &VerificationRequest,
    results: &VerificationResults,
    invitee_name: &str,
) -> Vec<CheckLine> {
    let word = |r: Option<bool>| match r {
        Some(true) => c.passed.to_string(),
        Some(false) => c.failed.to_string(),
        None => c.not_checked.to_string(),
    };
    let mut lines = Vec::new();
    let mut push = |name: &'static str, expected: String, result: String| {
        lines.push(CheckLine {
            name,
            expected,
            result,
        })
    };
    if asked.verify_name {
        push(c.check_name, invitee_name.to_string(), word(results.name));
    }
    if asked.verify_smart_name {
        let min = results
            .smart_name_threshold
            .unwrap_or(DEFAULT_SMART_NAME_THRESHOLD);
        let result = match (results.smart_name_percentage, results.smart_name_passed()) {
            (Some(pct), Some(passed)) => c.smart_result(passed, pct),
            _ => c.not_checked.to_string(),
        };
        push(c.check_smart_name, c.at_least(min), result);
    }
    if let Some(pin) = &asked.verify_pincode {
        push(c.pincode, pin.clone(), word(results.pincode));
    }
    if let Some(st) = &asked.verify_state {
        push(c.state, st.clone(), word(results.state));
    }
    if let Some(t) = &asked.verify_title {
        push(c.title, t.clone(), word(results.title));
    }
    if let Some(y) = asked.verify_yob {
        push(c.yob, y.to_string(), word(results.yob));
    }
    if let Some(g) = asked.verify_gender {
        push(c.gender, gender_word(c, g.as_str()), word(results.gender));
    }
    if let Some(ok) = results.signature_verification {
        push(
            c.check_signature,
            "—".into(),
            if ok {
                c.valid_signature.into()
            } else {
                c.invalid_signature.into()
            },
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::dashboard::i18n::certificates::EN;

    #[test]
    fn checks_read_as_asked_with_the_threshold_judged_at() {
        let asked = VerificationRequest {
            verify_name: true,
            verify_smart_name: true,
            verify_pincode: Some("560001".into()),
            verify_state: Some("Goa".into()),
            verify_yob: Some(1990),
            ..Default::default()
        };
        let results = VerificationResults {
            smart_name_percentage: Some(100),
            smart_name_threshold: Some(70),
            signature_verification: Some(true),
            name: Some(true),
            pincode: Some(true),
            state: Some(false),
            yob: None,
            ..Default::default()
        };
        let lines: Vec<(String, String, String)> = check_lines(&EN, &asked, &results, "Asha Rao")
            .into_iter()
            .map(|l| (l.name.to_string(), l.expected, l.result))
            .collect();
        let want = [
            ("Name", "Asha Rao", "Passed"),
            ("Smart name match", "At least 70 %", "Passed: 100 %"),
            ("PIN code", "560001", "Passed"),
            ("State", "Goa", "Failed"),
            (
                "Year of birth",
                "1990",
                "Not checked: the certificate lacks this field",
            ),
            ("Signature", "—", "Verified"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(lines, want);
    }

    #[test]
    fn holder_lists_only_what_the_certificate_has() {
        let data = CertificateData {
            name: Some("Asha Rao".into()),
            gender: Some("F".into()),
            pincode: Some("560001".into()),
            state: Some(" ".into()),
            ..Default::default()
        };
        let got: Vec<(&str, String)> = holder(&EN, &data);
        assert_eq!(
            got,
            vec![
                ("Name on the certificate", "Asha Rao".to_string()),
                ("Gender", "Female".to_string()),
                ("PIN code", "560001".to_string())
            ]
        );
    }
}
