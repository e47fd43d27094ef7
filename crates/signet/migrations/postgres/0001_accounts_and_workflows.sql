-- Accounts own everything. The auth token is stored only as its SHA-256; the private salt keys
-- webhook MACs, so it is kept as is (it never leaves the server except to its owner).
CREATE TABLE accounts (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    private_salt TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- A workflow (its id is Leegality's profileId) holds a signing journey's configuration as the
-- validated JSON the API accepted; documents copy what they need when they are sent.
CREATE TABLE workflows (
    profile_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX workflows_by_account ON workflows (account_id, created_at);
