//! `EsignStatus`: the ASP asks what became of a transaction (3.2).

use crate::xml::{self, attr, push_attr};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsignStatus {
    pub ts: String,
    pub txn: String,
    pub asp_id: String,
}

const ROOT: &str = "EsignStatus";

impl EsignStatus {
    /// The unsigned XML (sign it with `dsig::XmlSigner::sign`).
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(200);
        out.push_str(xml::DECLARATION);
        out.push_str("<EsignStatus");
        push_attr(&mut out, "ver", "3.2");
        push_attr(&mut out, "ts", &self.ts);
        push_attr(&mut out, "txn", &self.txn);
        push_attr(&mut out, "aspId", &self.asp_id);
        out.push_str("/>");
        out
    }

    /// Reads a query (the ESP's side); `ver` is not checked (eMudhra sends "3.0"). Missing
    /// attributes carry the request's ESP codes: ts ESP-907, txn ESP-909, aspId ESP-902.
    pub fn parse(xml: &str) -> Result<EsignStatus> {
        let doc = xml::parse(xml, ROOT)?;
        let root = doc.root_element();
        let required = |name: &'static str| {
            attr(root, name)
                .map(str::to_owned)
                .ok_or_else(|| Error::Field(name, "missing".into()))
        };
        Ok(EsignStatus {
            ts: required("ts")?,
            txn: required("txn")?,
            asp_id: required("aspId")?,
        })
    }
}
