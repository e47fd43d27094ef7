//! The signing link as a credential: `Invitee` authenticates `/api/sign/{uuid}/…` the way
//! `ApiAccount` authenticates `X-Auth-Token`, before any body is read. The type is the
//! service's acting party (`service::act::Invitee`); only its extraction lives here.

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::api::ApiError;
use crate::domain::ids::SignLink;
pub use crate::service::act::Invitee;
use crate::state::AppState;
use crate::store::InvitationRow;

/// What every unusable link answers: unknown, malformed and revoked alike, so that a
/// deleted invitation's link shows nothing and tells nothing.
pub fn unknown_link() -> ApiError {
    ApiError::new("invitation.not.found", "no such signing link").with_status(StatusCode::NOT_FOUND)
}

/// The invitation behind `uuid` (parsed as a `SignLink` first, so that anything else is
/// turned away before it costs a database read) while its link works. A deleted invitation,
/// or one of a deleted document, is revoked: its link reads nothing, neither the document nor
/// any version signed after the deletion.
pub async fn live_invitation(state: &AppState, uuid: &str) -> Result<InvitationRow, ApiError> {
    let link: SignLink = uuid.parse().map_err(|_| unknown_link())?;
    let inv = state
        .store
        .invitation(link.as_str())
        .await?
        .ok_or_else(unknown_link)?;
    if inv.deleted || inv.document_deleted {
        return Err(unknown_link());
    }
    Ok(inv)
}

impl FromRequestParts<AppState> for Invitee {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(uuid) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| unknown_link())?;
        let invitation = live_invitation(state, &uuid).await?;
        Ok(Invitee::from_row(invitation)?)
    }
}
