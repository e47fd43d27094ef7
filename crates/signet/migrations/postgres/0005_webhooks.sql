-- The webhook outbox. A delivery is written in the transaction that records the event it
-- reports, with the body rendered then, so a crash at any point loses none and every attempt
-- sends the same bytes. `id` is the `webhook-id` header: stable across attempts.
-- `headers` holds the slot's static webhookHeaders (possibly credentials): never returned by
-- the API and never logged.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    document_id     TEXT NOT NULL REFERENCES documents (id),
    invitation_id   TEXT NOT NULL,
    event           TEXT NOT NULL,
    url             TEXT NOT NULL,
    headers         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    -- Failed attempts since the schedule (re)started: the index of the next retry delay.
    step            BIGINT NOT NULL DEFAULT 0,
    attempts        BIGINT NOT NULL DEFAULT 0,
    -- When a pending delivery is next due. A process that writes or claims one pushes it
    -- forward by a lease (and sets `leased`), so a process that dies mid-attempt leaves it to
    -- be retried, never lost.
    next_attempt_at BIGINT,
    leased          BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT
);
-- The dispatcher's question, "what is due", from an index of pending deliveries only.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_document ON webhook_deliveries (document_id, created_at);
CREATE INDEX webhook_deliveries_by_account ON webhook_deliveries (account_id, created_at);

-- Every attempt: what was sent where, and what came back. No header or body is kept here.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    number      BIGINT NOT NULL,
    time        BIGINT NOT NULL,
    url         TEXT NOT NULL,
    http_status BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
