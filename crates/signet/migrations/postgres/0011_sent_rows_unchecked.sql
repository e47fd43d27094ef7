-- A document sent wrote seven rows that each ran a foreign-key check: an SPI query and a
-- KEY SHARE lock on the row it names (every create of an account locked that account's one
-- row, so concurrent senders built multixacts on it). In a profile of creates the checks were
-- half of PostgreSQL's CPU: their plans are cached per connection, and planned while a table
-- was small they scan it whole until an ANALYZE (autovacuum) replaces them. With fresh plans,
-- dropping them still took a sixth off PostgreSQL's CPU per document sent.
--
-- These rows are written only by the store (store/sent.rs, documents.rs, mail.rs), in the
-- statement or transaction that writes or locks their document, and documents and accounts
-- are never removed (a deleted document is a flag; a purge removes its files). SQLite keeps
-- the constraints: there a check is an in-process index probe, and every test runs on both
-- databases, so a write that would break one fails there.
ALTER TABLE documents DROP CONSTRAINT documents_account_id_fkey;
ALTER TABLE invitations DROP CONSTRAINT invitations_document_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_document_id_fkey;
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_account_id_fkey;
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_document_id_fkey;
