-- A manual retry is sent even while its endpoint is DISABLED (shared/API.md: "sent again now"). The claim finds such
-- retries through this index alone, endpoint by endpoint, at most an endpoint's room each: it holds only the PENDING
-- manual retries (a retry sets the flag, the attempt's outcome clears it), so the claim never reads a DISABLED
-- endpoint's ordinary backlog, nor more of its manual retries than it takes. No column a claim changes (attempts,
-- claimed_until, claim_token) is in it: claims stay HOT updates.
-- Built CONCURRENTLY (so Flyway runs this script outside a transaction, and it must stay the only statement here)
-- because webhook_delivery is large and busy: a plain build would hold back the fan-out's inserts, the claims and
-- the outcomes' updates while it reads the whole table. If the build fails it leaves an INVALID index: see
-- docs/DEPLOY.md.
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_delivery_manual
    ON webhook_delivery (endpoint_id, next_attempt_at, event_position)
    WHERE status = 'PENDING' AND manual;
