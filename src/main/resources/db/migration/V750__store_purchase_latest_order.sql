-- The latest order Google Play reported for a purchase token (subscriptionsv2's lineItems[].latestSuccessfulOrderId,
-- else latestOrderId): the order of the period the subscription the purchase bills runs now. A voided order that is not
-- it (an earlier period's, or the last order of a subscription the purchase billed before it moved to a new one) must
-- not end the subscription billed now (StoreSync.voided). A subscription the purchase left keeps its own last order.
-- Both nullable, no default: adding them rewrites nothing; rows from before stay NULL until Google reports again.
SET LOCAL lock_timeout = '10s';
ALTER TABLE store_purchases ADD COLUMN latest_order_id text;
ALTER TABLE store_past_subscriptions ADD COLUMN latest_order_id text;
