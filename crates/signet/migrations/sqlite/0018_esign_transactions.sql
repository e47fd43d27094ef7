-- An Aadhaar eSign transaction (API.md 11) from the hand-off to the ESP until its answer:
-- the revision prepared on `version` waits for the provider's CMS over its digest. `txn` is
-- the request's transaction id and the answer's address (/esign/response/{txn}); it is used
-- once (`answered_at`) and expires (`expires_at`, the provider's maxWaitPeriod). Kept in the
-- database so that a restart between hand-off and answer loses nothing.
CREATE TABLE esign_transactions (
    txn            TEXT PRIMARY KEY NOT NULL,
    invitation_id  TEXT NOT NULL REFERENCES invitations (id),
    document_id    TEXT NOT NULL REFERENCES documents (id),
    version        BIGINT NOT NULL,
    -- The provider's name in SIGNET_ESP_CONFIG.
    esp            TEXT NOT NULL,
    -- signet_pdf's PreparedContainer in its stored form, base64.
    prepared       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    answered_at    BIGINT,
    -- 'signed', or the ESP's (or our) error code; with its message for the signing page.
    outcome        TEXT,
    outcome_message TEXT
);
CREATE INDEX esign_transactions_by_invitation ON esign_transactions (invitation_id, created_at);
