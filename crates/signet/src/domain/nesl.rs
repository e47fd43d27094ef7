//! NeSL data (`neslData` of a create request): the debt record a document sent for NeSL eSign
//! carries to the information utility. Checked field by field here, so that a client learns
//! which field is wrong from its own request rather than from NeSL days later; stored as
//! checked and shown back in details. Pure: no I/O.
//!
//! The fields, which are required and the enum values are the research's
//! (`shared/reference/leegality-api.md` section 3.6). Every value is a string on the wire, as
//! Leegality's model has it; a JSON number is taken as its text, since clients build amounts
//! from numbers. Fields this server does not know are ignored, as everywhere in the request.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Date, Month};

use super::document::check_email;
use super::limits::{
    MAX_NESL_ADDRESS_CHARS, MAX_NESL_AMOUNT_DIGITS, MAX_NESL_ITEMS, MAX_NESL_TEXT_CHARS,
    forbidden_in_name, forbidden_in_text, text_problem,
};
use super::workflow::Invalid;

/// Officially valid documents, for stamp parties and participants alike.
const OVD: &[&str] = &[
    "PAN_CARD",
    "DRIVING_LICENSE",
    "VOTER_ID",
    "PASSPORT",
    "ANY_OTHER_OFFICIAL_ID",
];

/// What a field holds, and so how it is checked.
#[derive(Clone, Copy)]
enum Kind {
    /// One line of text of at most [`MAX_NESL_TEXT_CHARS`].
    Text,
    /// An address or a description: line breaks allowed, at most [`MAX_NESL_ADDRESS_CHARS`].
    Long,
    /// One of the listed values, exactly.
    Enum(&'static [&'static str]),
    /// A non-negative decimal with at most 2 decimals and [`MAX_NESL_AMOUNT_DIGITS`] digits
    /// before the point.
    Amount,
    /// A percentage: a decimal from 0 to 100 with at most 4 decimals.
    Rate,
    /// A whole number of at most 5 digits (months of tenure, days past due).
    Count,
    /// A calendar date, `DD-MM-YYYY` (Leegality's dates) or `YYYY-MM-DD`.
    Date,
    Email,
    /// 10 digits, as the invitees' phones.
    Mobile,
    /// An Indian PIN code: 6 digits.
    Pin,
}

use Kind::*;

/// Declares one object of `neslData`: its struct with Leegality's names and its parser, which
/// checks each field in the order listed. Each field has two codes of its own,
/// `nesl.<group>.<field>.required` and `.invalid`, so a client can tell them apart by code.
macro_rules! nesl_object {
    ($(#[$doc:meta])* $name:ident, $group:literal, { $($field:ident: $wire:literal, $required:literal, $kind:expr;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            $(
                #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
        }

        impl $name {
            fn parse(path: &str, value: &Value) -> Result<Self, Invalid> {
                let object = as_object(path, concat!("nesl.", $group, ".invalid"), value)?;
                Ok($name {
                    $(
                        $field: field(
                            object,
                            $wire,
                            &format!("{path}.{}", $wire),
                            Codes {
                                required: concat!("nesl.", $group, ".", $wire, ".required"),
                                invalid: concat!("nesl.", $group, ".", $wire, ".invalid"),
                            },
                            $required,
                            $kind,
                        )?,
                    )*
                })
            }
        }
    };
}

nesl_object!(
    /// `documentDetail`: the loan. Details show it as `neslDocumentDetails.loanDetails`.
    DocumentDetail, "documentDetail", {
    loan_number: "loanNumber", true, Text;
    sanction_number: "sanctionNumber", true, Text;
    registration_type: "registrationType", true, Enum(&["INDIVIDUAL_LOAN", "NON_INDIVIDUAL_LOAN"]);
    state: "state", true, Text;
    date_of_sanction: "dateOfSanction", true, Date;
    emi_amount: "emiAmount", true, Amount;
    rate_of_interest: "rateOfInterest", true, Rate;
    sanction_amount: "sanctionAmount", true, Amount;
    tenure: "tenure", true, Count;
    type_of_debt: "typeOfDebt", true, Enum(&["FINANCIAL", "OPERATIONAL"]);
    account_closed_flag: "accountClosedFlag", true, Enum(&["YES", "NO", "ASSIGNED"]);
    fund_type: "fundType", true, Enum(&["FUNDED", "NON_FUNDED"]);
    sanction_currency: "sanctionCurrency", true, Enum(&["INR", "USD"]);
    credit_subtype: "creditSubtype", true, Enum(&["CREDIT_FACILITY", "PROPERTY_BUYER"]);
    facility_name: "facilityName", true, Text;
    branch_name: "branchName", false, Text;
    branch_address: "branchAddress", false, Long;
    amount_overdue: "amountOverdue", false, Amount;
    other_charge_amount: "otherChargeAmount", false, Amount;
    debt_start_date: "debtStartDate", false, Date;
    interest_amount: "interestAmount", false, Amount;
    old_debt_ref_no: "oldDebtRefNo", false, Text;
    principal_outstanding: "principalOutstanding", false, Amount;
    loan_remark: "loanRemark", false, Long;
    total_outstanding_amount: "totalOutstandingAmount", false, Amount;
    creditor_business_unit: "creditorBusinessUnit", false, Text;
    drawing_power: "drawingPower", false, Amount;
    days_past_due: "daysPastDue", false, Count;
    // Only a third-party model lists these; kept as text so that its clients are not refused.
    doc_ref_no: "docRefNo", false, Text;
    expiry_date_ebg: "expiryDateEbg", false, Date;
    claim_expiry_date: "claimExpiryDate", false, Date;
    contract_ref_no: "contractRefNo", false, Text;
    vendor_code: "vendorCode", false, Text;
    portal_id: "portalId", false, Text;
    event: "event", false, Text;
});

nesl_object!(
    /// One `stampData[]` entry: the stamp duty of the agreement.
    StampData, "stampData", {
    first_party: "firstParty", true, Text;
    second_party: "secondParty", true, Text;
    stamp_duty_amount: "stampDutyAmount", true, Amount;
    consideration_price: "considerationPrice", true, Amount;
    description_of_document: "descriptionOfDocument", true, Long;
    stamp_duty_paid_by: "stampDutyPaidBy", true, Text;
    article_code: "articleCode", true, Text;
    first_party_pin: "firstPartyPin", false, Pin;
    second_party_pin: "secondPartyPin", false, Pin;
    first_party_ovd_type: "firstPartyOVDType", false, Enum(OVD);
    second_party_ovd_type: "secondPartyOVDType", false, Enum(OVD);
    first_party_ovd_value: "firstPartyOVDValue", false, Text;
    second_party_ovd_value: "secondPartyOVDValue", false, Text;
});

nesl_object!(
    /// One `participants[]` entry: a party to the debt.
    Participant, "participants", {
    full_name: "fullName", true, Text;
    contact_person_name: "contactPersonName", true, Text;
    contact_relation: "contactRelation", true, Enum(&[
        "CREDITOR", "DEBTOR", "GUARANTOR", "CO_OBLIGANT", "SECURITY_PROVIDER", "ASSIGNEE",
    ]);
    email_id: "emailId", true, Email;
    mobile_number: "mobileNumber", true, Mobile;
    dob: "dob", true, Date;
    legal_constitution: "legalConstitution", true, Enum(&[
        "RESIDENT_INDIVIDUAL", "PUBLIC_LTD", "PRIVATE_LTD", "LLP", "PROPRIETORSHIP",
        "PARTNERSHIP", "ENTITY_CREATED_BY_STATUTE", "TRUST", "HUF", "CO_OP_SOCIETY",
        "ASSOCIATION_OF_PERSONS", "GOVERNMENT", "SELF_HELP_GROUP", "NON_RESIDENT",
        "FOREIGN_COMPANY",
    ]);
    official_doc_type: "officialDocType", true, Enum(OVD);
    official_doc_id: "officialDocId", true, Text;
    party_type: "partyType", true, Enum(&[
        "INDIAN_ENTITY", "RESIDENT_INDIVIDUAL", "FOREIGN_ENTITY", "NRI",
    ]);
    alternate_email_id: "alternateEmailId", false, Email;
    alternate_mobile_number: "alternateMobileNumber", false, Mobile;
    registered_address: "registeredAddress", false, Long;
    registered_pin_code: "registeredPinCode", false, Pin;
    designation: "designation", false, Text;
    communication_address: "communicationAddress", false, Long;
    communication_address_pin_code: "communicationAddressPinCode", false, Pin;
    cin: "cin", false, Text;
    kin: "kin", false, Text;
    signatory_gender: "signatoryGender", false, Text;
    business_unit: "businessUnit", false, Text;
});

nesl_object!(
    /// One `neslSecurities[]` entry: an asset securing the debt.
    Security, "neslSecurities", {
    security_description: "securityDescription", true, Long;
    assets_type: "assetsType", true, Enum(&["MOVABLE", "IMMOVABLE", "INTANGIBLE", "NOT_CLASSIFIED"]);
    charge_type: "chargeType", true, Enum(&[
        "MORTGAGE", "HYPOTHECATION", "CHARGE", "ASSIGNMENT", "PLEDGE", "LIEN", "NEGATIVE_LIEN",
        "GUARANTEE", "OTHERS", "NOT_CLASSIFIED",
    ]);
    asset_id: "assetId", true, Text;
    doc: "doc", false, Date;
    dov: "dov", false, Date;
    cersai_id: "cersaiId", false, Text;
    roc_charge_id: "rocChargeId", false, Text;
    security_value: "securityValue", false, Amount;
    abc: "abc", false, Text;
});

/// `neslData` as checked: what is stored with the document and shown in details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NeslData {
    pub document_detail: DocumentDetail,
    #[serde(default)]
    pub stamp_data: Vec<StampData>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub nesl_securities: Vec<Security>,
}

impl NeslData {
    /// Checks `neslData` as the client sent it; the first wrong field is refused, with a
    /// message naming its path (`neslData.participants[1].emailId`). `null` counts as absent.
    pub fn parse(value: &Value) -> Result<Option<NeslData>, Invalid> {
        if value.is_null() {
            return Ok(None);
        }
        let object = as_object("neslData", "nesl.invalid", value)?;
        let detail = match object.get("documentDetail") {
            None | Some(Value::Null) => {
                return Err(invalid(
                    "nesl.documentDetail.required",
                    "neslData.documentDetail: required",
                ));
            }
            Some(v) => DocumentDetail::parse("neslData.documentDetail", v)?,
        };
        Ok(Some(NeslData {
            document_detail: detail,
            stamp_data: list(
                object,
                "stampData",
                "nesl.stampData.invalid",
                StampData::parse,
            )?,
            participants: list(
                object,
                "participants",
                "nesl.participants.invalid",
                Participant::parse,
            )?,
            nesl_securities: list(
                object,
                "neslSecurities",
                "nesl.neslSecurities.invalid",
                Security::parse,
            )?,
        }))
    }
}

struct Codes {
    required: &'static str,
    invalid: &'static str,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        code,
        message: message.into(),
    }
}

fn as_object<'a>(
    path: &str,
    code: &'static str,
    value: &'a Value,
) -> Result<&'a Map<String, Value>, Invalid> {
    value
        .as_object()
        .ok_or_else(|| invalid(code, format!("{path}: an object")))
}

/// The array `name` of `neslData`, each entry parsed; absent or `null` is empty.
fn list<T>(
    object: &Map<String, Value>,
    name: &str,
    // The array's own code, for its shape, its length and an entry that is no object.
    code: &'static str,
    parse: fn(&str, &Value) -> Result<T, Invalid>,
) -> Result<Vec<T>, Invalid> {
    let items = match object.get(name) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid(code, format!("neslData.{name}: an array"))),
    };
    if items.len() > MAX_NESL_ITEMS {
        return Err(invalid(
            code,
            format!("neslData.{name}: at most {MAX_NESL_ITEMS} entries"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(&format!("neslData.{name}[{i}]"), item))
        .collect()
}

/// One field: its text (a string, or a number's text), trimmed, checked against its kind. An
/// empty string counts as absent, as Leegality's clients send optional fields empty.
fn field(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
    codes: Codes,
    required: bool,
    kind: Kind,
) -> Result<Option<String>, Invalid> {
    let text = match object.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            return Err(invalid(codes.invalid, format!("{path}: a string")));
        }
    }
    .filter(|s| !s.is_empty());
    let Some(text) = text else {
        return match required {
            true => Err(invalid(codes.required, format!("{path}: required"))),
            false => Ok(None),
        };
    };
    match problem(&text, kind) {
        Some(why) => Err(invalid(codes.invalid, format!("{path}: {why}"))),
        None => Ok(Some(text)),
    }
}

/// Why `text` is not a value of `kind`, if it is not.
fn problem(text: &str, kind: Kind) -> Option<String> {
    match kind {
        Text => text_problem(text, MAX_NESL_TEXT_CHARS, forbidden_in_name),
        Long => text_problem(text, MAX_NESL_ADDRESS_CHARS, forbidden_in_text),
        Enum(values) => (!values.contains(&text)).then(|| format!("one of {}", values.join(", "))),
        Amount => decimal_problem(text, MAX_NESL_AMOUNT_DIGITS, 2)
            .map(|why| format!("a non-negative amount such as 250000.00 ({why})")),
        Rate => match decimal_problem(text, 3, 4) {
            Some(why) => Some(format!("a percentage such as 10.5 ({why})")),
            None if text.parse::<f64>().is_ok_and(|r| r > 100.0) => {
                Some("a percentage from 0 to 100".into())
            }
            None => None,
        },
        Count => (text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| "a whole number of at most 5 digits".into()),
        Date => parse_date(text)
            .is_none()
            .then(|| "a date, DD-MM-YYYY or YYYY-MM-DD".into()),
        Email => check_email("", text)
            .err()
            .map(|_| "an email address".into()),
        Mobile => digits(text, 10).then(|| "10 digits".into()),
        Pin => digits(text, 6).then(|| "a PIN code of 6 digits".into()),
    }
}

/// Whether `text` is not exactly `n` ASCII digits.
fn digits(text: &str, n: usize) -> bool {
    text.len() != n || !text.bytes().all(|b| b.is_ascii_digit())
}

/// Why `text` is not a plain decimal (`123`, `123.45`: no sign, exponent or separator), if it
/// is not.
fn decimal_problem(text: &str, max_whole: usize, max_fraction: usize) -> Option<String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Some("digits and at most one point".into());
    }
    if text.ends_with('.') {
        return Some("digits after the point".into());
    }
    if whole.len() > max_whole {
        return Some(format!("at most {max_whole} digits before the point"));
    }
    if fraction.len() > max_fraction {
        return Some(format!("at most {max_fraction} decimals"));
    }
    None
}

/// A date as `DD-MM-YYYY` or `YYYY-MM-DD`, if it is a real one.
fn parse_date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.split('-').collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (day, month, year) = match (a.len(), b.len(), c.len()) {
        (2, 2, 4) => (a, b, c),
        (4, 2, 2) => (c, b, a),
        _ => return None,
    };
    let number = |s: &str| -> Option<u32> {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let month = Month::try_from(u8::try_from(number(month)?).ok()?).ok()?;
    let year = i32::try_from(number(year)?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(number(day)?).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A complete `neslData`, every required field and some optional ones.
    fn valid() -> Value {
        json!({
            "documentDetail": {
                "loanNumber": "LN-2026-0042", "sanctionNumber": "SN-77", "registrationType": "INDIVIDUAL_LOAN",
                "state": "Karnataka", "dateOfSanction": "01-12-2026", "emiAmount": "10624.50",
                "rateOfInterest": "10.5", "sanctionAmount": 500000, "tenure": "60",
                "typeOfDebt": "FINANCIAL", "accountClosedFlag": "NO", "fundType": "FUNDED",
                "sanctionCurrency": "INR", "creditSubtype": "CREDIT_FACILITY",
                "facilityName": "Home loan", "branchName": "", "daysPastDue": "0"
            },
            "stampData": [{
                "firstParty": "Asha Rao", "secondParty": "Example Bank", "stampDutyAmount": "500",
                "considerationPrice": "500000", "descriptionOfDocument": "Loan agreement",
                "stampDutyPaidBy": "First party", "articleCode": "5", "firstPartyPin": "560001",
                "firstPartyOVDType": "PAN_CARD", "firstPartyOVDValue": "ABCDE1234F"
            }],
            "participants": [{
                "fullName": "Asha Rao", "contactPersonName": "Asha Rao", "contactRelation": "DEBTOR",
                "emailId": "asha@example.com", "mobileNumber": "9876543210", "dob": "1989-04-12",
                "legalConstitution": "RESIDENT_INDIVIDUAL", "officialDocType": "PAN_CARD",
                "officialDocId": "ABCDE1234F", "partyType": "RESIDENT_INDIVIDUAL",
                "registeredPinCode": "560001"
            }],
            "neslSecurities": [{
                "securityDescription": "Flat 4B, Example Towers", "assetsType": "IMMOVABLE",
                "chargeType": "MORTGAGE", "assetId": "PROP-1", "doc": "01-12-2026",
                "securityValue": "2500000.00"
            }],
            "neslParties": []
        })
    }

    fn refused(change: impl FnOnce(&mut Value)) -> Invalid {
        let mut v = valid();
        change(&mut v);
        NeslData::parse(&v).expect_err("refused")
    }

    #[test]
    fn a_complete_block_is_kept_as_sent() {
        let nesl = NeslData::parse(&valid()).unwrap().unwrap();
        let detail = &nesl.document_detail;
        assert_eq!(detail.loan_number.as_deref(), Some("LN-2026-0042"));
        // A number is taken as its text; an empty optional field as absent.
        assert_eq!(detail.sanction_amount.as_deref(), Some("500000"));
        assert_eq!(detail.branch_name, None);
        assert_eq!(nesl.participants[0].dob.as_deref(), Some("1989-04-12"));
        // Stored and read back the same, with Leegality's names.
        let stored = serde_json::to_value(&nesl).unwrap();
        assert_eq!(stored["documentDetail"]["sanctionAmount"], "500000");
        assert_eq!(stored["stampData"][0]["firstPartyOVDType"], "PAN_CARD");
        assert!(stored["documentDetail"].get("branchName").is_none());
        assert_eq!(serde_json::from_value::<NeslData>(stored).unwrap(), nesl);
        assert_eq!(NeslData::parse(&Value::Null).unwrap(), None);
    }

    #[test]
    fn each_bad_field_is_refused_with_its_code_and_path() {
        type Change = fn(&mut Value);
        let cases: Vec<(Change, &str, &str)> = vec![
            (
                |v| v["documentDetail"] = Value::Null,
                "nesl.documentDetail.required",
                "neslData.documentDetail",
            ),
            (
                |v| v["documentDetail"] = json!("x"),
                "nesl.documentDetail.invalid",
                "neslData.documentDetail",
            ),
            (
                |v| {
                    v["documentDetail"]
                        .as_object_mut()
                        .unwrap()
                        .remove("loanNumber");
                },
                "nesl.documentDetail.loanNumber.required",
                "neslData.documentDetail.loanNumber",
            ),
            (
                |v| v["documentDetail"]["sanctionNumber"] = json!(" "),
                "nesl.documentDetail.sanctionNumber.required",
                "neslData.documentDetail.sanctionNumber",
            ),
            (
                |v| v["documentDetail"]["registrationType"] = json!("individual_loan"),
                "nesl.documentDetail.registrationType.invalid",
                "neslData.documentDetail.registrationType",
            ),
            (
                |v| v["documentDetail"]["dateOfSanction"] = json!("31-02-2026"),
                "nesl.documentDetail.dateOfSanction.invalid",
                "neslData.documentDetail.dateOfSanction",
            ),
            (
                |v| v["documentDetail"]["sanctionAmount"] = json!("-5"),
                "nesl.documentDetail.sanctionAmount.invalid",
                "neslData.documentDetail.sanctionAmount",
            ),
            (
                |v| v["documentDetail"]["emiAmount"] = json!("1,000"),
                "nesl.documentDetail.emiAmount.invalid",
                "neslData.documentDetail.emiAmount",
            ),
            (
                |v| v["documentDetail"]["emiAmount"] = json!("10.505"),
                "nesl.documentDetail.emiAmount.invalid",
                "neslData.documentDetail.emiAmount",
            ),
            (
                |v| v["documentDetail"]["rateOfInterest"] = json!("101"),
                "nesl.documentDetail.rateOfInterest.invalid",
                "neslData.documentDetail.rateOfInterest",
            ),
            (
                |v| v["documentDetail"]["tenure"] = json!("12.5"),
                "nesl.documentDetail.tenure.invalid",
                "neslData.documentDetail.tenure",
            ),
            (
                |v| v["documentDetail"]["sanctionCurrency"] = json!("EUR"),
                "nesl.documentDetail.sanctionCurrency.invalid",
                "neslData.documentDetail.sanctionCurrency",
            ),
            (
                |v| v["documentDetail"]["facilityName"] = json!(true),
                "nesl.documentDetail.facilityName.invalid",
                "neslData.documentDetail.facilityName",
            ),
            (
                |v| v["documentDetail"]["loanRemark"] = json!("x".repeat(1001)),
                "nesl.documentDetail.loanRemark.invalid",
                "neslData.documentDetail.loanRemark",
            ),
            (
                |v| v["documentDetail"]["loanNumber"] = json!("LN\u{202E}1"),
                "nesl.documentDetail.loanNumber.invalid",
                "neslData.documentDetail.loanNumber",
            ),
            (
                |v| v["stampData"] = json!({}),
                "nesl.stampData.invalid",
                "neslData.stampData",
            ),
            (
                |v| v["stampData"][0]["firstPartyPin"] = json!("56001"),
                "nesl.stampData.firstPartyPin.invalid",
                "neslData.stampData[0].firstPartyPin",
            ),
            (
                |v| v["stampData"][0]["secondPartyOVDType"] = json!("AADHAAR"),
                "nesl.stampData.secondPartyOVDType.invalid",
                "neslData.stampData[0].secondPartyOVDType",
            ),
            (
                |v| v["participants"][0]["emailId"] = json!("asha"),
                "nesl.participants.emailId.invalid",
                "neslData.participants[0].emailId",
            ),
            (
                |v| v["participants"][0]["mobileNumber"] = json!("+919876543210"),
                "nesl.participants.mobileNumber.invalid",
                "neslData.participants[0].mobileNumber",
            ),
            (
                |v| v["participants"][0]["contactRelation"] = json!("BORROWER"),
                "nesl.participants.contactRelation.invalid",
                "neslData.participants[0].contactRelation",
            ),
            (
                |v| v["participants"][0]["dob"] = json!("12/04/1989"),
                "nesl.participants.dob.invalid",
                "neslData.participants[0].dob",
            ),
            (
                |v| v["neslSecurities"][0]["chargeType"] = json!("LOAN"),
                "nesl.neslSecurities.chargeType.invalid",
                "neslData.neslSecurities[0].chargeType",
            ),
            (
                |v| {
                    v["neslSecurities"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("assetId");
                },
                "nesl.neslSecurities.assetId.required",
                "neslData.neslSecurities[0].assetId",
            ),
            (
                |v| v["participants"] = json!(vec![json!({}); MAX_NESL_ITEMS + 1]),
                "nesl.participants.invalid",
                "neslData.participants",
            ),
        ];
        for (change, code, path) in cases {
            let e = refused(change);
            assert_eq!(e.code, code, "{}", e.message);
            assert!(e.message.starts_with(&format!("{path}: ")), "{}", e.message);
        }
        assert_eq!(
            NeslData::parse(&json!([])).unwrap_err().code,
            "nesl.invalid"
        );
    }

    #[test]
    fn bounds_of_numbers_and_dates() {
        assert_eq!(problem("0", Amount), None);
        assert_eq!(problem("12345678901234.99", Amount), None);
        assert!(problem("123456789012345", Amount).is_some());
        assert!(problem("1.", Amount).is_some());
        assert!(problem(".5", Amount).is_some());
        assert!(problem("1e5", Amount).is_some());
        assert_eq!(problem("100", Rate), None);
        assert_eq!(problem("8.7525", Rate), None);
        assert!(problem("100.01", Rate).is_some());
        assert_eq!(problem("99999", Count), None);
        assert!(problem("100000", Count).is_some());
        assert_eq!(parse_date("29-02-2028").map(|d| d.day()), Some(29));
        assert!(parse_date("29-02-2027").is_none());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("1-1-2026").is_none());
        assert!(parse_date("+1-01-2026").is_none());
    }
}
