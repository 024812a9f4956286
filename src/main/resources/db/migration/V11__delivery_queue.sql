-- Notices wait for SMTP in the outbox, which is filled only when a mail server is configured: without one, a
-- notice costs no delivery bookkeeping at all (the renewal engine writes a million of them in one run).
DROP INDEX notices_unsent_idx;
ALTER TABLE notice_outbox
    ALTER COLUMN recipient DROP NOT NULL,
    ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN body DROP NOT NULL,
    ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX notice_outbox_seq_idx ON notice_outbox (seq);
