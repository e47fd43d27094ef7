-- Deleting an invitation keeps its row (details report it with `deleted: true`).
ALTER TABLE invitations ADD COLUMN deleted BIGINT NOT NULL DEFAULT 0;
-- When the account deleted the document, and when its files were removed from storage: the
-- files go after the commit, and the sweeper finishes a removal a crash interrupted.
ALTER TABLE documents ADD COLUMN deleted_at BIGINT;
ALTER TABLE documents ADD COLUMN purged_at BIGINT;

-- The expiry sweeper's question, "which open invitations are due", answered from an index
-- holding only open invitations: its cost does not grow with finished documents.
CREATE INDEX invitations_open_by_expiry ON invitations (expires_at)
    WHERE signed = 0 AND approved = 0 AND rejected = 0 AND expired = 0 AND deleted = 0;
CREATE INDEX documents_completed ON documents (account_id, completed_at)
    WHERE status = 'COMPLETED' AND deleted = 0;
CREATE INDEX documents_to_purge ON documents (deleted_at) WHERE deleted = 1 AND purged_at IS NULL;
