-- The language an invitee is written to in, as a BCP 47 tag (`en`, `hi`): it picks the wording
-- of their mail. A request cannot set it yet, so every invitation so far is English.
ALTER TABLE invitations ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

-- Mail goes as text and HTML (multipart/alternative). NULL in mail written before: sent as
-- text alone. A code mail's is blanked once sent, like its body.
ALTER TABLE mail_outbox ADD COLUMN html TEXT;
