//! `EsignStatus`: the ASP asks what became of a transaction (3.2).

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsignStatus {
    pub ts: String,
    pub txn: String,
    pub asp_id: String,
}

impl EsignStatus {
    pub fn to_xml(&self) -> String {
        todo!()
    }

    pub fn parse(xml: &str) -> Result<EsignStatus> {
        let _ = xml;
        todo!()
    }
}
