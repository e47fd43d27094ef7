-- Each page's displayed size in points, as JSON `[[width, height], …]`, measured when the
-- document was sent: the signing page needs them on every view, and signatures (incremental
-- revisions) never change them. NULL for documents sent before; those are measured on view.
ALTER TABLE documents ADD COLUMN page_sizes TEXT;
