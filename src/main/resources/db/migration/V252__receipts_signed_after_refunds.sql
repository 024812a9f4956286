-- A cancellation that refunds gets its receipt row (and the token of its public page) in its own transaction, and
-- the signature once the gateway has paid the refunds back (Receipts.complete): until then the row holds no
-- payload. A row is signed whole or not at all.
ALTER TABLE receipts ALTER COLUMN payload DROP NOT NULL,
    ALTER COLUMN issued_at DROP NOT NULL,
    ALTER COLUMN key_id DROP NOT NULL,
    ALTER COLUMN signature DROP NOT NULL,
    ADD CONSTRAINT receipts_signed_whole CHECK (
        (payload IS NULL) = (issued_at IS NULL) AND (payload IS NULL) = (key_id IS NULL)
        AND (payload IS NULL) = (signature IS NULL));
