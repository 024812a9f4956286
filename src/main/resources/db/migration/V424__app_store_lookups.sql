-- App Store purchases whose notice did not come are looked up too (App Store Server API, Get All Subscription
-- Statuses: AppStoreLookups), when its key is configured (subdesk.stores.apple.api.private-key). Every store's purchases
-- are scheduled alike whether its API is configured or not (StoreLookups.dueAt), so that a deployment configuring the
-- key later asks at once about those due by then; a store not asked is left out of the due purchases a run takes
-- (store IN the stores asked). The due index leads with the store, so that the rows of a store not asked, which stay
-- due, are never read by a run.
DROP INDEX store_purchases_lookup_due_idx;
CREATE INDEX store_purchases_lookup_due_idx ON store_purchases (store, lookup_due_at) WHERE lookup_due_at IS NOT NULL;

-- the App Store purchases already kept: due as StoreLookups.dueAt says of the subscription each bills now (as V418 did
-- for Google Play's)
UPDATE store_purchases p
SET lookup_for = d.due, lookup_due_at = d.due, lookups = 0
FROM (SELECT s.id,
             CASE WHEN s.status = 'PAST_DUE'
                      THEN coalesce(s.store_grace_until, s.current_period_end + interval '5 days') + interval '1 hour'
                  ELSE s.current_period_end + interval '1 hour' END AS due
      FROM subscriptions s
      WHERE s.status = 'PAST_DUE'
         OR (s.status IN ('ACTIVE', 'TRIALING') AND s.auto_renew AND s.cancel_at IS NULL)) d
WHERE d.id = p.subscription_id
  AND p.store = 'APP_STORE';
