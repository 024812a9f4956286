-- flyway:executeInTransaction=false
-- A disclosure backs at most one sale (V170's UNIQUE (disclosure_id), which V514_2 drops, held it for every row):
-- now for the COMPLETED consents, so that an attempt that sold nothing (ABANDONED) leaves it free for the next try.
-- CONCURRENTLY, alone in its script: purchases write consents while it is built. V511_1 checks that it was built.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS consents_completed_disclosure ON consents (disclosure_id)
    WHERE status = 'COMPLETED';
