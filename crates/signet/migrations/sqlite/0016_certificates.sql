-- Organisation certificates (API.md 10.1). `sealed` is the private key (or the PKCS#11 key's
-- location and PIN), encrypted with the server's secrets key (secrets.rs) and bound to this
-- row's id; the chain is public and kept as is, so listing needs no decryption.
CREATE TABLE doc_signers (
    profile_id  TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('pkcs12', 'pkcs11')),
    sealed      TEXT NOT NULL,
    -- Base64 DER certificates, leaf first, separated by commas.
    chain       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    not_after   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX doc_signers_by_account ON doc_signers (account_id, created_at);

-- What the create request asked to verify of the signer's certificate, what the certificate
-- said, and the results (JSON in Leegality's names; NULL: nothing asked / no certificate yet).
ALTER TABLE invitations ADD COLUMN verification_request TEXT;
ALTER TABLE invitations ADD COLUMN certificate_data TEXT;
ALTER TABLE invitations ADD COLUMN verification_response TEXT;
-- An AUTOMATED_SIGN slot's organisation certificate. The invitation itself is the durable job:
-- the server signs every open, active one that names a signer (service/automated.rs), so a
-- crash between the turn coming and the signature loses nothing.
ALTER TABLE invitations ADD COLUMN automated_signer TEXT;
CREATE INDEX invitations_automated_due ON invitations (document_id)
    WHERE automated_signer IS NOT NULL AND active = 1 AND signed = 0 AND approved = 0
      AND rejected = 0 AND expired = 0 AND deleted = 0;

-- A DSC signature between its two steps (API.md 10.3): the revision prepared on `version`,
-- waiting for the signer's token to sign `signed_attributes`. Single use, expires.
CREATE TABLE dsc_prepared (
    id                TEXT PRIMARY KEY NOT NULL,
    invitation_id     TEXT NOT NULL REFERENCES invitations (id),
    document_id       TEXT NOT NULL REFERENCES documents (id),
    version           BIGINT NOT NULL,
    -- signet_pdf's PreparedSignature in its stored form, base64.
    prepared          TEXT NOT NULL,
    -- JSON of what prepare judged of the certificate (service/dsc.rs), for complete.
    judgement         TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);
CREATE INDEX dsc_prepared_by_invitation ON dsc_prepared (invitation_id);
CREATE INDEX dsc_prepared_by_expiry ON dsc_prepared (expires_at);

-- What a failed certificate check does (API.md 10.2): 'reject' terminates the invitation,
-- 'report' keeps the signature and reports the results; and the smart-name pass mark.
ALTER TABLE accounts ADD COLUMN verification_failure TEXT NOT NULL DEFAULT 'reject';
ALTER TABLE accounts ADD COLUMN smart_name_threshold BIGINT NOT NULL DEFAULT 80;
