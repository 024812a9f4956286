-- The App Store purchases already kept, which V418 left unscheduled (the App Store was not asked then): due as
-- StoreLookups.dueAt says of the subscription each bills now, as V418 did for Google Play's. Scheduled whether the
-- App Store Server API's key is configured or not (see V424).
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
