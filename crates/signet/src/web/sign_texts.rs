//! Every string of the signing page, in English and Hindi: the page's own words are written
//! into its template, and the script's (states, errors, outcomes) travel with it as JSON in
//! the `data-strings` attribute, so the page still needs no request beyond the invitee API.
//! A typed catalogue, as the dashboard's (`web/dashboard/i18n.rs`): a string missing in Hindi
//! fails the build. `{name}` marks a value the script puts in.

use serde::Serialize;

use crate::domain::language::Language;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignTexts {
    /// The BCP 47 tag, for `<html lang>`.
    #[serde(skip)]
    pub lang: &'static str,
    #[serde(skip)]
    pub title: &'static str,
    #[serde(skip)]
    pub skip: &'static str,
    #[serde(skip)]
    pub language: &'static str,
    #[serde(skip)]
    pub document: &'static str,
    #[serde(skip)]
    pub download: &'static str,
    #[serde(skip)]
    pub otp_intro: &'static str,
    #[serde(skip)]
    pub otp_send: &'static str,
    #[serde(skip)]
    pub otp_code: &'static str,
    #[serde(skip)]
    pub your_signature: &'static str,
    #[serde(skip)]
    pub type_mode: &'static str,
    #[serde(skip)]
    pub draw_mode: &'static str,
    #[serde(skip)]
    pub full_name: &'static str,
    #[serde(skip)]
    pub draw_hint: &'static str,
    #[serde(skip)]
    pub clear: &'static str,
    #[serde(skip)]
    pub consent: &'static str,
    #[serde(skip)]
    pub sign_document: &'static str,
    #[serde(skip)]
    pub review_intro: &'static str,
    #[serde(skip)]
    pub approve_document: &'static str,
    #[serde(skip)]
    pub reason: &'static str,
    #[serde(skip)]
    pub reject_document: &'static str,
    #[serde(skip)]
    pub personal_link: &'static str,
    #[serde(skip)]
    pub needs_script: &'static str,

    pub loading: &'static str,
    pub loading_document: &'static str,
    pub unreachable_reload: &'static str,
    pub not_found: &'static str,
    pub server_answered: &'static str,
    pub link_unavailable: &'static str,
    pub nothing_to_sign: &'static str,
    pub one_page: &'static str,
    pub pages: &'static str,
    pub signer: &'static str,
    pub reviewer: &'static str,
    pub done_signed: &'static str,
    pub done_approved: &'static str,
    pub done_rejected: &'static str,
    pub expired: &'static str,
    pub not_your_turn: &'static str,
    pub certificate_only: &'static str,
    pub signed: &'static str,
    pub approved: &'static str,
    pub rejected: &'static str,
    pub review_title: &'static str,
    pub sign_title: &'static str,
    pub decline_approve: &'static str,
    pub decline_sign: &'static str,
    pub page_of: &'static str,
    pub signature: &'static str,
    pub sign_here: &'static str,
    pub not_displayed: &'static str,
    pub enter_code: &'static str,
    pub try_again: &'static str,
    pub continue_: &'static str,
    pub unreachable_nothing_recorded: &'static str,
    pub everyone_finished: &'static str,
    pub type_your_name: &'static str,
    pub draw_or_type: &'static str,
    pub tick_consent: &'static str,
    pub signature_added: &'static str,
    pub approval_recorded: &'static str,
    pub you_declined: &'static str,
    pub code_sent: &'static str,
    pub unreachable: &'static str,
}

pub static EN: SignTexts = SignTexts {
    lang: "en",
    title: "Sign document",
    skip: "Skip to actions",
    language: "Language",
    document: "Document",
    download: "Download PDF",
    otp_intro: "This document is protected by a one-time code, sent to your email when you ask for it.",
    otp_send: "Email me a code",
    otp_code: "One-time code",
    your_signature: "Your signature",
    type_mode: "Type",
    draw_mode: "Draw",
    full_name: "Full name",
    draw_hint: "Draw your signature with a mouse, pen or finger",
    clear: "Clear",
    consent: "I agree to sign this document electronically, and that my electronic signature is as binding as a handwritten one.",
    sign_document: "Sign document",
    review_intro: "You are asked to review this document. Approving records your agreement; it does not add a signature.",
    approve_document: "Approve document",
    reason: "Reason (shared with the sender)",
    reject_document: "Reject document",
    personal_link: "The link to this page is personal. Do not forward it.",
    needs_script: "This page needs JavaScript to show the document and record your signature.",

    loading: "Loading…",
    loading_document: "Loading document…",
    unreachable_reload: "The server could not be reached. Check your connection and reload the page.",
    not_found: "This signing link was not found. It may have been mistyped or withdrawn.",
    server_answered: "The server answered {status}.",
    link_unavailable: "Signing link unavailable",
    nothing_to_sign: "Nothing to sign here",
    one_page: "1 page",
    pages: "{count} pages",
    signer: "Signer",
    reviewer: "Reviewer",
    done_signed: "You have signed this document. Thank you.",
    done_approved: "You have approved this document. Thank you.",
    done_rejected: "You rejected this document. The sender has been told.",
    expired: "This signing link has expired. Ask the sender for a new one.",
    not_your_turn: "It is not your turn yet. You can act once the people before you have finished; the link will work then.",
    certificate_only: "This document must be signed with a certificate (for example a DSC token), which this page does not support.",
    signed: "Signed",
    approved: "Approved",
    rejected: "Rejected",
    review_title: "Review this document",
    sign_title: "Sign this document",
    decline_approve: "Decline to approve…",
    decline_sign: "Decline to sign…",
    page_of: "Page {page} of {count}",
    signature: "Signature",
    sign_here: "Sign here",
    not_displayed: "The document could not be displayed ({why}). You can still download it.",
    enter_code: "Enter the one-time code from your email (ask for one above).",
    try_again: "The server answered {status}. Please try again.",
    continue_: "Continue",
    unreachable_nothing_recorded: "The server could not be reached. Nothing was recorded; please try again.",
    everyone_finished: " Everyone has now finished; the sender will send you the final copy.",
    type_your_name: "Type your name to sign.",
    draw_or_type: "Draw your signature in the box, or choose Type.",
    tick_consent: "Please tick the box to agree to sign electronically.",
    signature_added: "Your signature has been added to the document.",
    approval_recorded: "Your approval has been recorded.",
    you_declined: "You declined this document. The sender has been told.",
    code_sent: "A code was sent to {to}. It is good for {minutes} minutes.",
    unreachable: "The server could not be reached. Please try again.",
};

pub static HI: SignTexts = SignTexts {
    lang: "hi",
    title: "दस्तावेज़ पर हस्ताक्षर करें",
    skip: "कार्रवाइयों पर जाएँ",
    language: "भाषा",
    document: "दस्तावेज़",
    download: "PDF डाउनलोड करें",
    otp_intro: "यह दस्तावेज़ एक वन-टाइम कोड से सुरक्षित है, जो माँगने पर आपके ईमेल पर भेजा जाता है।",
    otp_send: "मुझे कोड ईमेल करें",
    otp_code: "वन-टाइम कोड",
    your_signature: "आपके हस्ताक्षर",
    type_mode: "टाइप करें",
    draw_mode: "बनाएँ",
    full_name: "पूरा नाम",
    draw_hint: "माउस, पेन या उँगली से अपने हस्ताक्षर बनाएँ",
    clear: "मिटाएँ",
    consent: "मैं इस दस्तावेज़ पर इलेक्ट्रॉनिक रूप से हस्ताक्षर करने के लिए सहमत हूँ, और मानता/मानती हूँ कि मेरे इलेक्ट्रॉनिक हस्ताक्षर हाथ से किए गए हस्ताक्षर जितने ही बाध्यकारी हैं।",
    sign_document: "दस्तावेज़ पर हस्ताक्षर करें",
    review_intro: "आपसे इस दस्तावेज़ की समीक्षा करने के लिए कहा गया है। स्वीकृति देने से आपकी सहमति दर्ज होती है; इससे हस्ताक्षर नहीं जुड़ता।",
    approve_document: "दस्तावेज़ स्वीकृत करें",
    reason: "कारण (भेजने वाले को बताया जाएगा)",
    reject_document: "दस्तावेज़ अस्वीकार करें",
    personal_link: "इस पृष्ठ का लिंक निजी है। इसे किसी और को न भेजें।",
    needs_script: "दस्तावेज़ दिखाने और आपके हस्ताक्षर दर्ज करने के लिए इस पृष्ठ को JavaScript चाहिए।",

    loading: "लोड हो रहा है…",
    loading_document: "दस्तावेज़ लोड हो रहा है…",
    unreachable_reload: "सर्वर से संपर्क नहीं हो सका। अपना कनेक्शन जाँचें और पृष्ठ फिर से लोड करें।",
    not_found: "यह हस्ताक्षर लिंक नहीं मिला। हो सकता है यह गलत लिखा गया हो या वापस ले लिया गया हो।",
    server_answered: "सर्वर ने {status} उत्तर दिया।",
    link_unavailable: "हस्ताक्षर लिंक उपलब्ध नहीं है",
    nothing_to_sign: "यहाँ हस्ताक्षर करने के लिए कुछ नहीं है",
    one_page: "1 पृष्ठ",
    pages: "{count} पृष्ठ",
    signer: "हस्ताक्षरकर्ता",
    reviewer: "समीक्षक",
    done_signed: "आपने इस दस्तावेज़ पर हस्ताक्षर कर दिए हैं। धन्यवाद।",
    done_approved: "आपने इस दस्तावेज़ को स्वीकृति दे दी है। धन्यवाद।",
    done_rejected: "आपने यह दस्तावेज़ अस्वीकार कर दिया। भेजने वाले को सूचित कर दिया गया है।",
    expired: "इस हस्ताक्षर लिंक की अवधि समाप्त हो गई है। भेजने वाले से नया लिंक माँगें।",
    not_your_turn: "अभी आपकी बारी नहीं है। आपसे पहले वाले लोगों के पूरा करने के बाद आप कार्रवाई कर सकेंगे; तब यह लिंक काम करेगा।",
    certificate_only: "इस दस्तावेज़ पर प्रमाणपत्र (जैसे DSC टोकन) से हस्ताक्षर होने चाहिए, जो यह पृष्ठ नहीं कर सकता।",
    signed: "हस्ताक्षरित",
    approved: "स्वीकृत",
    rejected: "अस्वीकृत",
    review_title: "इस दस्तावेज़ की समीक्षा करें",
    sign_title: "इस दस्तावेज़ पर हस्ताक्षर करें",
    decline_approve: "स्वीकृति देने से मना करें…",
    decline_sign: "हस्ताक्षर करने से मना करें…",
    page_of: "पृष्ठ {page} / {count}",
    signature: "हस्ताक्षर",
    sign_here: "यहाँ हस्ताक्षर करें",
    not_displayed: "दस्तावेज़ दिखाया नहीं जा सका ({why})। आप इसे फिर भी डाउनलोड कर सकते हैं।",
    enter_code: "अपने ईमेल से मिला वन-टाइम कोड दर्ज करें (ऊपर से एक कोड माँगें)।",
    try_again: "सर्वर ने {status} उत्तर दिया। कृपया फिर से प्रयास करें।",
    continue_: "आगे बढ़ें",
    unreachable_nothing_recorded: "सर्वर से संपर्क नहीं हो सका। कुछ भी दर्ज नहीं हुआ; कृपया फिर से प्रयास करें।",
    everyone_finished: " सभी ने अब अपना काम पूरा कर लिया है; भेजने वाला आपको अंतिम प्रति भेजेगा।",
    type_your_name: "हस्ताक्षर के लिए अपना नाम टाइप करें।",
    draw_or_type: "बॉक्स में अपने हस्ताक्षर बनाएँ, या टाइप करें चुनें।",
    tick_consent: "इलेक्ट्रॉनिक रूप से हस्ताक्षर करने की सहमति के लिए कृपया बॉक्स पर सही का निशान लगाएँ।",
    signature_added: "आपके हस्ताक्षर दस्तावेज़ में जोड़ दिए गए हैं।",
    approval_recorded: "आपकी स्वीकृति दर्ज कर ली गई है।",
    you_declined: "आपने यह दस्तावेज़ अस्वीकार कर दिया। भेजने वाले को सूचित कर दिया गया है।",
    code_sent: "{to} पर एक कोड भेजा गया है। यह {minutes} मिनट तक मान्य है।",
    unreachable: "सर्वर से संपर्क नहीं हो सका। कृपया फिर से प्रयास करें।",
};

impl SignTexts {
    pub fn of(language: Language) -> &'static SignTexts {
        match language {
            Language::English => &EN,
            Language::Hindi => &HI,
        }
    }

    /// The script's strings, for the page's `data-strings`.
    pub fn script_json(&self) -> String {
        serde_json::to_string(self).expect("strings serialize")
    }
}
