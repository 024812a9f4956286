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
