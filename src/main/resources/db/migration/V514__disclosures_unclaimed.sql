-- flyway:executeInTransaction=false
-- The disclosures no purchase ever held (claimed_by is set by a purchase's claim, V266, and cleared only when that
-- purchase made nothing), by expiry: every page view of the hosted checkout used to write one, and
-- checkout.UnfinishedCheckouts deletes those nobody accepted a day after they expired, reading along this index
-- rather than past every disclosure a sale keeps. CONCURRENTLY, alone in its script: every checkout page view and
-- every disclosure of the API writes disclosures. V514_1 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS disclosures_unclaimed ON disclosures (expires_at) WHERE claimed_by IS NULL;
