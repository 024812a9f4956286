-- Notices are a log written by code that has just read the account; the per-row foreign-key check on the
-- million notices of a renewal run costs more than it protects. Charges and refunds keep theirs.
ALTER TABLE notices DROP CONSTRAINT notices_account_id_fkey;
