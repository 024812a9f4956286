-- Who holds a pending key (IdempotentAnswers): a request whose key was taken over as stale (its node looked crashed)
-- can no longer store its answer over the new owner's, nor delete the new owner's claim when it fails.
ALTER TABLE idempotency_keys ADD COLUMN owner text;
