-- Workflows with `deleteOnComplete`: a document sent with one carries how long after its
-- completion its files are kept (the operator's SIGNET_DELETE_ON_COMPLETE_AFTER at sending);
-- completion turns that into the time the sweeper deletes it.
ALTER TABLE documents ADD COLUMN delete_after_ms BIGINT;
ALTER TABLE documents ADD COLUMN delete_at BIGINT;
CREATE INDEX documents_delete_due ON documents (delete_at) WHERE deleted = 0 AND delete_at IS NOT NULL;

-- Finished webhook deliveries (with their attempts) and mail are deleted once older than
-- SIGNET_OUTBOX_RETENTION, oldest first, from these.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE state <> 'pending';
CREATE INDEX mail_outbox_finished ON mail_outbox (created_at) WHERE state <> 'pending';
