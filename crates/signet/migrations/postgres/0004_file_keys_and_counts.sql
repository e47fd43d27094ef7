-- The stored object of the current file. Each signature writes its version under a key of
-- its own, recorded here in the same transaction that accepts the signature: two invitees
-- signing at once can no longer overwrite each other's file before one of them is refused.
ALTER TABLE documents ADD COLUMN file_key TEXT;
UPDATE documents SET file_key = 'documents/' || id || '/v' || versions || '.pdf';

-- How many documents each account has per status, kept in the transactions that change a
-- status: list totals are read here instead of counted, so they cost the same at 100,000
-- documents as at 100. Deleted documents are not counted.
CREATE TABLE document_counts (
    account_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, status)
);
INSERT INTO document_counts (account_id, status, n)
    SELECT account_id, status, COUNT(*) FROM documents WHERE deleted = 0 GROUP BY account_id, status;

-- The list, newest first (with the id as tie-break, so the index gives the order and no sort
-- of the account's documents is needed), by status too; `q` on the name or irn, any case.
CREATE INDEX documents_newest ON documents (account_id, created_at, id);
CREATE INDEX documents_by_status ON documents (account_id, status, created_at, id);
CREATE INDEX documents_by_lower_name ON documents (LOWER(name));
CREATE INDEX documents_by_lower_irn ON documents (LOWER(irn));
