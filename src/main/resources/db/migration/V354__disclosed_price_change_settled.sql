-- A disclosed change (V353) is settled once the least lead before the first renewal it was stated for has come
-- (settled_at: the notice job's run that saw it): its PRICE_CHANGE notice went out in time, or it could no longer reach
-- that renewal (the notice job did not run between the purchase and then), the API's price went back to the
-- subscription's own, and that run recorded the subscription.updated that says so.
ALTER TABLE subscription_disclosed_price_changes ADD COLUMN settled_at timestamptz;

CREATE INDEX subscription_disclosed_price_changes_open_idx ON subscription_disclosed_price_changes (renewal_at)
    WHERE settled_at IS NULL;
