-- A published workflow edited in the dashboard keeps its published definition (what documents
-- are sent with) until the edits are published: the edits wait here, NULL when there are none.
ALTER TABLE workflows ADD COLUMN draft TEXT;

-- Who sent a document from the dashboard (the user's name), for details' `sender`; NULL for a
-- document sent through the API, which reports the account.
ALTER TABLE documents ADD COLUMN sender_name TEXT;
