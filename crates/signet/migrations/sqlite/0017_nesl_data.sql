-- NeSL data (`neslData` of a create request), as checked: JSON with Leegality's names, for
-- details. NULL for the documents sent without it.
ALTER TABLE documents ADD COLUMN nesl_data TEXT;
