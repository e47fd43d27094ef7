-- Every document sent or finished by an account changed that account's one count row, and on
-- PostgreSQL the row's lock is held until the transaction commits: concurrent senders queued
-- behind each other's disk flush (creates capped near 600/s on 2 cores). Each change now goes
-- to one of several rows per status, picked at random; totals are the sum of them. (SQLite has
-- one writer and gains nothing, but both databases keep one schema.)
CREATE TABLE document_counts_sharded (
    account_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    shard      BIGINT NOT NULL DEFAULT 0,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, status, shard)
);
INSERT INTO document_counts_sharded (account_id, status, shard, n)
    SELECT account_id, status, 0, n FROM document_counts;
DROP TABLE document_counts;
ALTER TABLE document_counts_sharded RENAME TO document_counts;

-- Nothing reads by these any more (documents_newest and the lowered irn serve the list), and
-- every sent document paid for keeping them.
DROP INDEX documents_by_account;
DROP INDEX documents_by_irn;
