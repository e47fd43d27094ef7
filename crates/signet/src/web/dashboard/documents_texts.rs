//! The strings of the Documents and Webhooks screens, in English and Hindi: a struct of their
//! own (reached as `Texts::docs`), so that these screens and the others grow without meeting
//! in one file. Typed like `Texts`: a string missing in Hindi fails the build.

use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::domain::workflow::InviteeType;

pub struct DocsTexts {
    pub all: &'static str,
    pub draft: &'static str,
    pub sent: &'static str,
    pub completed: &'static str,
    pub expired: &'static str,
    pub filter_label: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub clear_search: &'static str,
    pub name: &'static str,
    pub irn: &'static str,
    pub status: &'static str,
    pub created: &'static str,
    pub progress: &'static str,
    /// "{acted} of {total} signed": the template of a document's progress.
    pub progress_of: &'static str,
    pub no_documents: &'static str,
    pub pages_label: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    /// "{from}–{to} of {total}".
    pub showing: &'static str,
    pub times_in: &'static str,

    pub document_id: &'static str,
    pub completed_at: &'static str,
    pub files: &'static str,
    pub download_signed: &'static str,
    pub download_audit: &'static str,
    pub invitees: &'static str,
    pub slot: &'static str,
    pub role: &'static str,
    pub signer: &'static str,
    pub reviewer: &'static str,
    pub sent_at: &'static str,
    pub acted_at: &'static str,
    pub expires_at: &'static str,
    pub actions: &'static str,
    pub their_turn: &'static str,
    pub waiting: &'static str,
    pub signed: &'static str,
    pub approved: &'static str,
    pub rejected: &'static str,
    pub deleted: &'static str,
    pub copy_link: &'static str,
    pub copy_link_hint: &'static str,
    pub resend: &'static str,
    pub activate: &'static str,
    pub delete_invitation: &'static str,
    pub document_actions: &'static str,
    pub mark_complete: &'static str,
    pub mark_complete_hint: &'static str,
    pub reactivate: &'static str,
    pub expiry_days: &'static str,
    pub expiry_days_hint: &'static str,
    pub delete_document: &'static str,
    pub delete_question: &'static str,
    pub history: &'static str,
    pub time: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub details: &'static str,
    pub no_events: &'static str,

    pub deliveries: &'static str,
    pub webhooks_intro: &'static str,
    pub delivered: &'static str,
    pub failed: &'static str,
    pub pending: &'static str,
    pub retrying: &'static str,
    pub event: &'static str,
    pub url: &'static str,
    pub state: &'static str,
    pub attempts: &'static str,
    pub next_attempt: &'static str,
    pub no_attempts: &'static str,
    pub document: &'static str,
    pub redeliver: &'static str,
    pub no_deliveries: &'static str,
    pub ms: &'static str,

    pub notice_resent: &'static str,
    pub notice_activated: &'static str,
    pub notice_invitation_deleted: &'static str,
    pub notice_completed: &'static str,
    pub notice_reactivated: &'static str,
    pub notice_deleted: &'static str,
    pub notice_redelivered: &'static str,

    pub err_page: &'static str,
    pub err_status: &'static str,
    pub err_filter: &'static str,
    pub err_search: &'static str,
    pub err_expiry_days: &'static str,
    pub err_not_sent: &'static str,
    pub err_changed: &'static str,
    pub err_not_expired: &'static str,
    pub err_window: &'static str,
    pub err_active: &'static str,
    pub err_acted: &'static str,
    pub err_rejected: &'static str,
    pub err_invitation_expired: &'static str,
    pub err_not_active: &'static str,
}

pub static EN: DocsTexts = DocsTexts {
    all: "All",
    draft: "Draft",
    sent: "Sent",
    completed: "Completed",
    expired: "Expired",
    filter_label: "Filter by status",
    search: "Search",
    search_hint: "A document's name, IRN or document ID, or an invitee's email, written in full.",
    search_button: "Search",
    clear_search: "Clear search",
    name: "Name",
    irn: "IRN",
    status: "Status",
    created: "Created",
    progress: "Invitees",
    progress_of: "{acted} of {total} signed",
    no_documents: "No documents match.",
    pages_label: "Pages",
    previous: "Previous",
    next: "Next",
    showing: "{from}–{to} of {total}",
    times_in: "Times are in",

    document_id: "Document ID",
    completed_at: "Completed on",
    files: "Files",
    download_signed: "Download signed PDF",
    download_audit: "Download audit trail",
    invitees: "Invitees",
    slot: "Order",
    role: "Role",
    signer: "Signer",
    reviewer: "Reviewer",
    sent_at: "Sent",
    acted_at: "Signed, approved or rejected",
    expires_at: "Expires",
    actions: "Actions",
    their_turn: "Their turn",
    waiting: "Waiting for their turn",
    signed: "Signed",
    approved: "Approved",
    rejected: "Rejected",
    deleted: "Deleted",
    copy_link: "Copy link",
    copy_link_hint: "The signing link: whoever has it can act as this invitee.",
    resend: "Resend",
    activate: "Activate",
    delete_invitation: "Delete invitation",
    document_actions: "Actions",
    mark_complete: "Mark complete",
    mark_complete_hint: "Closes the document now, without the invitees who have not acted.",
    reactivate: "Reactivate",
    expiry_days: "Expiry (days)",
    expiry_days_hint: "-1 for 45 minutes, 0 for the end of today, or 1 to 365 days. Empty: the workflow's.",
    delete_document: "Delete document",
    delete_question: "The document and its files will be deleted and its signing links will stop working. Its history stays in the records.",
    history: "History",
    time: "Time",
    actor: "By",
    action: "Action",
    details: "Details",
    no_events: "No events.",

    deliveries: "Webhook deliveries",
    webhooks_intro: "Every webhook this account's documents sent, newest first, with each attempt.",
    delivered: "Delivered",
    failed: "Failed",
    pending: "Pending",
    retrying: "Retrying",
    event: "Event",
    url: "URL",
    state: "State",
    attempts: "Attempts",
    next_attempt: "Next attempt",
    no_attempts: "Not attempted yet.",
    document: "Document",
    redeliver: "Redeliver",
    no_deliveries: "No webhook deliveries.",
    ms: "ms",

    notice_resent: "The invitation was sent again.",
    notice_activated: "The invitation is active: the invitee can act now.",
    notice_invitation_deleted: "The invitation was deleted.",
    notice_completed: "The document is complete. Its audit trail is being sealed.",
    notice_reactivated: "The document was reactivated.",
    notice_deleted: "The document was deleted.",
    notice_redelivered: "The delivery will be sent again now.",

    err_page: "The page must be a whole number from 1 on.",
    err_status: "Choose a filter: All, Sent, Completed or Expired.",
    err_filter: "Choose a filter: All, Delivered or Failed.",
    err_search: "Search for at most 200 characters.",
    err_expiry_days: "Expiry (days) must be a whole number: -1 (45 minutes), 0 (end of today) or 1 to 365.",
    err_not_sent: "Only a document that is still out for signing can change this way.",
    err_changed: "The invitation or its document changed meanwhile. Check the page and try again.",
    err_not_expired: "The document has no expired invitation to reactivate.",
    err_window: "A document can be reactivated only within 30 days of its expiry.",
    err_active: "An invitation is still active: delete it, or wait for it to act or expire.",
    err_acted: "This invitee has already signed or approved.",
    err_rejected: "This invitee rejected the document.",
    err_invitation_expired: "This invitation has expired: reactivate the document first.",
    err_not_active: "It is not this invitee's turn yet: activate them first.",
};

pub static HI: DocsTexts = DocsTexts {
    all: "सभी",
    draft: "ड्राफ़्ट",
    sent: "भेजे गए",
    completed: "पूर्ण",
    expired: "समाप्त",
    filter_label: "स्थिति से छाँटें",
    search: "खोजें",
    search_hint: "दस्तावेज़ का पूरा नाम, IRN या दस्तावेज़ ID, या किसी आमंत्रित व्यक्ति का पूरा ईमेल।",
    search_button: "खोजें",
    clear_search: "खोज हटाएँ",
    name: "नाम",
    irn: "IRN",
    status: "स्थिति",
    created: "बनाया गया",
    progress: "आमंत्रित लोग",
    progress_of: "{total} में से {acted} ने हस्ताक्षर किए",
    no_documents: "कोई दस्तावेज़ नहीं मिला।",
    pages_label: "पेज",
    previous: "पिछला",
    next: "अगला",
    showing: "{total} में से {from}–{to}",
    times_in: "समय इस क्षेत्र में है:",

    document_id: "दस्तावेज़ ID",
    completed_at: "पूर्ण होने का समय",
    files: "फ़ाइलें",
    download_signed: "हस्ताक्षरित PDF डाउनलोड करें",
    download_audit: "ऑडिट ट्रेल डाउनलोड करें",
    invitees: "आमंत्रित लोग",
    slot: "क्रम",
    role: "भूमिका",
    signer: "हस्ताक्षरकर्ता",
    reviewer: "समीक्षक",
    sent_at: "भेजा गया",
    acted_at: "हस्ताक्षर, स्वीकृति या अस्वीकृति",
    expires_at: "समाप्ति",
    actions: "कार्रवाइयाँ",
    their_turn: "इनकी बारी",
    waiting: "अपनी बारी की प्रतीक्षा में",
    signed: "हस्ताक्षरित",
    approved: "स्वीकृत",
    rejected: "अस्वीकृत",
    deleted: "हटाया गया",
    copy_link: "लिंक कॉपी करें",
    copy_link_hint: "हस्ताक्षर का लिंक: जिसके पास यह है, वह इस व्यक्ति के रूप में कार्रवाई कर सकता है।",
    resend: "फिर से भेजें",
    activate: "सक्रिय करें",
    delete_invitation: "आमंत्रण हटाएँ",
    document_actions: "कार्रवाइयाँ",
    mark_complete: "पूर्ण चिह्नित करें",
    mark_complete_hint: "दस्तावेज़ को अभी बंद करता है, उन लोगों के बिना जिन्होंने कार्रवाई नहीं की।",
    reactivate: "फिर से सक्रिय करें",
    expiry_days: "समाप्ति (दिन)",
    expiry_days_hint: "45 मिनट के लिए -1, आज के अंत तक 0, या 1 से 365 दिन। खाली: वर्कफ़्लो के अनुसार।",
    delete_document: "दस्तावेज़ हटाएँ",
    delete_question: "दस्तावेज़ और उसकी फ़ाइलें हटा दी जाएँगी और उसके हस्ताक्षर लिंक काम करना बंद कर देंगे। उसका इतिहास रिकॉर्ड में बना रहेगा।",
    history: "इतिहास",
    time: "समय",
    actor: "किसने",
    action: "कार्रवाई",
    details: "विवरण",
    no_events: "कोई घटना नहीं।",

    deliveries: "वेबहुक डिलीवरी",
    webhooks_intro: "इस खाते के दस्तावेज़ों से भेजा गया हर वेबहुक, सबसे नया पहले, हर प्रयास के साथ।",
    delivered: "पहुँचाए गए",
    failed: "विफल",
    pending: "बाकी",
    retrying: "फिर से कोशिश जारी",
    event: "घटना",
    url: "URL",
    state: "स्थिति",
    attempts: "प्रयास",
    next_attempt: "अगला प्रयास",
    no_attempts: "अभी कोई प्रयास नहीं हुआ।",
    document: "दस्तावेज़",
    redeliver: "फिर से भेजें",
    no_deliveries: "कोई वेबहुक डिलीवरी नहीं।",
    ms: "मि.से.",

    notice_resent: "आमंत्रण फिर से भेज दिया गया।",
    notice_activated: "आमंत्रण सक्रिय है: आमंत्रित व्यक्ति अब कार्रवाई कर सकता है।",
    notice_invitation_deleted: "आमंत्रण हटा दिया गया।",
    notice_completed: "दस्तावेज़ पूर्ण हो गया। उसका ऑडिट ट्रेल सील किया जा रहा है।",
    notice_reactivated: "दस्तावेज़ फिर से सक्रिय कर दिया गया।",
    notice_deleted: "दस्तावेज़ हटा दिया गया।",
    notice_redelivered: "डिलीवरी अभी फिर से भेजी जाएगी।",

    err_page: "पेज 1 या उससे बड़ी पूर्ण संख्या होनी चाहिए।",
    err_status: "एक फ़िल्टर चुनें: सभी, भेजे गए, पूर्ण या समाप्त।",
    err_filter: "एक फ़िल्टर चुनें: सभी, पहुँचाए गए या विफल।",
    err_search: "अधिकतम 200 अक्षरों में खोजें।",
    err_expiry_days: "समाप्ति (दिन) एक पूर्ण संख्या होनी चाहिए: -1 (45 मिनट), 0 (आज का अंत) या 1 से 365।",
    err_not_sent: "केवल वही दस्तावेज़ इस तरह बदला जा सकता है जो अभी हस्ताक्षर के लिए भेजा हुआ है।",
    err_changed: "इस बीच आमंत्रण या उसका दस्तावेज़ बदल गया। पेज देखें और फिर कोशिश करें।",
    err_not_expired: "इस दस्तावेज़ में फिर से सक्रिय करने के लिए कोई समाप्त आमंत्रण नहीं है।",
    err_window: "दस्तावेज़ को उसकी समाप्ति के 30 दिनों के भीतर ही फिर से सक्रिय किया जा सकता है।",
    err_active: "एक आमंत्रण अभी सक्रिय है: उसे हटाएँ, या उसकी कार्रवाई या समाप्ति की प्रतीक्षा करें।",
    err_acted: "यह व्यक्ति पहले ही हस्ताक्षर या स्वीकृति दे चुका है।",
    err_rejected: "इस व्यक्ति ने दस्तावेज़ अस्वीकार कर दिया है।",
    err_invitation_expired: "यह आमंत्रण समाप्त हो गया है: पहले दस्तावेज़ को फिर से सक्रिय करें।",
    err_not_active: "अभी इस व्यक्ति की बारी नहीं है: पहले इन्हें सक्रिय करें।",
};

impl DocsTexts {
    pub fn document_status(&self, status: DocumentStatus) -> &'static str {
        match status {
            DocumentStatus::Draft => self.draft,
            DocumentStatus::Sent => self.sent,
            DocumentStatus::Completed => self.completed,
            DocumentStatus::Expired => self.expired,
        }
    }

    /// An invitation's state in words; a pending one says whether it is the invitee's turn.
    pub fn invitation_status(
        &self,
        status: InvitationStatus,
        active: bool,
        deleted: bool,
    ) -> &'static str {
        match status {
            _ if deleted => self.deleted,
            InvitationStatus::Pending if active => self.their_turn,
            InvitationStatus::Pending => self.waiting,
            InvitationStatus::Signed => self.signed,
            InvitationStatus::Approved => self.approved,
            InvitationStatus::Rejected => self.rejected,
            InvitationStatus::Expired => self.expired,
        }
    }

    pub fn invitee_type(&self, kind: InviteeType) -> &'static str {
        match kind {
            InviteeType::Signer => self.signer,
            InviteeType::Reviewer => self.reviewer,
        }
    }

    pub fn progress(&self, acted: &str, total: &str) -> String {
        self.progress_of
            .replace("{acted}", acted)
            .replace("{total}", total)
    }

    pub fn showing(&self, from: &str, to: &str, total: &str) -> String {
        self.showing
            .replace("{from}", from)
            .replace("{to}", to)
            .replace("{total}", total)
    }

    /// The words for a lifecycle operation's refusal, by its code; `None` for one these
    /// screens do not expect.
    pub fn error(&self, code: &str) -> Option<&'static str> {
        Some(match code {
            "document.not.sent" => self.err_not_sent,
            "invitation.conflict" => self.err_changed,
            "document.not.expired" => self.err_not_expired,
            "reactivation.window.passed" => self.err_window,
            "expiry.days.invalid" => self.err_expiry_days,
            "document.invitations.active" => self.err_active,
            "invitation.already.signed" => self.err_acted,
            "invitation.rejected" => self.err_rejected,
            "invitation.expired" => self.err_invitation_expired,
            "invitation.not.active" => self.err_not_active,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The accessible names tests and docs rely on (API.md section 12) are the English ones.
    #[test]
    fn english_names_are_the_documented_ones() {
        assert_eq!(
            [EN.all, EN.sent, EN.completed, EN.expired, EN.search],
            ["All", "Sent", "Completed", "Expired", "Search"]
        );
        assert_eq!(
            [
                EN.copy_link,
                EN.resend,
                EN.activate,
                EN.delete_invitation,
                EN.download_signed,
                EN.download_audit,
                EN.mark_complete,
                EN.reactivate,
                EN.delete_document,
                EN.redeliver,
                EN.delivered,
                EN.failed,
            ],
            [
                "Copy link",
                "Resend",
                "Activate",
                "Delete invitation",
                "Download signed PDF",
                "Download audit trail",
                "Mark complete",
                "Reactivate",
                "Delete document",
                "Redeliver",
                "Delivered",
                "Failed",
            ]
        );
    }

    /// Every refusal of a lifecycle operation a page can meet has words in both languages.
    #[test]
    fn refusals_are_worded_in_both_languages() {
        for code in [
            "document.not.sent",
            "invitation.conflict",
            "document.not.expired",
            "reactivation.window.passed",
            "expiry.days.invalid",
            "document.invitations.active",
            "invitation.already.signed",
            "invitation.rejected",
            "invitation.expired",
            "invitation.not.active",
        ] {
            assert!(
                EN.error(code).is_some() && HI.error(code).is_some(),
                "{code}"
            );
        }
        assert_eq!(HI.progress("1", "2"), "2 में से 1 ने हस्ताक्षर किए");
        assert_eq!(EN.progress("1", "2"), "1 of 2 signed");
    }
}
