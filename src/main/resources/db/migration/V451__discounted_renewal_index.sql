-- The subscriptions whose notice of a promotion's end may be due (R-CA-6, RenewalQueue.claimPromotionEndingNotices),
-- soonest renewal first; the index holds only those that were ever charged an accepted discount (few), so the claim
-- that runs with every run of the jobs does not read every subscription renewing within the notice's days.
-- CONCURRENTLY, alone in its script: subscriptions is written by every renewal.
CREATE INDEX CONCURRENTLY IF NOT EXISTS subscriptions_discounted_renewal_idx ON subscriptions (next_attempt_at)
    WHERE discounted_renewal_at IS NOT NULL;
