-- The voided attempts due to be looked up again, soonest first; the index holds only those with a recheck_at (a few
-- after a gateway incident, none usually). CONCURRENTLY, alone in its script: purchase_attempts grows by a row a
-- renewal.
CREATE INDEX CONCURRENTLY IF NOT EXISTS purchase_attempts_recheck_idx ON purchase_attempts (recheck_at)
    WHERE recheck_at IS NOT NULL;
