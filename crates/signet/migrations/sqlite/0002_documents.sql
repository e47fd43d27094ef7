-- A sent document. `workflow` is the workflow JSON as it was when the document was sent:
-- later edits of the workflow do not reach documents already out.
CREATE TABLE documents (
    id              TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    profile_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    irn             TEXT,
    status          TEXT NOT NULL CHECK (status IN ('DRAFT', 'SENT', 'COMPLETED', 'EXPIRED')),
    workflow        TEXT NOT NULL,
    original_sha256 TEXT NOT NULL,
    -- Stored file versions, 1 being the original; version n is blob documents/{id}/v{n}.pdf.
    versions        BIGINT NOT NULL,
    deleted         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    completed_at    BIGINT,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX documents_by_account ON documents (account_id, created_at);
CREATE INDEX documents_by_irn ON documents (account_id, irn);

-- One per workflow slot. The id is the signing link's random UUID: a bearer capability.
CREATE TABLE invitations (
    id                TEXT PRIMARY KEY NOT NULL,
    document_id       TEXT NOT NULL REFERENCES documents (id),
    slot              BIGINT NOT NULL,
    name              TEXT NOT NULL,
    email             TEXT,
    phone             TEXT,
    invitee_type      TEXT NOT NULL,
    active            BIGINT NOT NULL,
    signed            BIGINT NOT NULL DEFAULT 0,
    approved          BIGINT NOT NULL DEFAULT 0,
    rejected          BIGINT NOT NULL DEFAULT 0,
    expired           BIGINT NOT NULL DEFAULT 0,
    rejection_message TEXT,
    signature_type    TEXT,
    signed_at         BIGINT,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    UNIQUE (document_id, slot)
);

-- The append-only event log: audit trail, webhooks and notifications are views of it. Each
-- event's hash chains to the one before (signet_pdf::audit::event_hash).
CREATE TABLE events (
    document_id TEXT NOT NULL REFERENCES documents (id),
    seq         BIGINT NOT NULL,
    time        BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    details     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (document_id, seq)
);
