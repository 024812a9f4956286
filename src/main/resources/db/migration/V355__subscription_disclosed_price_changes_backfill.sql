-- In a transaction of its own, after V353's: creating that table's foreign keys took SHARE ROW EXCLUSIVE on
-- subscriptions and plan_price_changes, which held every renewal, purchase and cancellation off until its transaction
-- ended; this read holds none off. A purchase recorded since V353 wrote its own row (kept: ON CONFLICT).
-- The subscriptions in their first term now, as the rule before V353 counted them: the plan's latest change
-- effective at or before the first renewal, moving existing subscribers in the subscription's currency, created at or
-- before the purchase and effective after it.
INSERT INTO subscription_disclosed_price_changes (subscription_id, price_change_id, renewal_at)
SELECT s.id, c.id, s.current_period_end
FROM subscriptions s
JOIN LATERAL (SELECT * FROM plan_price_changes l
              WHERE l.plan_code = s.plan_code AND l.effective_from <= s.current_period_end
              ORDER BY l.effective_from DESC LIMIT 1) c ON true
WHERE s.current_period_start <= s.created_at AND s.channel = 'DIRECT'
  AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE')
  AND c.existing_subscribers = 'MOVE' AND c.currency = s.currency
  AND c.created_at <= s.created_at AND c.effective_from > s.created_at
ON CONFLICT (subscription_id) DO NOTHING;
