//! Every string of the dashboard, in English and Hindi.
//!
//! A typed catalogue rather than Fluent files or gettext: each language is a value of one
//! struct, so a string missing in Hindi is a compile error (Fluent and gettext find it at run
//! time, falling back to English on a page nobody tested), templates name strings as fields
//! that askama checks when the binary builds, and it adds no dependency to a build that is
//! already long. The dashboard's strings need no plural rules or arguments beyond what a
//! template composes, which is where Fluent would earn its keep; if they come, this is the
//! module to replace.

pub mod certificates;
pub mod workflows;

use crate::domain::language::Language;
use crate::domain::users::Role;

pub struct Texts {
    /// The BCP 47 tag, for `<html lang>`.
    pub lang: &'static str,
    pub skip: &'static str,
    pub nav_label: &'static str,
    pub language: &'static str,
    pub documents: &'static str,
    pub workflows: &'static str,
    pub webhooks: &'static str,
    pub api_settings: &'static str,
    pub users: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,

    pub sign_in_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub password_set: &'static str,
    pub signed_out: &'static str,

    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub account_name: &'static str,
    pub your_name: &'static str,
    pub password_hint: &'static str,
    pub create_account: &'static str,

    pub invite_title: &'static str,
    pub invite_intro: &'static str,
    pub set_password: &'static str,

    pub users_intro: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub actions: &'static str,
    pub invited: &'static str,
    pub active: &'static str,
    pub you: &'static str,
    pub invite_user: &'static str,
    pub change_role: &'static str,
    pub role_for: &'static str,
    pub remove: &'static str,
    pub remove_title: &'static str,
    pub remove_question: &'static str,
    pub cancel: &'static str,
    pub role_admin: &'static str,
    pub role_sender: &'static str,
    pub role_viewer: &'static str,
    pub roles_explained: &'static str,
    pub notice_invited: &'static str,
    pub notice_role: &'static str,
    pub notice_removed: &'static str,

    pub forbidden_title: &'static str,
    pub forbidden_text: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub csrf_text: &'static str,
    pub back_home: &'static str,
    pub problem: &'static str,

    pub err_login_failed: &'static str,
    pub err_login_locked: &'static str,
    pub err_email: &'static str,
    pub err_email_taken: &'static str,
    pub err_name: &'static str,
    pub err_account_name: &'static str,
    pub err_password: &'static str,
    pub err_last_admin: &'static str,
    pub err_remove_self: &'static str,
    pub err_setup_link: &'static str,
    pub err_invite_link: &'static str,
    pub err_role: &'static str,

    /// The Documents and Webhooks screens.
    pub docs: &'static super::documents_texts::DocsTexts,
    /// The Workflows screens, the editor and Run.
    pub wf: &'static workflows::WorkflowTexts,
    /// Certificate signatures: the document page's results, the settings' checks.
    pub cert: &'static certificates::CertTexts,
}

pub static EN: Texts = Texts {
    lang: "en",
    skip: "Skip to content",
    nav_label: "Main",
    language: "Language",
    documents: "Documents",
    workflows: "Workflows",
    webhooks: "Webhooks",
    api_settings: "API settings",
    users: "Users",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",

    sign_in_title: "Sign in to Signet",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    password_set: "Your password is set. Sign in with it.",
    signed_out: "You have signed out.",

    setup_title: "Set up Signet",
    setup_intro: "Create your organisation's account and its first admin: you.",
    account_name: "Account name",
    your_name: "Your name",
    password_hint: "At least 10 characters.",
    create_account: "Create account",

    invite_title: "Set your password",
    invite_intro: "You have been invited to Signet. Choose your password to start.",
    set_password: "Set password",

    users_intro: "The people of this account and what each may do.",
    name: "Name",
    role: "Role",
    status: "Status",
    actions: "Actions",
    invited: "Invited",
    active: "Active",
    you: "(you)",
    invite_user: "Invite user",
    change_role: "Change role",
    role_for: "Role of",
    remove: "Remove",
    remove_title: "Remove user",
    remove_question: "This user will be signed out and can no longer sign in. Their past actions stay in the records.",
    cancel: "Cancel",
    role_admin: "Admin",
    role_sender: "Sender",
    role_viewer: "Viewer",
    roles_explained: "Admins can do everything, users and API settings included. Senders run workflows and act on documents. Viewers only read.",
    notice_invited: "Invitation sent. The link in it works for 24 hours.",
    notice_role: "Role changed.",
    notice_removed: "User removed.",

    forbidden_title: "Not allowed",
    forbidden_text: "Your role does not allow this. Nothing was changed.",
    not_found_title: "Not found",
    not_found_text: "There is nothing here.",
    error_title: "Something went wrong",
    error_text: "The server could not do this. It has been logged; please try again later.",
    csrf_text: "This form was not sent from this session's page, so nothing was changed. Go back, reload the page and try again.",
    back_home: "Back to the dashboard",
    problem: "There is a problem",

    err_login_failed: "Wrong email or password.",
    err_login_locked: "Too many wrong passwords for this email. Try again in 15 minutes.",
    err_email: "Enter an email address, like name@example.com (at most 254 characters).",
    err_email_taken: "A user with this email address already exists.",
    err_name: "Enter a name of at most 100 characters, without control characters.",
    err_account_name: "Enter an account name of at most 200 characters, without control characters.",
    err_password: "The password must have 10 to 1024 characters.",
    err_last_admin: "An account needs at least one admin.",
    err_remove_self: "You cannot remove yourself; ask another admin.",
    err_setup_link: "This setup link has been used or replaced. Restart the server to get a new one in its log.",
    err_invite_link: "This link has expired or has been used. Ask your admin for a new invitation.",
    err_role: "Choose a role: Admin, Sender or Viewer.",

    docs: &super::documents_texts::EN,
    wf: &workflows::EN,
    cert: &certificates::EN,
};

pub static HI: Texts = Texts {
    lang: "hi",
    skip: "मुख्य सामग्री पर जाएँ",
    nav_label: "मुख्य",
    language: "भाषा",
    documents: "दस्तावेज़",
    workflows: "वर्कफ़्लो",
    webhooks: "वेबहुक",
    api_settings: "API सेटिंग्स",
    users: "उपयोगकर्ता",
    sign_out: "साइन आउट",
    signed_in_as: "साइन इन:",

    sign_in_title: "Signet में साइन इन करें",
    email: "ईमेल",
    password: "पासवर्ड",
    sign_in: "साइन इन करें",
    password_set: "आपका पासवर्ड बन गया है। उससे साइन इन करें।",
    signed_out: "आप साइन आउट हो गए हैं।",

    setup_title: "Signet सेट अप करें",
    setup_intro: "अपने संगठन का खाता और उसका पहला एडमिन (आप) बनाएँ।",
    account_name: "खाते का नाम",
    your_name: "आपका नाम",
    password_hint: "कम से कम 10 अक्षर।",
    create_account: "खाता बनाएँ",

    invite_title: "अपना पासवर्ड बनाएँ",
    invite_intro: "आपको Signet में आमंत्रित किया गया है। शुरू करने के लिए अपना पासवर्ड चुनें।",
    set_password: "पासवर्ड बनाएँ",

    users_intro: "इस खाते के लोग और हर कोई क्या कर सकता है।",
    name: "नाम",
    role: "भूमिका",
    status: "स्थिति",
    actions: "कार्रवाइयाँ",
    invited: "आमंत्रित",
    active: "सक्रिय",
    you: "(आप)",
    invite_user: "उपयोगकर्ता को आमंत्रित करें",
    change_role: "भूमिका बदलें",
    role_for: "भूमिका:",
    remove: "हटाएँ",
    remove_title: "उपयोगकर्ता हटाएँ",
    remove_question: "यह उपयोगकर्ता साइन आउट हो जाएगा और फिर साइन इन नहीं कर पाएगा। उनकी पिछली कार्रवाइयाँ रिकॉर्ड में बनी रहेंगी।",
    cancel: "रद्द करें",
    role_admin: "एडमिन",
    role_sender: "प्रेषक",
    role_viewer: "दर्शक",
    roles_explained: "एडमिन सब कुछ कर सकते हैं, उपयोगकर्ता और API सेटिंग्स भी। प्रेषक वर्कफ़्लो चलाते हैं और दस्तावेज़ों पर कार्रवाई करते हैं। दर्शक केवल देख सकते हैं।",
    notice_invited: "आमंत्रण भेज दिया गया। उसमें दिया लिंक 24 घंटे तक काम करेगा।",
    notice_role: "भूमिका बदल दी गई।",
    notice_removed: "उपयोगकर्ता हटा दिया गया।",

    forbidden_title: "अनुमति नहीं है",
    forbidden_text: "आपकी भूमिका में यह करने की अनुमति नहीं है। कुछ नहीं बदला गया।",
    not_found_title: "नहीं मिला",
    not_found_text: "यहाँ कुछ नहीं है।",
    error_title: "कुछ गलत हो गया",
    error_text: "सर्वर यह नहीं कर सका। इसे दर्ज कर लिया गया है; कृपया बाद में फिर कोशिश करें।",
    csrf_text: "यह फ़ॉर्म इस सत्र के पेज से नहीं भेजा गया, इसलिए कुछ नहीं बदला गया। वापस जाएँ, पेज फिर से लोड करें और दोबारा कोशिश करें।",
    back_home: "डैशबोर्ड पर वापस जाएँ",
    problem: "एक समस्या है",

    err_login_failed: "ईमेल या पासवर्ड गलत है।",
    err_login_locked: "इस ईमेल के लिए बहुत बार गलत पासवर्ड डाला गया। 15 मिनट बाद फिर कोशिश करें।",
    err_email: "एक ईमेल पता डालें, जैसे name@example.com (अधिकतम 254 अक्षर)।",
    err_email_taken: "इस ईमेल पते का उपयोगकर्ता पहले से मौजूद है।",
    err_name: "अधिकतम 100 अक्षरों का नाम डालें, बिना नियंत्रण अक्षरों के।",
    err_account_name: "अधिकतम 200 अक्षरों का खाते का नाम डालें, बिना नियंत्रण अक्षरों के।",
    err_password: "पासवर्ड में 10 से 1024 अक्षर होने चाहिए।",
    err_last_admin: "हर खाते में कम से कम एक एडमिन होना चाहिए।",
    err_remove_self: "आप खुद को नहीं हटा सकते; किसी दूसरे एडमिन से कहें।",
    err_setup_link: "यह सेटअप लिंक इस्तेमाल हो चुका है या बदल दिया गया है। नया लिंक पाने के लिए सर्वर फिर से शुरू करें और उसका लॉग देखें।",
    err_invite_link: "इस लिंक की अवधि समाप्त हो गई है या इसका उपयोग हो चुका है। अपने एडमिन से नया आमंत्रण माँगें।",
    err_role: "एक भूमिका चुनें: एडमिन, प्रेषक या दर्शक।",

    docs: &super::documents_texts::HI,
    wf: &workflows::HI,
    cert: &certificates::HI,
};

impl Texts {
    pub fn of(language: Language) -> &'static Texts {
        match language {
            Language::English => &EN,
            Language::Hindi => &HI,
        }
    }

    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Admin => self.role_admin,
            Role::Sender => self.role_sender,
            Role::Viewer => self.role_viewer,
        }
    }

    /// The words for a service's refusal, by its code; `None` for a code the dashboard does
    /// not expect (its English message is shown).
    pub fn error(&self, code: &str) -> Option<&'static str> {
        Some(match code {
            "login.failed" => self.err_login_failed,
            "login.locked" => self.err_login_locked,
            "user.email.invalid" => self.err_email,
            "user.email.taken" => self.err_email_taken,
            "user.name.invalid" => self.err_name,
            "account.name.invalid" => self.err_account_name,
            "user.password.invalid" => self.err_password,
            "user.last.admin" => self.err_last_admin,
            "user.remove.self" => self.err_remove_self,
            "setup.token.invalid" => self.err_setup_link,
            "invitation.token.invalid" => self.err_invite_link,
            "user.role.invalid" => self.err_role,
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
            [
                EN.documents,
                EN.workflows,
                EN.webhooks,
                EN.api_settings,
                EN.users
            ],
            [
                "Documents",
                "Workflows",
                "Webhooks",
                "API settings",
                "Users"
            ]
        );
        assert_eq!(
            [EN.email, EN.password, EN.sign_in, EN.sign_out],
            ["Email", "Password", "Sign in", "Sign out"]
        );
        assert_eq!(EN.invite_user, "Invite user");
        assert_eq!(Texts::of(Language::Hindi).lang, "hi");
    }

    /// Every refusal the dashboard's forms can meet has words in both languages.
    #[test]
    fn refusals_are_worded_in_both_languages() {
        for code in [
            "login.failed",
            "login.locked",
            "user.email.invalid",
            "user.password.invalid",
        ] {
            assert!(
                EN.error(code).is_some() && HI.error(code).is_some(),
                "{code}"
            );
        }
        assert_eq!(EN.error("x.y"), None);
    }
}
