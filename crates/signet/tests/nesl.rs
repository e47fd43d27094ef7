//! NeSL data (`neslData` of a create request, issue 19 item 5) against the real binary, on
//! SQLite and PostgreSQL: checked field by field, stored with the document, shown in details;
//! and `NESL_ESIGN` refused while no NeSL adapter exists.

mod common;

use common::{Client, Db, Server, base64, create_workflow, pdf_with_pages};
use serde_json::{Value, json};

async fn workflow(api: &Client) -> String {
    create_workflow(
        api,
        &json!({
            "name": "Home loan", "expiryDays": 10,
            "invitees": [{"label": "Borrower", "inviteeType": "Signer",
                "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]
        }),
    )
    .await
}

fn nesl() -> Value {
    json!({
        "documentDetail": {
            "loanNumber": "LN-2026-0042", "sanctionNumber": "SN-77",
            "registrationType": "INDIVIDUAL_LOAN", "state": "Karnataka",
            "dateOfSanction": "01-12-2026", "emiAmount": "10624.50", "rateOfInterest": "10.5",
            "sanctionAmount": "500000", "tenure": "60", "typeOfDebt": "FINANCIAL",
            "accountClosedFlag": "NO", "fundType": "FUNDED", "sanctionCurrency": "INR",
            "creditSubtype": "CREDIT_FACILITY", "facilityName": "Home loan",
            "branchAddress": "12 MG Road\nBengaluru"
        },
        "stampData": [{
            "firstParty": "Asha Rao", "secondParty": "Example Bank", "stampDutyAmount": "500",
            "considerationPrice": "500000", "descriptionOfDocument": "Loan agreement",
            "stampDutyPaidBy": "First party", "articleCode": "5", "firstPartyPin": "560001",
            "firstPartyOVDType": "PAN_CARD", "firstPartyOVDValue": "ABCDE1234F"
        }],
        "participants": [{
            "fullName": "Asha Rao", "contactPersonName": "Asha Rao", "contactRelation": "DEBTOR",
            "emailId": "asha@example.com", "mobileNumber": "9876543210", "dob": "12-04-1989",
            "legalConstitution": "RESIDENT_INDIVIDUAL", "officialDocType": "PAN_CARD",
            "officialDocId": "ABCDE1234F", "partyType": "RESIDENT_INDIVIDUAL"
        }],
        "neslSecurities": [{
            "securityDescription": "Flat 4B, Example Towers", "assetsType": "IMMOVABLE",
            "chargeType": "MORTGAGE", "assetId": "PROP-1", "securityValue": "2500000.00"
        }]
    })
}

fn request(profile: &str, nesl: Value) -> Value {
    json!({
        "profileId": profile,
        "file": {"name": "Loan agreement", "file": base64(&pdf_with_pages(1))},
        "invitees": [{"name": "Asha Rao", "email": "asha@example.com"}],
        "neslData": nesl,
    })
}

async fn valid_nesl_data_is_stored_and_shown_in_details(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Bank").token);
    let profile = workflow(&api).await;
    let sent = api
        .post("/api/v3.0/sign/request", &request(&profile, nesl()))
        .await;
    let id = sent.ok()["documentId"].as_str().unwrap().to_string();

    // Not asked: absent, as every opt-in group of details.
    let plain = api
        .get(&format!("/api/v3.3/document/details?documentId={id}"))
        .await;
    assert!(plain.ok().get("neslDocumentDetails").is_none());
    assert!(plain.ok().get("neslData").is_none());

    let asked = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&neslDocumentDetails=true"
        ))
        .await;
    let data = asked.ok();
    let view = &data["neslDocumentDetails"];
    assert_eq!(view["transactionId"], Value::Null);
    assert_eq!(view["loanDetails"]["sanctionAmount"], "500000");
    assert_eq!(
        view["loanDetails"]["branchAddress"],
        "12 MG Road\nBengaluru"
    );
    assert_eq!(view["loanDetails"], nesl()["documentDetail"]);
    // The lists come with their child flags only.
    assert!(view.get("securityDetails").is_none());
    assert!(view.get("stampDetails").is_none());
    assert_eq!(
        data["neslData"],
        nesl(),
        "stored as sent: {}",
        data["neslData"]
    );

    let children = api
        .get(&format!(
            "/api/v3.1/document/details?documentId={id}&neslDocumentDetails=true\
             &neslDocumentDetails_securityDetails=true&neslDocumentDetails_stampDetails=true"
        ))
        .await;
    let view = &children.ok()["neslDocumentDetails"];
    assert_eq!(view["securityDetails"], nesl()["neslSecurities"]);
    assert_eq!(view["stampDetails"], nesl()["stampData"]);

    // A document sent without NeSL data: the group asked for is null.
    let mut without = request(&profile, Value::Null);
    without.as_object_mut().unwrap().remove("neslData");
    let other = api.post("/api/v3.0/sign/request", &without).await;
    let other = other.ok()["documentId"].as_str().unwrap().to_string();
    let shown = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={other}&neslDocumentDetails=true"
        ))
        .await;
    assert_eq!(shown.ok()["neslDocumentDetails"], Value::Null);
}

async fn bad_fields_are_refused_one_by_one_and_store_nothing(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Bank").token);
    let profile = workflow(&api).await;
    type Change = fn(&mut Value);
    let cases: Vec<(Change, &str, &str)> = vec![
        (|v| *v = json!("LN-1"), "nesl.invalid", "neslData"),
        (
            |v| {
                v.as_object_mut().unwrap().remove("documentDetail");
            },
            "nesl.documentDetail.required",
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
            |v| v["documentDetail"]["registrationType"] = "PERSONAL".into(),
            "nesl.documentDetail.registrationType.invalid",
            "neslData.documentDetail.registrationType",
        ),
        (
            |v| v["documentDetail"]["sanctionAmount"] = "5,00,000".into(),
            "nesl.documentDetail.sanctionAmount.invalid",
            "neslData.documentDetail.sanctionAmount",
        ),
        (
            |v| v["documentDetail"]["dateOfSanction"] = "30-02-2026".into(),
            "nesl.documentDetail.dateOfSanction.invalid",
            "neslData.documentDetail.dateOfSanction",
        ),
        (
            |v| v["documentDetail"]["rateOfInterest"] = "150".into(),
            "nesl.documentDetail.rateOfInterest.invalid",
            "neslData.documentDetail.rateOfInterest",
        ),
        (
            |v| v["documentDetail"]["typeOfDebt"] = "financial".into(),
            "nesl.documentDetail.typeOfDebt.invalid",
            "neslData.documentDetail.typeOfDebt",
        ),
        (
            |v| v["documentDetail"]["accountClosedFlag"] = "CLOSED".into(),
            "nesl.documentDetail.accountClosedFlag.invalid",
            "neslData.documentDetail.accountClosedFlag",
        ),
        (
            |v| v["documentDetail"]["fundType"] = json!(["FUNDED"]),
            "nesl.documentDetail.fundType.invalid",
            "neslData.documentDetail.fundType",
        ),
        (
            |v| v["documentDetail"]["sanctionCurrency"] = "EUR".into(),
            "nesl.documentDetail.sanctionCurrency.invalid",
            "neslData.documentDetail.sanctionCurrency",
        ),
        (
            |v| v["documentDetail"]["creditSubtype"] = "".into(),
            "nesl.documentDetail.creditSubtype.required",
            "neslData.documentDetail.creditSubtype",
        ),
        (
            |v| v["documentDetail"]["facilityName"] = "x".repeat(256).into(),
            "nesl.documentDetail.facilityName.invalid",
            "neslData.documentDetail.facilityName",
        ),
        (
            |v| v["stampData"][0]["secondPartyPin"] = "ABC123".into(),
            "nesl.stampData.secondPartyPin.invalid",
            "neslData.stampData[0].secondPartyPin",
        ),
        (
            |v| v["stampData"][0]["firstPartyOVDType"] = "AADHAAR".into(),
            "nesl.stampData.firstPartyOVDType.invalid",
            "neslData.stampData[0].firstPartyOVDType",
        ),
        (
            |v| v["participants"][0]["contactRelation"] = "BORROWER".into(),
            "nesl.participants.contactRelation.invalid",
            "neslData.participants[0].contactRelation",
        ),
        (
            |v| v["participants"][0]["emailId"] = "asha@localhost".into(),
            "nesl.participants.emailId.invalid",
            "neslData.participants[0].emailId",
        ),
        (
            |v| v["participants"][0]["mobileNumber"] = "98765".into(),
            "nesl.participants.mobileNumber.invalid",
            "neslData.participants[0].mobileNumber",
        ),
        (
            |v| v["participants"][0]["legalConstitution"] = "COMPANY".into(),
            "nesl.participants.legalConstitution.invalid",
            "neslData.participants[0].legalConstitution",
        ),
        (
            |v| v["participants"][0]["partyType"] = "CITIZEN".into(),
            "nesl.participants.partyType.invalid",
            "neslData.participants[0].partyType",
        ),
        (
            |v| v["neslSecurities"][0]["assetsType"] = "LAND".into(),
            "nesl.neslSecurities.assetsType.invalid",
            "neslData.neslSecurities[0].assetsType",
        ),
        (
            |v| v["neslSecurities"][0]["chargeType"] = "LOAN".into(),
            "nesl.neslSecurities.chargeType.invalid",
            "neslData.neslSecurities[0].chargeType",
        ),
        (
            |v| v["neslSecurities"] = json!({"assetId": "1"}),
            "nesl.neslSecurities.invalid",
            "neslData.neslSecurities",
        ),
    ];
    for (change, code, path) in cases {
        let mut data = nesl();
        change(&mut data);
        let reply = api
            .post("/api/v3.0/sign/request", &request(&profile, data))
            .await;
        assert_eq!(reply.code(), code, "{}", reply.body);
        let message = reply.body["messages"][0]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{path}: ")), "{message}");
    }
    // Nothing was stored for any of them.
    let list = api.get("/api/v3.0/sign/request/list").await;
    assert_eq!(list.ok()["total"], 0, "{}", list.body);
}

async fn nesl_esign_is_unavailable(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Bank").token);
    let reply = api
        .post(
            "/api/signet/workflows",
            &json!({
                "name": "Home loan", "publish": true,
                "invitees": [{"label": "Borrower", "inviteeType": "Signer",
                    "signatureTypes": ["NESL_ESIGN"],
                    "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]
            }),
        )
        .await;
    assert_eq!(reply.code(), "signature.type.unavailable");
    let list = api.get("/api/signet/workflows").await;
    assert_eq!(list.ok()["total"], 0, "{}", list.body);
}

on_both_databases!(
    valid_nesl_data_is_stored_and_shown_in_details,
    bad_fields_are_refused_one_by_one_and_store_nothing,
    nesl_esign_is_unavailable
);
