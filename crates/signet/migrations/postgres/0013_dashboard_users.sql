-- The people of an account who use the dashboard. `email_key` is the address lower-cased:
-- one user per address among those not removed (a removed user's address can be invited
-- again). `password_hash` is an Argon2id PHC string, NULL until an invited user sets one.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'sender', 'viewer')),
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    removed_at    BIGINT
);
CREATE UNIQUE INDEX users_by_email ON users (email_key) WHERE removed_at IS NULL;
CREATE INDEX users_by_account ON users (account_id, created_at);

-- Server-side sessions. The id is the SHA-256 (hex) of the cookie's random token: a copy of
-- this table does not sign anyone in. The CSRF token is checked on every state change.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    csrf         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

-- Wrong passwords per address (lower-cased, known or not), for the lockout.
CREATE TABLE login_failures (
    email_key TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email_key, at);
CREATE INDEX login_failures_by_time ON login_failures (at);

-- One-time links, as the SHA-256 (hex) of their token: the first-run setup link (`setup`,
-- no account yet) and an invited user's set-password link (`invitation`).
CREATE TABLE user_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('setup', 'invitation')),
    user_id    TEXT REFERENCES users (id),
    expires_at BIGINT,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX user_tokens_by_user ON user_tokens (user_id);

-- Mail about an account rather than a document (a user's set-password link) has no document
-- or invitation.
ALTER TABLE mail_outbox ALTER COLUMN document_id DROP NOT NULL;
ALTER TABLE mail_outbox ALTER COLUMN invitation_id DROP NOT NULL;
