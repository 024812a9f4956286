-- The public receipt page /receipts/{number}?t=<token>: the SHA-256 of the unguessable token that the
-- cancellation confirmation links with. Receipts issued before have none and are not shown there.
ALTER TABLE receipts ADD COLUMN view_token_hash bytea;
