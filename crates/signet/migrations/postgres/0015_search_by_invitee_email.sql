-- The dashboard's search finds a document by an invitee's address: looked up here first,
-- then only the documents named are filtered and ordered. Partial, like the list's other
-- lookups, so a deleted invitation is never found and the lookup has no filter left.
CREATE INDEX invitations_by_lower_email ON invitations (LOWER(email), document_id) WHERE deleted = 0;
