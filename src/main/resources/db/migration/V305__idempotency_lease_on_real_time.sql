-- The lease of a running request on its Idempotency-Key (IdempotentAnswers): when its pending row was last claimed or
-- renewed, by the database's real time. created_at is on the server's clock (the test clock when it is on), right for
-- the 24 hours an answer is replayed but not for how long a request has been running: advancing the test clock made a
-- running request's key look stale, and a retry ran the request a second time. Added without a default, then given
-- one (a volatile default on ADD COLUMN would rewrite the table under an exclusive lock): a row of the previous
-- version has none, and its lease runs from created_at (IdempotentAnswers reads coalesce(claimed_at, created_at)).
ALTER TABLE idempotency_keys ADD COLUMN claimed_at timestamptz;
ALTER TABLE idempotency_keys ALTER COLUMN claimed_at SET DEFAULT clock_timestamp();
