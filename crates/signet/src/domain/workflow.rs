//! A workflow: everything about a signing journey except what each request supplies. Pure:
//! parsing and checking only, no I/O.
//!
//! A workflow arrives as a [`WorkflowInput`], the values as a client or a form wrote them
//! (page selections as text, signature types by name); [`Workflow::parse`] checks every rule
//! and bound and answers the typed [`Workflow`] every operation reads. Its stored form (a
//! workflow's definition, a document's copy) is JSON with API.md section 1's names, read back
//! with [`Workflow::from_stored`]; the wire form with its defaults lives at the edge.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use signet_pdf::pages::PageSpec;

use super::limits::*;
use super::signature_type::{SignatureType, SignatureTypeName};

/// A checked workflow. A field its stored form lacks (a row written before the field existed)
/// reads as the default the API gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    pub name: String,
    #[serde(rename = "type", default = "pdf")]
    pub kind: WorkflowKind,
    #[serde(default)]
    pub require_signing_order: bool,
    #[serde(default = "ten_days")]
    pub expiry_days: i64,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub delete_on_complete: bool,
    pub invitees: Vec<InviteeSlot>,
}

/// What a request carries: the PDF itself, or values for the workflow's own template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowKind {
    #[serde(rename = "PDF")]
    Pdf,
    #[serde(rename = "TEMPLATE")]
    Template,
}

impl WorkflowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowKind::Pdf => "PDF",
            WorkflowKind::Template => "TEMPLATE",
        }
    }
}

/// One invitee's place in the journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteeSlot {
    pub label: String,
    pub invitee_type: InviteeType,
    #[serde(default = "virtual_sign")]
    pub signature_types: Vec<SignatureType>,
    #[serde(default)]
    pub appearances: Vec<Appearance>,
    #[serde(default = "yes")]
    pub email_notification: bool,
    #[serde(default)]
    pub phone_notification: bool,
    #[serde(default)]
    pub enforce_authentication: bool,
    #[serde(default = "yes")]
    pub enable_reject_document: bool,
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
    #[serde(default)]
    pub webhook_headers: BTreeMap<String, String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub verification: Option<serde_json::Value>,
    /// An `AUTOMATED_SIGN` slot's organisation certificate (its profileId): the server signs
    /// with it when the slot's turn comes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_signer: Option<String>,
    /// An `AADHAAR` slot's eSign service provider (a name in `SIGNET_ESP_CONFIG`); `None`:
    /// the first configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esp: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteeType {
    Signer,
    Reviewer,
}

/// Where a signature is drawn: a rectangle in points from the bottom-left of each selected
/// page as displayed. `page` keeps the selection as it was written, so a workflow reads back
/// as it was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoredAppearance", into = "StoredAppearance")]
pub struct Appearance {
    pub page: String,
    pub pages: PageSpec,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

impl Appearance {
    pub fn rect(&self) -> [f64; 4] {
        [self.x1, self.y1, self.x2, self.y2]
    }
}

#[derive(Serialize, Deserialize)]
struct StoredAppearance {
    page: String,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl TryFrom<StoredAppearance> for Appearance {
    type Error = signet_pdf::Error;

    fn try_from(a: StoredAppearance) -> Result<Self, Self::Error> {
        Ok(Appearance {
            pages: a.page.parse()?,
            page: a.page,
            x1: a.x1,
            y1: a.y1,
            x2: a.x2,
            y2: a.y2,
        })
    }
}

impl From<Appearance> for StoredAppearance {
    fn from(a: Appearance) -> Self {
        StoredAppearance {
            page: a.page,
            x1: a.x1,
            y1: a.y1,
            x2: a.x2,
            y2: a.y2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookConfig {
    #[serde(default)]
    pub success: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default = "webhook_version")]
    pub version: String,
}

fn pdf() -> WorkflowKind {
    WorkflowKind::Pdf
}
fn ten_days() -> i64 {
    10
}
fn virtual_sign() -> Vec<SignatureType> {
    vec![SignatureType::VirtualSign]
}
fn yes() -> bool {
    true
}
fn webhook_version() -> String {
    "2.5".into()
}

/// A workflow as it was written, before any check.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowInput {
    pub name: String,
    /// `PDF` or `TEMPLATE`.
    pub kind: String,
    pub require_signing_order: bool,
    pub expiry_days: i64,
    pub message: Option<String>,
    pub delete_on_complete: bool,
    pub invitees: Vec<SlotInput>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotInput {
    pub label: String,
    pub invitee_type: InviteeType,
    pub signature_types: Vec<SignatureTypeName>,
    pub appearances: Vec<AppearanceInput>,
    pub email_notification: bool,
    pub phone_notification: bool,
    pub enforce_authentication: bool,
    pub enable_reject_document: bool,
    pub webhook: Option<WebhookConfig>,
    pub webhook_headers: BTreeMap<String, String>,
    pub redirect_url: Option<String>,
    pub verification: Option<serde_json::Value>,
    pub doc_signer: Option<String>,
    pub esp: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppearanceInput {
    /// `A`, `F`, `L`, `E`, `O` or page numbers such as `"1,3"`.
    pub page: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// Why a workflow was refused: a stable code and a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        code,
        message: message.into(),
    }
}

/// A stored workflow that no longer reads as one: a fault of the store, never of a client.
#[derive(Debug, thiserror::Error)]
#[error("a stored workflow does not read: {0}")]
pub struct Unreadable(pub String);

impl Workflow {
    /// Checks everything a later request would otherwise trip over, and every bound of
    /// README.md's "Limits" table, in the order a client reads the workflow: the first
    /// problem found is the one reported.
    pub fn parse(input: WorkflowInput) -> Result<Workflow, Invalid> {
        if let Some(why) = name_problem(&input.name, MAX_WORKFLOW_NAME_CHARS) {
            return Err(invalid("workflow.name.invalid", format!("name: {why}")));
        }
        let kind = match input.kind.as_str() {
            "PDF" => WorkflowKind::Pdf,
            "TEMPLATE" => {
                return Err(invalid(
                    "workflow.type.unsupported",
                    "type: TEMPLATE workflows are not supported yet; use PDF",
                ));
            }
            _ => return Err(invalid("workflow.type.invalid", "type: PDF or TEMPLATE")),
        };
        if input.expiry_days < -1 || input.expiry_days > 3650 {
            return Err(invalid(
                "workflow.expiry.invalid",
                "expiryDays: -1 (45 minutes), 0 (end of today) or 1 to 3650 days",
            ));
        }
        if let Some(why) = input
            .message
            .as_deref()
            .and_then(|m| text_problem(m, MAX_MESSAGE_CHARS, forbidden_in_text))
        {
            return Err(invalid(
                "workflow.message.invalid",
                format!("message: {why}"),
            ));
        }
        if input.invitees.is_empty() || input.invitees.len() > MAX_SLOTS {
            return Err(invalid(
                "workflow.invitees.invalid",
                format!("invitees: between 1 and {MAX_SLOTS} slots"),
            ));
        }
        let invitees = input
            .invitees
            .into_iter()
            .enumerate()
            .map(|(i, slot)| InviteeSlot::parse(i, slot))
            .collect::<Result<Vec<_>, _>>()?;
        let workflow = Workflow {
            name: input.name,
            kind,
            require_signing_order: input.require_signing_order,
            expiry_days: input.expiry_days,
            message: input.message,
            delete_on_complete: input.delete_on_complete,
            invitees,
        };
        let appearances: usize = workflow.invitees.iter().map(|s| s.appearances.len()).sum();
        if appearances > MAX_APPEARANCES_PER_WORKFLOW {
            return Err(invalid(
                "workflow.appearances.too.many",
                format!(
                    "invitees[].appearances: {appearances} in all, at most \
                     {MAX_APPEARANCES_PER_WORKFLOW} per workflow"
                ),
            ));
        }
        // The fewest widgets the workflow can draw, whatever the document: what can be
        // refused before a document is known.
        let least: usize = workflow.signers().map(|s| placements(s, None)).sum();
        if least > MAX_PLACEMENTS_PER_DOCUMENT {
            return Err(invalid(
                "workflow.placements.too.many",
                format!(
                    "invitees[].appearances: the signatures draw at least {least} marks, at \
                     most {MAX_PLACEMENTS_PER_DOCUMENT} per document"
                ),
            ));
        }
        Ok(workflow)
    }

    /// A workflow as the store keeps it (checked when it was stored).
    pub fn from_stored(json: &str) -> Result<Workflow, Unreadable> {
        serde_json::from_str(json).map_err(|e| Unreadable(e.to_string()))
    }

    /// The form the store keeps.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("a workflow always serializes")
    }

    /// The workflow as it could be written again: what an editor starts from.
    pub fn to_input(&self) -> WorkflowInput {
        WorkflowInput {
            name: self.name.clone(),
            kind: self.kind.as_str().into(),
            require_signing_order: self.require_signing_order,
            expiry_days: self.expiry_days,
            message: self.message.clone(),
            delete_on_complete: self.delete_on_complete,
            invitees: self
                .invitees
                .iter()
                .map(|s| SlotInput {
                    label: s.label.clone(),
                    invitee_type: s.invitee_type,
                    signature_types: s.signature_types.iter().map(|&t| t.into()).collect(),
                    appearances: s
                        .appearances
                        .iter()
                        .map(|a| AppearanceInput {
                            page: a.page.clone(),
                            x1: a.x1,
                            y1: a.y1,
                            x2: a.x2,
                            y2: a.y2,
                        })
                        .collect(),
                    email_notification: s.email_notification,
                    phone_notification: s.phone_notification,
                    enforce_authentication: s.enforce_authentication,
                    enable_reject_document: s.enable_reject_document,
                    webhook: s.webhook.clone(),
                    webhook_headers: s.webhook_headers.clone(),
                    redirect_url: s.redirect_url.clone(),
                    verification: s.verification.clone(),
                    doc_signer: s.doc_signer.clone(),
                    esp: s.esp.clone(),
                })
                .collect(),
        }
    }

    fn signers(&self) -> impl Iterator<Item = &InviteeSlot> {
        self.invitees
            .iter()
            .filter(|s| s.invitee_type == InviteeType::Signer)
    }

    /// Checks the workflow's placements against a document: the widgets each signature and
    /// all of them draw on it, and that every rectangle lies on each page it is placed on.
    /// `page_sizes` are the pages' displayed sizes (crop box, after rotation), in points.
    pub fn check_document(&self, page_sizes: &[(f64, f64)]) -> Result<(), Invalid> {
        let mut total = 0;
        for (i, slot) in self.invitees.iter().enumerate() {
            if slot.invitee_type != InviteeType::Signer {
                continue;
            }
            let n = placements(slot, Some(page_sizes.len()));
            if n > MAX_PLACEMENTS_PER_SIGNATURE {
                return Err(invalid(
                    "appearance.placements.too.many",
                    format!(
                        "invitees[{i}].appearances: {n} marks on this {}-page document, at \
                         most {MAX_PLACEMENTS_PER_SIGNATURE} per signature",
                        page_sizes.len()
                    ),
                ));
            }
            total += n;
            for (j, a) in slot.appearances.iter().enumerate() {
                let pages = a
                    .pages
                    .select(page_sizes.len())
                    .map_err(|_| page_invalid(i, j, &a.page))?;
                for p in pages {
                    let (w, h) = page_sizes[p];
                    if a.x2 > w || a.y2 > h {
                        return Err(invalid(
                            "appearance.rect.outside",
                            format!(
                                "invitees[{i}].appearances[{j}]: [{}, {}, {}, {}] does not fit \
                                 page {} of the document, {} x {} points as displayed",
                                a.x1,
                                a.y1,
                                a.x2,
                                a.y2,
                                p + 1,
                                points(w),
                                points(h)
                            ),
                        ));
                    }
                }
            }
        }
        if total > MAX_PLACEMENTS_PER_DOCUMENT {
            return Err(invalid(
                "appearance.placements.too.many",
                format!(
                    "invitees[].appearances: {total} marks on this {}-page document, at most \
                     {MAX_PLACEMENTS_PER_DOCUMENT} per document",
                    page_sizes.len()
                ),
            ));
        }
        Ok(())
    }

    /// Which slots are active when a document is sent: all of them, or with a signing order
    /// only the first.
    pub fn initially_active(&self, slot: usize) -> bool {
        !self.require_signing_order || slot == 0
    }
}

fn points(v: f64) -> String {
    format!("{v:.1}").trim_end_matches(".0").to_string()
}

fn page_invalid(i: usize, j: usize, spec: &str) -> Invalid {
    invalid(
        "appearance.page.invalid",
        format!(
            "invitees[{i}].appearances[{j}].page: the workflow places a signature on page(s) \
             {:?}, which this document does not have",
            spec.chars().take(64).collect::<String>()
        ),
    )
}

/// Widgets a slot's signature draws: on a document of `pages` pages, or when the document is
/// not known yet, the fewest it can draw (`A` and `O` at least one, `E` none, a list its
/// distinct pages).
fn placements(slot: &InviteeSlot, pages: Option<usize>) -> usize {
    let mut n = 0;
    for a in &slot.appearances {
        n += match (pages, &a.pages) {
            // A page the document lacks is refused by the rectangle check, naming its field.
            (Some(count), spec) => spec.select(count).map_or(0, |p| p.len()),
            (None, PageSpec::List(list)) => {
                let mut l = list.clone();
                l.sort_unstable();
                l.dedup();
                l.len()
            }
            (None, PageSpec::Even) => 0,
            (None, _) => 1,
        };
    }
    n
}

impl InviteeSlot {
    /// Whether the slot lets its invitee sign this way.
    pub fn allows(&self, t: SignatureType) -> bool {
        self.signature_types.contains(&t)
    }

    fn parse(i: usize, input: SlotInput) -> Result<InviteeSlot, Invalid> {
        let at = |field: &str| format!("invitees[{i}].{field}");
        if let Some(why) = name_problem(&input.label, MAX_LABEL_CHARS) {
            return Err(invalid(
                "workflow.invitee.label.invalid",
                format!("{}: {why}", at("label")),
            ));
        }
        let signature_types = signature_types(&at("signatureTypes"), &input)?;
        if input.appearances.len() > MAX_APPEARANCES_PER_SLOT {
            return Err(invalid(
                "workflow.appearances.too.many",
                format!(
                    "{}: {} entries, at most {MAX_APPEARANCES_PER_SLOT} per slot",
                    at("appearances"),
                    input.appearances.len()
                ),
            ));
        }
        let mut appearances = Vec::with_capacity(input.appearances.len());
        for (j, a) in input.appearances.into_iter().enumerate() {
            let field = at(&format!("appearances[{j}]"));
            let Ok(pages) = a.page.parse::<PageSpec>() else {
                return Err(invalid(
                    "workflow.appearance.page.invalid",
                    format!("{field}.page: A, F, L, E, O or page numbers like \"1,3\""),
                ));
            };
            if let PageSpec::List(list) = &pages
                && list.len() > MAX_PAGE_LIST
            {
                return Err(invalid(
                    "workflow.appearance.page.invalid",
                    format!("{field}.page: at most {MAX_PAGE_LIST} page numbers"),
                ));
            }
            if let Some(why) = rect_problem([a.x1, a.y1, a.x2, a.y2]) {
                return Err(invalid(
                    "workflow.appearance.rect.invalid",
                    format!("{field}: {why}"),
                ));
            }
            appearances.push(Appearance {
                page: a.page,
                pages,
                x1: a.x1,
                y1: a.y1,
                x2: a.x2,
                y2: a.y2,
            });
        }
        let slot = InviteeSlot {
            label: input.label,
            invitee_type: input.invitee_type,
            signature_types,
            appearances,
            email_notification: input.email_notification,
            phone_notification: input.phone_notification,
            enforce_authentication: input.enforce_authentication,
            enable_reject_document: input.enable_reject_document,
            webhook: input.webhook,
            webhook_headers: input.webhook_headers,
            redirect_url: input.redirect_url,
            verification: input.verification,
            doc_signer: input.doc_signer,
            esp: input.esp,
        };
        let least = placements(&slot, None);
        if least > MAX_PLACEMENTS_PER_SIGNATURE {
            return Err(invalid(
                "workflow.placements.too.many",
                format!(
                    "{}: the signature draws at least {least} marks, at most \
                     {MAX_PLACEMENTS_PER_SIGNATURE}",
                    at("appearances")
                ),
            ));
        }
        slot.check_delivery(i)?;
        slot.check_automated(i)?;
        slot.check_esp(i)?;
        Ok(slot)
    }

    /// Only a slot that allows `AADHAAR` names an eSign provider; whether the server has one
    /// by that name is the service's to check.
    fn check_esp(&self, i: usize) -> Result<(), Invalid> {
        match &self.esp {
            Some(_) if !self.allows(SignatureType::Aadhaar) => Err(invalid(
                "workflow.esp.invalid",
                format!(
                    "invitees[{i}].esp: only a slot that allows AADHAAR names an eSign provider"
                ),
            )),
            Some(name) if name.is_empty() || name.len() > 64 => Err(invalid(
                "workflow.esp.invalid",
                format!("invitees[{i}].esp: the name of a provider in SIGNET_ESP_CONFIG"),
            )),
            _ => Ok(()),
        }
    }

    /// An `AUTOMATED_SIGN` slot is signed by the server alone, with the organisation
    /// certificate it names: it allows no other way, and names one.
    fn check_automated(&self, i: usize) -> Result<(), Invalid> {
        let at = |field: &str| format!("invitees[{i}].{field}");
        let automated = self.allows(SignatureType::AutomatedSign);
        match &self.doc_signer {
            None if automated => Err(invalid(
                "workflow.docsigner.required",
                format!(
                    "{}: an AUTOMATED_SIGN slot names the organisation certificate (profileId) \
                     the server signs with",
                    at("docSigner")
                ),
            )),
            Some(_) if !automated => Err(invalid(
                "workflow.docsigner.invalid",
                format!(
                    "{}: only an AUTOMATED_SIGN slot names an organisation certificate",
                    at("docSigner")
                ),
            )),
            Some(id) if id.len() != 7 || !id.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Err(invalid(
                    "workflow.docsigner.invalid",
                    format!(
                        "{}: the 7-character profileId of an organisation certificate",
                        at("docSigner")
                    ),
                ))
            }
            _ if automated
                && (self.signature_types.len() != 1
                    || self.invitee_type != InviteeType::Signer) =>
            {
                Err(invalid(
                    "workflow.signature.type.invalid",
                    format!(
                        "{}: AUTOMATED_SIGN is a signer slot's only signature type",
                        at("signatureTypes")
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Where the slot's events and invitee go: URLs, notifications, webhook headers and the
    /// verification asked for.
    fn check_delivery(&self, i: usize) -> Result<(), Invalid> {
        let at = |field: &str| format!("invitees[{i}].{field}");
        for (field, url) in [
            (
                "webhook.success",
                self.webhook.as_ref().and_then(|w| w.success.as_ref()),
            ),
            (
                "webhook.error",
                self.webhook.as_ref().and_then(|w| w.error.as_ref()),
            ),
            ("redirectUrl", self.redirect_url.as_ref()),
        ] {
            if let Some(url) = url.filter(|u| !u.is_empty())
                && (!(url.starts_with("https://") || url.starts_with("http://"))
                    || url.len() > MAX_URL_BYTES
                    || url.chars().any(|c| c.is_whitespace() || c.is_control()))
            {
                return Err(invalid(
                    "workflow.url.invalid",
                    format!(
                        "{}: an http(s) URL of at most {MAX_URL_BYTES} bytes, without spaces",
                        at(field)
                    ),
                ));
            }
        }
        if self.phone_notification {
            return Err(invalid(
                "workflow.sms.unsupported",
                format!(
                    "{}: Signet sends no SMS yet; invitees are notified by mail (emailNotification)",
                    at("phoneNotification")
                ),
            ));
        }
        if let Some(w) = &self.webhook
            && w.version != "2.5"
        {
            return Err(invalid(
                "workflow.webhook.version.unsupported",
                format!(
                    "{}: only version 2.5 is sent (the body of API.md section 6)",
                    at("webhook.version")
                ),
            ));
        }
        if self.webhook_headers.len() > MAX_WEBHOOK_HEADERS {
            return Err(invalid(
                "workflow.webhook.header.invalid",
                format!(
                    "{}: at most {MAX_WEBHOOK_HEADERS} headers",
                    at("webhookHeaders")
                ),
            ));
        }
        for (name, value) in &self.webhook_headers {
            if let Some(why) = header_problem(name, value) {
                return Err(invalid(
                    "workflow.webhook.header.invalid",
                    format!(
                        "{}.{}: {why}",
                        at("webhookHeaders"),
                        name.chars()
                            .take(MAX_WEBHOOK_HEADER_NAME_BYTES)
                            .collect::<String>()
                    ),
                ));
            }
        }
        if let Some(v) = &self.verification
            && let Some(why) = verification_problem(v)
        {
            return Err(invalid(
                "workflow.verification.invalid",
                format!("{}: {why}", at("verification")),
            ));
        }
        Ok(())
    }
}

/// The slot's signature types, checked in the order written: a name this server does not
/// know, or a type it cannot perform, is refused naming it. Only a signer's are checked: a
/// reviewer signs nothing.
fn signature_types(field: &str, input: &SlotInput) -> Result<Vec<SignatureType>, Invalid> {
    let names = &input.signature_types;
    if input.invitee_type == InviteeType::Signer {
        if names.is_empty() {
            return Err(invalid(
                "workflow.signature.type.invalid",
                format!("{field}: a signer needs at least one"),
            ));
        }
        if names.len() > SignatureType::ALL.len() {
            return Err(invalid(
                "workflow.signature.type.invalid",
                format!(
                    "{field}: at most {} types, each once",
                    SignatureType::ALL.len()
                ),
            ));
        }
    }
    let mut types = Vec::with_capacity(names.len());
    for name in names {
        let t = match name {
            SignatureTypeName::Known(t) => *t,
            SignatureTypeName::Unknown(name) => {
                return Err(invalid(
                    "workflow.signature.type.invalid",
                    format!(
                        "{field}: unknown signature type {:?}",
                        name.chars().take(64).collect::<String>()
                    ),
                ));
            }
        };
        // NeSL eSign is a type this server knows and stores the data of (`neslData`), but
        // no adapter to NeSL exists: its own code says so, as distinct from a type the server
        // has no plan for in this form.
        if input.invitee_type == InviteeType::Signer && t == SignatureType::NeslEsign {
            return Err(invalid(
                "signature.type.unavailable",
                format!(
                    "{field}: NESL_ESIGN is unavailable: this server has no NeSL adapter; \
                     neslData is stored and returned in details meanwhile"
                ),
            ));
        }
        if input.invitee_type == InviteeType::Signer && !t.is_supported() {
            let supported: Vec<&str> = SignatureType::SUPPORTED
                .iter()
                .map(|s| s.as_str())
                .collect();
            return Err(invalid(
                "workflow.signature.type.unsupported",
                format!(
                    "{field}: this server cannot perform {t} yet (supported: {})",
                    supported.join(", ")
                ),
            ));
        }
        types.push(t);
    }
    Ok(types)
}

/// The largest page a PDF reader shows is 14,400 units a side (ISO 32000-2, Annex C): no
/// rectangle beyond it fits any page, whatever the document.
pub const MAX_PAGE_SIDE: f64 = 14_400.0;

/// Why a placement rectangle (points from the bottom-left of the displayed page) can fit no
/// page, if it cannot.
pub fn rect_problem([x1, y1, x2, y2]: [f64; 4]) -> Option<String> {
    let fine = |v: f64| v.is_finite() && (0.0..=MAX_PAGE_SIDE).contains(&v);
    if ![x1, y1, x2, y2].into_iter().all(fine) || x2 <= x1 || y2 <= y1 {
        return Some(format!(
            "need 0 <= x1 < x2 <= {MAX_PAGE_SIDE} and 0 <= y1 < y2 <= {MAX_PAGE_SIDE}, in points"
        ));
    }
    None
}

/// Why a slot's `verification` block is refused, if it is: a flat object of flags and short
/// values (Leegality's `verifyName`, `verifyPincode`...).
fn verification_problem(v: &serde_json::Value) -> Option<String> {
    let Some(map) = v.as_object() else {
        return Some("an object such as {\"verifyName\": true}".into());
    };
    if map.len() > MAX_VERIFICATION_ENTRIES {
        return Some(format!("at most {MAX_VERIFICATION_ENTRIES} entries"));
    }
    for (key, value) in map {
        let key_shown: String = key.chars().take(64).collect();
        if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Some(format!(
                "{key_shown:?}: keys are letters and digits, at most 64"
            ));
        }
        let ok = match value {
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
                true
            }
            serde_json::Value::String(s) => {
                text_problem(s, MAX_VERIFICATION_VALUE_CHARS, forbidden_in_name).is_none()
            }
            _ => false,
        };
        if !ok {
            return Some(format!(
                "{key_shown}: a boolean, a number or a text of at most \
                 {MAX_VERIFICATION_VALUE_CHARS} characters"
            ));
        }
    }
    None
}

/// Headers Signet sets itself on every webhook, which a slot cannot replace.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "host",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// Why a static webhook header cannot be sent as given, if it cannot.
fn header_problem(name: &str, value: &str) -> Option<&'static str> {
    // RFC 9110 token characters.
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > MAX_WEBHOOK_HEADER_NAME_BYTES || !name.chars().all(token) {
        return Some("not a valid header name (RFC 9110 token, at most 100 bytes)");
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Some("set by Signet itself");
    }
    if value.len() > MAX_WEBHOOK_HEADER_VALUE_BYTES
        || value
            .chars()
            .any(|c| !(c == '\t' || (' '..='~').contains(&c)))
    {
        return Some("values are printable ASCII, at most 4096 characters");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> WorkflowInput {
        let slot = |label: &str, invitee_type| SlotInput {
            label: label.into(),
            invitee_type,
            signature_types: vec![SignatureType::VirtualSign.into()],
            appearances: vec![],
            email_notification: true,
            phone_notification: false,
            enforce_authentication: false,
            enable_reject_document: true,
            webhook: None,
            webhook_headers: BTreeMap::new(),
            redirect_url: None,
            verification: None,
            doc_signer: None,
            esp: None,
        };
        let mut signer = slot("Borrower", InviteeType::Signer);
        signer.appearances.push(AppearanceInput {
            page: "L".into(),
            x1: 50.0,
            y1: 50.0,
            x2: 250.0,
            y2: 110.0,
        });
        WorkflowInput {
            name: "Loan agreement".into(),
            kind: "PDF".into(),
            require_signing_order: true,
            expiry_days: 10,
            message: None,
            delete_on_complete: false,
            invitees: vec![signer, slot("Lender", InviteeType::Reviewer)],
        }
    }

    #[test]
    fn a_parsed_workflow_holds_its_pages_and_reads_back_as_written() {
        let w = Workflow::parse(input()).unwrap();
        assert_eq!(w.invitees[0].appearances[0].pages, PageSpec::Last);
        assert_eq!(w.kind, WorkflowKind::Pdf);
        let back = Workflow::from_stored(&w.to_stored()).unwrap();
        assert_eq!(back, w);
        assert_eq!(Workflow::parse(w.to_input()).unwrap(), w);
        assert!(w.initially_active(0) && !w.initially_active(1));
    }

    #[test]
    fn nesl_esign_is_unavailable_and_offline_sign_unsupported() {
        let with = |t: SignatureType| {
            let mut i = input();
            i.invitees[0].signature_types = vec![SignatureType::VirtualSign.into(), t.into()];
            Workflow::parse(i).map(|_| ()).unwrap_err().code
        };
        assert_eq!(with(SignatureType::NeslEsign), "signature.type.unavailable");
        assert_eq!(
            with(SignatureType::OfflineSign),
            "workflow.signature.type.unsupported"
        );
    }

    #[test]
    fn a_stored_workflow_that_does_not_read_is_a_fault_of_the_store() {
        let mut v: serde_json::Value =
            serde_json::from_str(&Workflow::parse(input()).unwrap().to_stored()).unwrap();
        v["invitees"][0]["appearances"][0]["page"] = "Z".into();
        assert!(Workflow::from_stored(&v.to_string()).is_err());
        assert!(Workflow::from_stored("{").is_err());
    }

    #[test]
    fn a_reviewer_signs_nothing_so_its_types_are_not_checked_for_support() {
        let mut w = input();
        w.invitees[1].signature_types = vec![SignatureType::Aadhaar.into()];
        assert!(Workflow::parse(w.clone()).is_ok());
        w.invitees[1].signature_types = vec![SignatureTypeName::from("MAGIC")];
        assert_eq!(
            Workflow::parse(w).unwrap_err().code,
            "workflow.signature.type.invalid"
        );
    }
}
