-- Audit hash format 2. Format 1 joined the fields with '|' unescaped (text could move from one field to the next
-- under the same hash), and an entry whose text a closure erased was vouched for by the erasure alone: its other
-- fields (who, what, when) were no longer covered by any hash. Format 2 encodes every field with its length, and
-- hashes the free text (detail, reason) apart: text_hash is kept when the text is erased, so the rest of an erased
-- entry is still checked. Entries written before keep format 1 and are checked as before; the default stays 1, so an
-- entry inserted by a node not yet upgraded is read as what it is, and the new code writes 2 itself.
ALTER TABLE audit_events
    ADD COLUMN hash_version smallint NOT NULL DEFAULT 1,
    ADD COLUMN text_hash    text;
