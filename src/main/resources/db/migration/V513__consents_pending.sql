-- flyway:executeInTransaction=false
-- The acceptances whose purchase has not recorded its subscription yet (PENDING), oldest first: few (a purchase's
-- charge takes seconds), read by checkout.UnfinishedCheckouts to mark those of a node that stopped. CONCURRENTLY,
-- alone in its script; V513_1 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS consents_pending ON consents (accepted_at) WHERE status = 'PENDING';
