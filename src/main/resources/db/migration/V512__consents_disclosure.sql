-- flyway:executeInTransaction=false
-- Every consent row of a disclosure, whatever its status: the foreign key's check when checkout.UnfinishedCheckouts
-- deletes a disclosure nobody accepted, and its NOT EXISTS, read here instead of the whole table once V514_2 drops
-- the UNIQUE index of V170. CONCURRENTLY, alone in its script; V512_1 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS consents_disclosure ON consents (disclosure_id);
