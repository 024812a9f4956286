-- An idempotent answer erased with its account (IdempotentAnswers.eraseAnswersFor) is marked by this flag instead of
-- losing its request's fingerprint: the fingerprint is kept as an HMAC under a key derived from the key-encryption key
-- (never the plain SHA-256 of what was sent, which a guess of the body could be checked against), so that within the
-- key's 24 hours the identical request is told its answer was erased with the account and another request with the
-- key is 422 IDEMPOTENCY_KEY_REUSED (shared/API.md Conventions), as before the erasure. A constant default adds the
-- column without rewriting the table. Rows erased by a previous version have the fingerprint 'erased' and no request
-- left to compare: any request with their key is told the answer was erased, as before, until they are purged (the
-- claim reads that fingerprint too; no UPDATE here, which would scan the whole table holding the ALTER's lock).
ALTER TABLE idempotency_keys ADD COLUMN erased boolean NOT NULL DEFAULT false;
