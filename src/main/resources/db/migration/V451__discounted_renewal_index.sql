-- The subscriptions whose notice of a promotion's end may be due (R-CA-6, RenewalQueue.claimPromotionEndingNotices),
-- soonest renewal first; the index holds only the ACTIVE ones whose current period is the discounted one (started by
-- the renewal charged an accepted discount): few, and not growing with every subscription ever discounted (a row
-- leaves the index with the renewal after its discounted period, or when it ends). Its predicate is the claim's own
-- conditions, word for word (RenewalQueue.PROMOTION_ENDING_PENDING), so that the planner proves the claim inside it.
-- CONCURRENTLY, alone in its script: subscriptions is written by every renewal. V451_1 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS subscriptions_discounted_period_idx ON subscriptions (next_attempt_at)
    WHERE status = 'ACTIVE' AND discounted_renewal_at = current_period_start;
