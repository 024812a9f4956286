-- Stored answers are sealed with the key-encryption key (IdempotentAnswers): an answer can hold a secret shown once
-- (a webhook endpoint's signing secret, an entitlement token), which must not sit in the clear for its 24 hours.
-- The fingerprint of the key that sealed it; NULL for the answers written before, which stay readable until they
-- expire within a day.
ALTER TABLE idempotency_keys ADD COLUMN response_sealed_by text;
