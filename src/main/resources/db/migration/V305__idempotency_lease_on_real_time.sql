-- The lease of a running request on its Idempotency-Key (IdempotentAnswers): when its pending row was last claimed or
-- renewed, by the database's real time. created_at is on the server's clock (the test clock when it is on), right for
-- the 24 hours an answer is replayed but not for how long a request has been running: advancing the test clock made a
-- running request's key look stale, and a retry ran the request a second time.
ALTER TABLE idempotency_keys ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT clock_timestamp();
