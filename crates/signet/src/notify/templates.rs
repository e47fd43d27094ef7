//! The mail's wording: askama templates in `crates/signet/templates/mail/{en,hi}/`, compiled
//! into the binary and checked when it builds. Each mail has a subject, a text body and an
//! HTML body per language. The `.html` ones escape every value; the `.txt` ones print values
//! as given, so the caller makes them header-safe first (`one_line`). askama drops a template
//! file's last newline, which is why the text bodies end with an empty line.

use askama::Template;

use crate::domain::language::Language;

/// What an invitation or reminder says.
pub(super) struct Invitation<'a> {
    pub reminder: bool,
    /// A signer is asked to sign, a reviewer to review.
    pub signer: bool,
    pub name: &'a str,
    pub document: &'a str,
    /// The workflow's message; without one the mail says what the invitee is invited to.
    pub message: Option<&'a str>,
    pub link: &'a str,
    pub expiry: &'a str,
    pub zone: &'a str,
}

/// What a one-time code mail says.
pub(super) struct Code<'a> {
    pub name: &'a str,
    pub document: &'a str,
    pub code: &'a str,
    /// How long the code is good for (the domain's policy).
    pub minutes: u64,
}

/// What a user's invitation to the dashboard says.
pub(super) struct UserInvitation<'a> {
    pub inviter: &'a str,
    pub account: &'a str,
    /// The role, in the mail's language.
    pub role: &'a str,
    pub link: &'a str,
    pub hours: i64,
}

/// A mail's three parts.
#[derive(Debug)]
pub(super) struct Written {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One template struct per file, each reading the facts it borrows through `Deref`, so one
/// set of facts serves every language.
macro_rules! templates {
    ($($name:ident($facts:ident) = $path:tt;)*) => {$(
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a>(&'a $facts<'a>);

        impl<'a> std::ops::Deref for $name<'a> {
            type Target = $facts<'a>;
            fn deref(&self) -> &$facts<'a> {
                self.0
            }
        }
    )*};
}

templates! {
    EnInvitationSubject(Invitation) = "mail/en/invitation_subject.txt";
    EnInvitationText(Invitation) = "mail/en/invitation.txt";
    EnInvitationHtml(Invitation) = "mail/en/invitation.html";
    EnCodeSubject(Code) = "mail/en/code_subject.txt";
    EnCodeText(Code) = "mail/en/code.txt";
    EnCodeHtml(Code) = "mail/en/code.html";
    HiInvitationSubject(Invitation) = "mail/hi/invitation_subject.txt";
    HiInvitationText(Invitation) = "mail/hi/invitation.txt";
    HiInvitationHtml(Invitation) = "mail/hi/invitation.html";
    HiCodeSubject(Code) = "mail/hi/code_subject.txt";
    HiCodeText(Code) = "mail/hi/code.txt";
    HiCodeHtml(Code) = "mail/hi/code.html";
    EnUserInvitationSubject(UserInvitation) = "mail/en/user_invitation_subject.txt";
    EnUserInvitationText(UserInvitation) = "mail/en/user_invitation.txt";
    EnUserInvitationHtml(UserInvitation) = "mail/en/user_invitation.html";
    HiUserInvitationSubject(UserInvitation) = "mail/hi/user_invitation_subject.txt";
    HiUserInvitationText(UserInvitation) = "mail/hi/user_invitation.txt";
    HiUserInvitationHtml(UserInvitation) = "mail/hi/user_invitation.html";
}

fn write(subject: impl Template, text: impl Template, html: impl Template) -> Written {
    Written {
        subject: render(&subject),
        text: render(&text),
        html: render(&html),
    }
}

fn render(t: &impl Template) -> String {
    // The values are strings and integers, whose formatting cannot fail: an error here would
    // be a broken template, and the tests render every one.
    t.render().expect("mail templates render")
}

impl Invitation<'_> {
    pub fn write(&self, language: Language) -> Written {
        match language {
            Language::English => write(
                EnInvitationSubject(self),
                EnInvitationText(self),
                EnInvitationHtml(self),
            ),
            Language::Hindi => write(
                HiInvitationSubject(self),
                HiInvitationText(self),
                HiInvitationHtml(self),
            ),
        }
    }
}

impl Code<'_> {
    pub fn write(&self, language: Language) -> Written {
        match language {
            Language::English => write(EnCodeSubject(self), EnCodeText(self), EnCodeHtml(self)),
            Language::Hindi => write(HiCodeSubject(self), HiCodeText(self), HiCodeHtml(self)),
        }
    }
}

impl UserInvitation<'_> {
    pub fn write(&self, language: Language) -> Written {
        match language {
            Language::English => write(
                EnUserInvitationSubject(self),
                EnUserInvitationText(self),
                EnUserInvitationHtml(self),
            ),
            Language::Hindi => write(
                HiUserInvitationSubject(self),
                HiUserInvitationText(self),
                HiUserInvitationHtml(self),
            ),
        }
    }
}
