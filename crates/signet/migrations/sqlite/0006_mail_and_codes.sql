-- Invitation mail, written in the transaction that makes an invitation active (or resends
-- it), and sent from here by the mailer: a crash loses none. The body holds the signing link,
-- which the invitations table holds anyway (its id); it is never logged.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    document_id     TEXT NOT NULL REFERENCES documents (id),
    invitation_id   TEXT NOT NULL,
    -- `invitation` or `code`: a one-time code's body is blanked once sent.
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- `logged`: no SMTP server is configured, so the mailer wrote (the masked recipient) to
    -- the log instead.
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'logged', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    leased          BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_outbox_by_invitation ON mail_outbox (invitation_id, created_at);

-- The one-time code an invitee asked for (a slot with enforceAuthentication), as its salted
-- SHA-256 only. One per invitation; asking again replaces it.
CREATE TABLE otp_codes (
    invitation_id TEXT PRIMARY KEY NOT NULL REFERENCES invitations (id),
    code_hash     TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts_left BIGINT NOT NULL,
    sent_at       BIGINT NOT NULL,
    -- Codes sent for this invitation in all, to bound how much mail one link can cause.
    sends         BIGINT NOT NULL
);
