-- Audit hash format 2. Format 1 joined the fields with '|' unescaped (text could move from one field to the next
-- under the same hash), and an entry whose text a closure erased was vouched for by the erasure alone: its other
-- fields (who, what, when) were no longer covered by any hash. Format 2 encodes every field with its length, and
-- hashes the free text (detail, reason) apart: text_hash is kept when the text is erased, so the rest of an erased
-- entry is still checked. Entries written before keep format 1 and are checked as before.
ALTER TABLE audit_events
    ADD COLUMN hash_version smallint NOT NULL DEFAULT 1,
    ADD COLUMN text_hash    text;
ALTER TABLE audit_events ALTER COLUMN hash_version SET DEFAULT 2;
