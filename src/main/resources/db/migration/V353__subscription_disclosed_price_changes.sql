-- The plan's price change that a purchase's first renewal was told it charges (the checkout's disclosure, and the
-- order confirmation, state it: FirstRenewalPriceChanges), recorded in the purchase's transaction: the API's price of
-- a subscription in its first term counts that change, and only it, before its PRICE_CHANGE notice is due. Before,
-- any change created at or before the subscription counted, one scheduled in the purchase's very second included,
-- though no disclosure had stated it.
CREATE TABLE subscription_disclosed_price_changes (
    subscription_id  text        PRIMARY KEY REFERENCES subscriptions (id),
    price_change_id  text        NOT NULL REFERENCES plan_price_changes (id),
    renewal_at       timestamptz NOT NULL
);

-- The subscriptions in their first term now, as the rule before this one counted them: the plan's latest change
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
  AND c.created_at <= s.created_at AND c.effective_from > s.created_at;
