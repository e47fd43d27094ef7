-- `q=` on the list looks a name or an irn up within one account, newest first, one page at a
-- time. Scoped and ordered this way, each lookup reads only the page it returns; the
-- account-wide ones it replaces had to collect every match before sorting (an account that
-- names all its documents "Loan Agreement" matched them all). Partial, so a lookup has no
-- filter left to apply: when every document bears one name, PostgreSQL's generic plan (which
-- cannot see the value looked up) otherwise found walking `documents_newest` and filtering on
-- the name as cheap, and an irn looked up that way read all 100,000 documents (362 ms).
DROP INDEX documents_by_lower_name;
DROP INDEX documents_by_lower_irn;
CREATE INDEX documents_by_name ON documents (account_id, LOWER(name), created_at, id) WHERE deleted = 0;
CREATE INDEX documents_by_irn ON documents (account_id, LOWER(irn), created_at, id) WHERE deleted = 0;
