-- A missed store notice must not leave a paying device refused: once a store-billed subscription's coverage has run
-- out with no word from the store (an auto-renewing one an hour past its period, a PAST_DUE one past the store's
-- grace), the store's server API is asked for the purchase's state (StoreLookups), at most once per interval, backing
-- off. lookup_for: the instant the store was due to report by, as of the last notice or answer applied (a new one
-- restarts the back-off); lookup_due_at: when the store is asked next (NULL: never: the subscription ended, or is not
-- awaiting a renewal); lookups: how many times it was asked since lookup_for; last_lookup_at: the last time.
ALTER TABLE store_purchases
    ADD COLUMN lookup_for     timestamptz,
    ADD COLUMN lookup_due_at  timestamptz,
    ADD COLUMN lookups        integer NOT NULL DEFAULT 0,
    ADD COLUMN last_lookup_at timestamptz;
CREATE INDEX store_purchases_lookup_due_idx ON store_purchases (lookup_due_at) WHERE lookup_due_at IS NOT NULL;

-- the purchases already kept: due as StoreLookups.dueAt says of the subscription each bills now (Google Play only: the
-- App Store is not asked, and its purchases are never due)
UPDATE store_purchases p
SET lookup_for = d.due, lookup_due_at = d.due
FROM (SELECT s.id,
             CASE WHEN s.status = 'PAST_DUE'
                      THEN coalesce(s.store_grace_until, s.current_period_end + interval '5 days') + interval '1 hour'
                  ELSE s.current_period_end + interval '1 hour' END AS due
      FROM subscriptions s
      WHERE s.status = 'PAST_DUE'
         OR (s.status IN ('ACTIVE', 'TRIALING') AND s.auto_renew AND s.cancel_at IS NULL)) d
WHERE d.id = p.subscription_id
  AND p.store = 'GOOGLE_PLAY';
