//! Invitation notifications. Mail delivery (SIGNET_SMTP_URL) is not built yet: without it
//! API.md says mail goes to the log, but a signing link is a bearer credential and no secret
//! may reach a log line, so the log names the invitation and the masked address, never the
//! link.

use crate::store::InvitationRow;

pub fn invitation(inv: &InvitationRow) {
    tracing::info!(
        document = %inv.document_id,
        slot = inv.slot,
        to = %inv.email.as_deref().map(mask).or(inv.phone.as_deref().map(mask)).unwrap_or_default(),
        "invitation notification (no SMTP configured: not delivered)"
    );
}

/// `asha@example.com` as `a***@example.com`, `9876543210` as `98******10`.
fn mask(contact: &str) -> String {
    match contact.split_once('@') {
        Some((local, domain)) => {
            format!("{}***@{domain}", local.chars().next().unwrap_or('*'))
        }
        None if contact.len() > 4 => {
            format!("{}******{}", &contact[..2], &contact[contact.len() - 2..])
        }
        None => "****".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn contacts_are_masked() {
        assert_eq!(mask("asha@example.com"), "a***@example.com");
        assert_eq!(mask("9876543210"), "98******10");
    }
}
