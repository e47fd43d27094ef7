//! Placeholder until the RFC 3161 module lands.
pub struct TokenInfo {
    pub gen_time: time::OffsetDateTime,
    pub tsa_subject: Option<String>,
    pub imprint_matches: bool,
    pub signature_valid: bool,
}
pub fn inspect_token(_token_der: &[u8], _signed_data: &[u8]) -> crate::Result<TokenInfo> {
    Err(crate::Error::Timestamp("not built yet".into()))
}
pub trait TimestampAuthority {
    fn exchange(&self, request_der: &[u8]) -> crate::Result<Vec<u8>>;
}
pub fn timestamp_signature(
    _tsa: &dyn TimestampAuthority,
    _signature_value: &[u8],
) -> crate::Result<Vec<u8>> {
    Err(crate::Error::Timestamp("not built yet".into()))
}
