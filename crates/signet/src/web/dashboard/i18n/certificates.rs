//! The strings of certificate signatures in the dashboard (API.md 10.2), in English and Hindi:
//! the document page's "Certificates" section and the settings page's "Certificate checks" and
//! "Organisation certificates". A struct of their own, reached from `Texts::cert`.

pub struct CertTexts {
    pub certificates: &'static str,
    /// `{name}`: the invitee's name.
    pub certificate_of: &'static str,
    pub signature_type: &'static str,
    pub type_dsc: &'static str,
    pub type_doc_signer: &'static str,
    pub type_automated: &'static str,
    pub type_aadhaar: &'static str,
    pub outcome: &'static str,
    pub outcome_signed: &'static str,
    pub outcome_terminated: &'static str,
    pub holder_name: &'static str,
    pub yob: &'static str,
    pub gender: &'static str,
    pub gender_male: &'static str,
    pub gender_female: &'static str,
    pub gender_transgender: &'static str,
    pub pincode: &'static str,
    pub state: &'static str,
    pub title: &'static str,

    /// `{name}`: the invitee's name.
    pub results_of: &'static str,
    pub check: &'static str,
    pub expected: &'static str,
    pub result: &'static str,
    pub check_name: &'static str,
    pub check_smart_name: &'static str,
    pub check_signature: &'static str,
    pub passed: &'static str,
    pub failed: &'static str,
    pub not_checked: &'static str,
    /// `{min}`: the pass mark.
    pub at_least: &'static str,
    /// `{outcome}`: passed or failed; `{pct}`: the percentage.
    pub smart_result: &'static str,
    pub valid_signature: &'static str,
    pub invalid_signature: &'static str,
    pub no_checks: &'static str,
    pub all_passed: &'static str,
    /// `{checks}`: the failed checks' names.
    pub failed_terminated: &'static str,
    pub failed_reported: &'static str,

    pub checks_heading: &'static str,
    pub checks_intro: &'static str,
    pub on_failure: &'static str,
    pub reject: &'static str,
    pub report: &'static str,
    pub threshold: &'static str,
    pub threshold_hint: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub admins_only: &'static str,
    pub err_failure: &'static str,
    pub err_threshold: &'static str,

    pub org_heading: &'static str,
    pub org_intro: &'static str,
    pub org_none: &'static str,
    pub org_name: &'static str,
    pub org_subject: &'static str,
    pub org_issuer: &'static str,
    pub org_valid_until: &'static str,
}

pub static EN: CertTexts = CertTexts {
    certificates: "Certificates",
    certificate_of: "Certificate of {name}",
    signature_type: "Signature type",
    type_dsc: "DSC token",
    type_doc_signer: "Organisation certificate",
    type_automated: "Automated organisation signature",
    type_aadhaar: "Aadhaar eSign",
    outcome: "Outcome",
    outcome_signed: "Signed with this certificate",
    outcome_terminated: "Terminated: the certificate failed verification",
    holder_name: "Name on the certificate",
    yob: "Year of birth",
    gender: "Gender",
    gender_male: "Male",
    gender_female: "Female",
    gender_transgender: "Transgender",
    pincode: "PIN code",
    state: "State",
    title: "Title (last four digits of Aadhaar)",

    results_of: "Verification results for {name}",
    check: "Check",
    expected: "Expected",
    result: "Result",
    check_name: "Name",
    check_smart_name: "Smart name match",
    check_signature: "Signature",
    passed: "Passed",
    failed: "Failed",
    not_checked: "Not checked: the certificate lacks this field",
    at_least: "At least {min} %",
    smart_result: "{outcome}: {pct} %",
    valid_signature: "Verified",
    invalid_signature: "Did not verify",
    no_checks: "No checks were asked of this certificate.",
    all_passed: "Every check asked passed.",
    failed_terminated: "Verification failed ({checks}): the invitation was terminated without a signature.",
    failed_reported: "Verification failed ({checks}): the signature was kept, as the account's certificate checks say, and the results are reported.",

    checks_heading: "Certificate checks",
    checks_intro: "What happens when a signer's certificate does not match what a document asked for (name, PIN code, state and the other checks).",
    on_failure: "When a check fails",
    reject: "Reject: terminate the invitation",
    report: "Report: keep the signature and report the results",
    threshold: "Smart-name pass mark (%)",
    threshold_hint: "A whole number from 0 to 100: how closely the name on the certificate must match the signer's name.",
    save: "Save certificate checks",
    saved: "The certificate checks were saved.",
    admins_only: "Only an admin of this account can change the certificate checks.",
    err_failure: "Choose Reject or Report.",
    err_threshold: "The pass mark must be a whole number from 0 to 100.",

    org_heading: "Organisation certificates",
    org_intro: "The account's certificates for Document Signer and Automated Sign slots. Add and archive them through the API (/api/signet/docsigners).",
    org_none: "No organisation certificates yet.",
    org_name: "Name",
    org_subject: "Subject",
    org_issuer: "Issuer",
    org_valid_until: "Valid until",
};

pub static HI: CertTexts = CertTexts {
    certificates: "प्रमाणपत्र",
    certificate_of: "{name} का प्रमाणपत्र",
    signature_type: "हस्ताक्षर का प्रकार",
    type_dsc: "DSC टोकन",
    type_doc_signer: "संगठन प्रमाणपत्र",
    type_automated: "स्वचालित संगठन हस्ताक्षर",
    type_aadhaar: "आधार ई-साइन",
    outcome: "परिणाम",
    outcome_signed: "इस प्रमाणपत्र से हस्ताक्षरित",
    outcome_terminated: "समाप्त: प्रमाणपत्र सत्यापन में विफल रहा",
    holder_name: "प्रमाणपत्र पर नाम",
    yob: "जन्म वर्ष",
    gender: "लिंग",
    gender_male: "पुरुष",
    gender_female: "महिला",
    gender_transgender: "ट्रांसजेंडर",
    pincode: "पिन कोड",
    state: "राज्य",
    title: "शीर्षक (आधार के अंतिम चार अंक)",

    results_of: "{name} के सत्यापन के परिणाम",
    check: "जाँच",
    expected: "अपेक्षित",
    result: "नतीजा",
    check_name: "नाम",
    check_smart_name: "स्मार्ट नाम मिलान",
    check_signature: "हस्ताक्षर",
    passed: "सफल",
    failed: "विफल",
    not_checked: "जाँचा नहीं गया: प्रमाणपत्र में यह फ़ील्ड नहीं है",
    at_least: "कम से कम {min} %",
    smart_result: "{outcome}: {pct} %",
    valid_signature: "सत्यापित",
    invalid_signature: "सत्यापित नहीं हुआ",
    no_checks: "इस प्रमाणपत्र से कोई जाँच नहीं माँगी गई।",
    all_passed: "माँगी गई हर जाँच सफल रही।",
    failed_terminated: "सत्यापन विफल ({checks}): आमंत्रण बिना हस्ताक्षर के समाप्त कर दिया गया।",
    failed_reported: "सत्यापन विफल ({checks}): खाते की प्रमाणपत्र जाँच सेटिंग के अनुसार हस्ताक्षर रखा गया और परिणाम बताए गए।",

    checks_heading: "प्रमाणपत्र जाँच",
    checks_intro: "जब किसी हस्ताक्षरकर्ता का प्रमाणपत्र दस्तावेज़ में माँगी गई बातों (नाम, पिन कोड, राज्य और अन्य जाँचों) से मेल नहीं खाता, तब क्या हो।",
    on_failure: "जब कोई जाँच विफल हो",
    reject: "अस्वीकार करें: आमंत्रण समाप्त करें",
    report: "रिपोर्ट करें: हस्ताक्षर रखें और परिणाम बताएँ",
    threshold: "स्मार्ट नाम उत्तीर्ण अंक (%)",
    threshold_hint: "0 से 100 तक की पूर्ण संख्या: प्रमाणपत्र पर नाम हस्ताक्षरकर्ता के नाम से कितना मेल खाना चाहिए।",
    save: "प्रमाणपत्र जाँच सहेजें",
    saved: "प्रमाणपत्र जाँच सहेज ली गई।",
    admins_only: "केवल इस खाते का एडमिन प्रमाणपत्र जाँच बदल सकता है।",
    err_failure: "अस्वीकार करें या रिपोर्ट करें चुनें।",
    err_threshold: "उत्तीर्ण अंक 0 से 100 तक की पूर्ण संख्या होना चाहिए।",

    org_heading: "संगठन प्रमाणपत्र",
    org_intro: "Document Signer और Automated Sign स्लॉट के लिए खाते के प्रमाणपत्र। इन्हें API (/api/signet/docsigners) से जोड़ें और संग्रहित करें।",
    org_none: "अभी कोई संगठन प्रमाणपत्र नहीं है।",
    org_name: "नाम",
    org_subject: "विषय",
    org_issuer: "जारीकर्ता",
    org_valid_until: "वैध तिथि तक",
};

impl CertTexts {
    pub fn certificate_of(&self, name: &str) -> String {
        self.certificate_of.replace("{name}", name)
    }

    pub fn results_of(&self, name: &str) -> String {
        self.results_of.replace("{name}", name)
    }

    pub fn at_least(&self, min: u8) -> String {
        self.at_least.replace("{min}", &min.to_string())
    }

    pub fn smart_result(&self, passed: bool, pct: u8) -> String {
        self.smart_result
            .replace("{outcome}", if passed { self.passed } else { self.failed })
            .replace("{pct}", &pct.to_string())
    }

    pub fn failed_terminated(&self, checks: &str) -> String {
        self.failed_terminated.replace("{checks}", checks)
    }

    pub fn failed_reported(&self, checks: &str) -> String {
        self.failed_reported.replace("{checks}", checks)
    }
}
