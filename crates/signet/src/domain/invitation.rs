//! What an invitee may do, and what follows: pure rules over an invitation's state.

use super::limits::{
    MAX_MARK_PNG_BYTES, MAX_MARK_TEXT_CHARS, MAX_REJECT_REASON_CHARS, forbidden_in_text,
    name_problem, text_problem,
};
use super::signature_type::SignatureType;
use super::status::{DocumentStatus, InvitationStatus};
use super::workflow::{Invalid, InviteeSlot};

/// The state an action is judged against.
#[derive(Debug, Clone, Copy)]
pub struct InvitationState {
    pub is_signer: bool,
    pub active: bool,
    pub status: InvitationStatus,
    pub expires_at: i64,
    pub document_open: bool,
    pub document_deleted: bool,
}

pub enum Action<'a> {
    Sign {
        /// `None`: a name this server does not know, which no slot allows.
        signature_type: Option<SignatureType>,
        slot: &'a InviteeSlot,
        consent: bool,
    },
    Approve,
    Reject {
        allowed: bool,
    },
    /// Asking for a one-time code: allowed whenever acting would be.
    RequestCode,
}

fn refuse(code: &'static str, message: &str) -> Invalid {
    Invalid {
        code,
        message: message.into(),
    }
}

/// Checks an action; the domain, not the page, enforces order, expiry and one action per
/// invitation.
pub fn check(s: &InvitationState, action: &Action, now_ms: i64) -> Result<(), Invalid> {
    if s.document_deleted {
        return Err(refuse(
            "invitation.deleted",
            "this invitation or its document was deleted",
        ));
    }
    if s.status == InvitationStatus::Expired || now_ms > s.expires_at {
        return Err(refuse("invitation.expired", "this invitation has expired"));
    }
    match s.status {
        InvitationStatus::Signed | InvitationStatus::Approved => {
            return Err(refuse(
                "invitation.already.done",
                "this invitation was already acted on",
            ));
        }
        InvitationStatus::Rejected => {
            return Err(refuse(
                "invitation.rejected",
                "this invitation was rejected",
            ));
        }
        InvitationStatus::Pending | InvitationStatus::Expired => {}
    }
    if !s.document_open {
        return Err(refuse(
            "document.not.open",
            "this document is no longer open for signing",
        ));
    }
    if !s.active {
        return Err(refuse(
            "invitation.not.active",
            "it is not your turn yet: the document is signed in order",
        ));
    }
    match action {
        Action::Sign {
            signature_type,
            slot,
            consent,
        } => {
            if !s.is_signer {
                return Err(refuse(
                    "action.not.allowed",
                    "a reviewer approves or rejects; it does not sign",
                ));
            }
            if !signature_type.is_some_and(|t| slot.allows(t)) {
                return Err(refuse(
                    "signature.type.not.allowed",
                    "this signature type is not allowed for this invitation",
                ));
            }
            if !consent {
                return Err(refuse("consent.required", "consent is required to sign"));
            }
        }
        Action::Approve => {
            if s.is_signer {
                return Err(refuse(
                    "action.not.allowed",
                    "a signer signs; approving is for reviewers",
                ));
            }
        }
        Action::Reject { allowed } => {
            if !allowed {
                return Err(refuse(
                    "reject.not.allowed",
                    "rejecting is not enabled for this invitation",
                ));
            }
        }
        Action::RequestCode => {}
    }
    Ok(())
}

/// A typed mark: the text drawn as the signature.
pub fn check_mark_text(text: &str) -> Result<(), Invalid> {
    match name_problem(text, MAX_MARK_TEXT_CHARS) {
        Some(why) => Err(Invalid {
            code: "signature.mark.text.invalid",
            message: format!("mark.text: {why}"),
        }),
        None => Ok(()),
    }
}

/// A drawn mark, by the length of its base64 text: refused before it is decoded.
pub fn check_mark_png_base64(base64_len: usize) -> Result<(), Invalid> {
    if base64_len / 4 * 3 > MAX_MARK_PNG_BYTES + 3 {
        return Err(Invalid {
            code: "signature.image.too.large",
            message: format!("mark.png: at most {MAX_MARK_PNG_BYTES} bytes of PNG"),
        });
    }
    Ok(())
}

/// The reason a rejecting invitee gives; it reaches the sender's details and webhooks.
pub fn check_reject_reason(reason: &str) -> Result<(), Invalid> {
    match text_problem(reason, MAX_REJECT_REASON_CHARS, forbidden_in_text) {
        Some(why) => Err(Invalid {
            code: "reject.reason.invalid",
            message: format!("reason: {why}"),
        }),
        None => Ok(()),
    }
}

/// An open invitation: neither acted on (signed, approved) nor ended (rejected, expired,
/// deleted), so its invitee can still act once it has its turn. Time is not part of it: one
/// past its expiry stays open until the sweeper, or an action that finds it due, expires it
/// (and [`check`] refuses it meanwhile). The store filters with the same rule in SQL
/// (`store::invitations::OPEN`), and a test there holds the two to one answer.
pub fn is_open(status: InvitationStatus, deleted: bool) -> bool {
    status == InvitationStatus::Pending && !deleted
}

/// After slot `acting` finished, with a signing order: the next slot still waiting.
/// `waiting[i]` says whether slot i has neither acted nor been ended.
pub fn next_in_order(waiting: &[bool], acting: usize) -> Option<usize> {
    (acting + 1..waiting.len()).find(|&i| waiting[i])
}

/// An invitation as [`after_action`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct SlotView {
    pub slot: usize,
    pub status: InvitationStatus,
    pub deleted: bool,
}

/// A document as [`after_action`] reads it. The store reads it under the document's lock, so
/// it holds every action committed before this one.
pub struct DocumentView<'a> {
    pub status: DocumentStatus,
    pub signing_order: bool,
    /// Every invitation of the document, deleted ones too.
    pub invitations: &'a [SlotView],
}

/// What an invitee's action made of its invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acted {
    Signed,
    Approved,
    /// Rejected, or terminated by a failed certificate verification.
    Rejected,
}

/// What follows an action: whose turn comes, and whether the document is complete.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Consequence {
    /// Slots that get their turn (and their invitation mail).
    pub next_active: Vec<usize>,
    pub completes: bool,
}

/// What follows slot `acting`'s action on `document`. The acting slot counts as having done
/// `action` whether or not the view shows it yet, so the store may read before or after
/// recording it.
///
/// A rejection ends the invitation and nothing else: the document stays open (as Leegality
/// does) and can no longer complete, since a rejected invitation is neither signed nor
/// approved. Otherwise the document completes when every invitation not deleted is signed or
/// approved; with a signing order the next open slot after the acting one gets its turn
/// (deleted and ended slots are passed over; one activated out of turn is mailed again).
/// Without a signing order every slot had its turn from the start.
pub fn after_action(document: &DocumentView, acting: usize, action: Acted) -> Consequence {
    if document.status != DocumentStatus::Sent || action == Acted::Rejected {
        return Consequence::default();
    }
    let others = || document.invitations.iter().filter(|i| i.slot != acting);
    let completes = others().all(|i| {
        i.deleted
            || matches!(
                i.status,
                InvitationStatus::Signed | InvitationStatus::Approved
            )
    });
    let next_active = if document.signing_order {
        others()
            .filter(|i| i.slot > acting && is_open(i.status, i.deleted))
            .map(|i| i.slot)
            .min()
            .into_iter()
            .collect()
    } else {
        vec![]
    };
    Consequence {
        next_active,
        completes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_signer() -> InvitationState {
        InvitationState {
            is_signer: true,
            active: true,
            status: InvitationStatus::Pending,
            expires_at: 1_000,
            document_open: true,
            document_deleted: false,
        }
    }

    static SLOT: std::sync::LazyLock<InviteeSlot> = std::sync::LazyLock::new(|| {
        serde_json::from_value(serde_json::json!({
            "label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["VIRTUAL_SIGN"]
        }))
        .unwrap()
    });

    fn sign(consent: bool) -> Action<'static> {
        Action::Sign {
            signature_type: Some(SignatureType::VirtualSign),
            slot: &SLOT,
            consent,
        }
    }

    #[test]
    fn each_refusal_has_its_code() {
        let code = |s: InvitationState, a: Action, now| check(&s, &a, now).unwrap_err().code;
        assert!(check(&open_signer(), &sign(true), 10).is_ok());
        assert_eq!(code(open_signer(), sign(true), 1_001), "invitation.expired");
        assert_eq!(
            code(
                InvitationState {
                    active: false,
                    ..open_signer()
                },
                sign(true),
                10
            ),
            "invitation.not.active"
        );
        assert_eq!(
            code(
                InvitationState {
                    status: InvitationStatus::Signed,
                    ..open_signer()
                },
                sign(true),
                10
            ),
            "invitation.already.done"
        );
        assert_eq!(
            code(
                InvitationState {
                    status: InvitationStatus::Rejected,
                    ..open_signer()
                },
                sign(true),
                10
            ),
            "invitation.rejected"
        );
        assert_eq!(code(open_signer(), sign(false), 10), "consent.required");
        for other in [Some(SignatureType::Dsc), None] {
            let a = Action::Sign {
                signature_type: other,
                slot: &SLOT,
                consent: true,
            };
            assert_eq!(code(open_signer(), a, 10), "signature.type.not.allowed");
        }
        assert_eq!(
            code(open_signer(), Action::Approve, 10),
            "action.not.allowed"
        );
        assert_eq!(
            code(open_signer(), Action::Reject { allowed: false }, 10),
            "reject.not.allowed"
        );
        assert_eq!(
            code(
                InvitationState {
                    document_deleted: true,
                    ..open_signer()
                },
                sign(true),
                10
            ),
            "invitation.deleted"
        );
        let reviewer = InvitationState {
            is_signer: false,
            ..open_signer()
        };
        assert!(check(&reviewer, &Action::Approve, 10).is_ok());
        assert_eq!(code(reviewer, sign(true), 10), "action.not.allowed");
    }

    #[test]
    fn invitee_inputs_are_bounded() {
        assert!(check_mark_text("Asha Rao").is_ok());
        for bad in ["", " ", "A\u{202E}R", "A\nR"] {
            assert_eq!(
                check_mark_text(bad).unwrap_err().code,
                "signature.mark.text.invalid"
            );
        }
        assert!(check_mark_text(&"x".repeat(MAX_MARK_TEXT_CHARS + 1)).is_err());
        assert!(check_mark_png_base64(MAX_MARK_PNG_BYTES / 3 * 4).is_ok());
        assert_eq!(
            check_mark_png_base64(MAX_MARK_PNG_BYTES / 3 * 4 + 16)
                .unwrap_err()
                .code,
            "signature.image.too.large"
        );
        assert!(check_reject_reason("").is_ok());
        assert!(check_reject_reason("Wrong amount.\nPlease resend.").is_ok());
        assert_eq!(
            check_reject_reason("\u{1b}[2J").unwrap_err().code,
            "reject.reason.invalid"
        );
        assert!(check_reject_reason(&"x".repeat(MAX_REJECT_REASON_CHARS + 1)).is_err());
    }

    /// `check` refuses in its own words, but for an active invitation of an open document,
    /// not yet due, it lets act exactly the open ones.
    #[test]
    fn only_open_invitations_may_act() {
        for status in InvitationStatus::ALL {
            for deleted in [false, true] {
                let s = InvitationState {
                    status,
                    document_deleted: deleted,
                    ..open_signer()
                };
                assert_eq!(
                    check(&s, &sign(true), 10).is_ok(),
                    is_open(status, deleted),
                    "{status} deleted={deleted}"
                );
            }
        }
    }

    #[test]
    fn order_skips_finished_slots() {
        assert_eq!(next_in_order(&[false, true, true], 0), Some(1));
        assert_eq!(next_in_order(&[false, false, true], 0), Some(2));
        assert_eq!(next_in_order(&[false, false, false], 1), None);
    }

    fn view(slots: &[(InvitationStatus, bool)]) -> Vec<SlotView> {
        slots
            .iter()
            .enumerate()
            .map(|(slot, &(status, deleted))| SlotView {
                slot,
                status,
                deleted,
            })
            .collect()
    }

    fn sent(signing_order: bool, invitations: &[SlotView]) -> DocumentView<'_> {
        DocumentView {
            status: DocumentStatus::Sent,
            signing_order,
            invitations,
        }
    }

    fn next(next_active: &[usize], completes: bool) -> Consequence {
        Consequence {
            next_active: next_active.to_vec(),
            completes,
        }
    }

    use InvitationStatus::{Approved, Expired, Pending, Rejected, Signed};

    #[test]
    fn a_signing_order_passes_the_turn_to_the_next_open_slot() {
        let slots = view(&[(Pending, false), (Pending, false), (Pending, false)]);
        let doc = sent(true, &slots);
        assert_eq!(after_action(&doc, 0, Acted::Signed), next(&[1], false));
        // A reviewer's approval passes the turn like a signature.
        assert_eq!(after_action(&doc, 1, Acted::Approved), next(&[2], false));
        // The last slot has no one after it; the earlier ones are still open.
        assert_eq!(after_action(&doc, 2, Acted::Signed), next(&[], false));
        // A slot already acted on is passed over.
        let slots = view(&[(Pending, false), (Signed, false), (Pending, false)]);
        assert_eq!(
            after_action(&sent(true, &slots), 0, Acted::Signed),
            next(&[2], false)
        );
    }

    #[test]
    fn reviewers_complete_a_document_by_approving() {
        let slots = view(&[(Signed, false), (Pending, false)]);
        for order in [true, false] {
            assert_eq!(
                after_action(&sent(order, &slots), 1, Acted::Approved),
                next(&[], true)
            );
        }
        let slots = view(&[(Approved, false), (Pending, false), (Pending, false)]);
        assert_eq!(
            after_action(&sent(true, &slots), 1, Acted::Signed),
            next(&[2], false)
        );
    }

    #[test]
    fn parallel_slots_activate_nobody_and_the_last_completes() {
        let slots = view(&[(Pending, false), (Pending, false), (Pending, false)]);
        assert_eq!(
            after_action(&sent(false, &slots), 1, Acted::Signed),
            next(&[], false)
        );
        // The acting slot counts as done whether or not the view shows it yet.
        for acting in [Pending, Signed] {
            let slots = view(&[(Signed, false), (acting, false), (Approved, false)]);
            assert_eq!(
                after_action(&sent(false, &slots), 1, Acted::Signed),
                next(&[], true)
            );
        }
    }

    #[test]
    fn deleted_and_expired_slots_are_passed_over() {
        // A deleted slot waiting for its turn neither gets it nor holds up completion.
        let slots = view(&[(Pending, false), (Pending, true), (Pending, false)]);
        assert_eq!(
            after_action(&sent(true, &slots), 0, Acted::Signed),
            next(&[2], false)
        );
        let slots = view(&[(Pending, false), (Pending, true)]);
        assert_eq!(
            after_action(&sent(true, &slots), 0, Acted::Signed),
            next(&[], true)
        );
        // Deleted after it ended, too.
        let slots = view(&[(Rejected, true), (Pending, false)]);
        assert_eq!(
            after_action(&sent(true, &slots), 1, Acted::Signed),
            next(&[], true)
        );
        // An expired slot gets no turn, and the document cannot complete while it stands.
        let slots = view(&[(Pending, false), (Expired, false), (Pending, false)]);
        assert_eq!(
            after_action(&sent(true, &slots), 0, Acted::Signed),
            next(&[2], false)
        );
        let slots = view(&[(Signed, false), (Expired, false), (Pending, false)]);
        assert_eq!(
            after_action(&sent(false, &slots), 2, Acted::Signed),
            next(&[], false)
        );
    }

    #[test]
    fn a_rejection_passes_no_turn_and_never_completes() {
        let slots = view(&[(Pending, false), (Pending, false)]);
        let lone = view(&[(Pending, false)]);
        for order in [true, false] {
            assert_eq!(
                after_action(&sent(order, &slots), 0, Acted::Rejected),
                next(&[], false)
            );
            assert_eq!(
                after_action(&sent(order, &lone), 0, Acted::Rejected),
                next(&[], false)
            );
        }
        // Once one is rejected, the others' signatures no longer complete the document.
        let slots = view(&[(Rejected, false), (Pending, false)]);
        assert_eq!(
            after_action(&sent(false, &slots), 1, Acted::Signed),
            next(&[], false)
        );
    }

    #[test]
    fn nothing_follows_on_a_document_no_longer_sent() {
        let slots = view(&[(Pending, false), (Pending, false)]);
        for status in [
            DocumentStatus::Completed,
            DocumentStatus::Expired,
            DocumentStatus::Draft,
        ] {
            let doc = DocumentView {
                status,
                signing_order: true,
                invitations: &slots,
            };
            for action in [Acted::Signed, Acted::Approved, Acted::Rejected] {
                assert_eq!(
                    after_action(&doc, 0, action),
                    next(&[], false),
                    "{status:?}"
                );
            }
        }
    }
}
