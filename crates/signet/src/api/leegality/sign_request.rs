//! `POST /api/v3.0/sign/request`: send a PDF to a workflow's invitees.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::service::Actor;
use crate::service::send::{self, Pdf, SendDocument, Sent, send_document};
use crate::state::AppState;

/// The request body, with Leegality's names. Unknown fields are ignored, as Leegality clients
/// send fields from several API versions.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSignRequest {
    profile_id: Option<String>,
    file: Option<FileIn>,
    #[serde(default)]
    invitees: Vec<InviteeIn>,
    irn: Option<String>,
    stamp_series: Option<String>,
    #[serde(default)]
    multiple_stamp_series: Vec<String>,
    /// Notified only: checked, as an address no mail reaches would otherwise go unnoticed.
    #[serde(default)]
    cc: Vec<CcIn>,
    /// Taken as any JSON so that the domain refuses a wrong field by its own code and path
    /// rather than serde failing the whole body.
    nesl_data: Option<Value>,
}

#[derive(Deserialize)]
struct CcIn {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileIn {
    name: Option<String>,
    file: Option<String>,
    #[serde(default)]
    fields: Vec<Value>,
    #[serde(default)]
    additional_files: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InviteeIn {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    dsc_config: Option<Value>,
    aadhaar_config: Option<Value>,
    nesl_config: Option<Value>,
    offline_sign_config: Option<Value>,
}

pub async fn create_sign_request(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateSignRequest>,
) -> Result<axum::Json<Value>, ApiError> {
    let origin = crate::api::request_origin(peer, &headers);
    let command = SendDocument {
        profile_id: req.profile_id,
        file: req.file.map(|f| send::FileIn {
            name: f.name,
            pdf: f.file.map(Pdf::Base64),
            template_fields: f.fields.len(),
            additional_files: f.additional_files.len(),
        }),
        invitees: req
            .invitees
            .into_iter()
            .map(|i| send::InviteeIn {
                name: i.name,
                email: i.email,
                phone: i.phone,
                verification_configs: [
                    ("aadhaarConfig", i.aadhaar_config),
                    ("dscConfig", i.dsc_config),
                    ("neslConfig", i.nesl_config),
                    ("offlineSignConfig", i.offline_sign_config),
                ]
                .into_iter()
                .filter_map(|(name, v)| v.map(|v| (name, v)))
                .collect(),
            })
            .collect(),
        irn: req.irn,
        stamp_series: req.stamp_series.is_some() || !req.multiple_stamp_series.is_empty(),
        cc: req
            .cc
            .into_iter()
            .map(|c| send::CcIn {
                name: c.name,
                email: c.email,
            })
            .collect(),
        nesl_data: req.nesl_data,
    };
    let Sent {
        document_id,
        irn,
        expires_at,
        invitations,
    } = send_document(&state, &Actor::Api(&account), &origin, command).await?;

    let expiry_date = state.zone.time(expires_at);
    let public = state.config.public_url();
    let listed: Vec<Value> = invitations
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "email": i.email.clone().unwrap_or_default(),
                "phone": i.phone.clone().unwrap_or_default(),
                "signUrl": format!("{public}/sign/{}", i.id),
                "active": i.active,
                "expiryDate": expiry_date,
            })
        })
        .collect();
    Ok(ok(json!({
        "documentId": document_id.as_str(),
        "irn": irn,
        "expiryDate": expiry_date,
        "invitees": listed,
        "invitations": listed,
    })))
}
