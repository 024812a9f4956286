-- Stored idempotent answers (shared/API.md Conventions 1.1):
--   key          now the hex SHA-256 of the Idempotency-Key header, so a key a client built from personal data
--                (an email, a name) is never kept in clear; keys are only ever compared for equality
--   account_ids  the accounts a stored answer concerns (ids in its path, request or answer), so closing an account
--                finds and erases the answers that hold its personal data
-- Rows are purged 24 hours after they were written (by the server's clock); the index serves the purge.
-- Answers stored before this version were scoped by the Authorization header's spelling and are not replayed any
-- more (their scope cannot be recomputed); they are purged with the rest within 24 hours.
ALTER TABLE idempotency_keys ADD COLUMN account_ids text[] NOT NULL DEFAULT '{}';
UPDATE idempotency_keys SET key = encode(sha256(convert_to(key, 'UTF8')), 'hex'),
    account_ids = ARRAY(SELECT DISTINCT m[1] FROM regexp_matches(encode(response_body, 'escape'), '(acct_[0-9A-Za-z]+)', 'g') AS m);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_accounts_idx ON idempotency_keys USING gin (account_ids);

-- The audit trail keeps who did what, when, on which account and case after the account is closed; what was written
-- in those entries (detail, reason) is erased. An erased entry keeps its hash and names the erasure entry that
-- vouches for it, so the chain still checks.
ALTER TABLE audit_events ADD COLUMN erased_by bigint;

-- Closure finds what to erase by account and case without reading whole tables.
CREATE INDEX audit_events_case_idx ON audit_events (case_number) WHERE case_number IS NOT NULL;
CREATE INDEX support_cases_account_idx ON support_cases (account_id);
CREATE INDEX cancellations_feedback_account_idx ON cancellations (account_id) WHERE feedback IS NOT NULL;
