-- A store-billed subscription the store could not renew stays PAST_DUE while the store retries; how long it keeps its
-- service is the store's to say, not our own dunning's: the end of the store's grace period (App Store
-- gracePeriodExpiresDate, Google Play's line item expiryTime while in grace), or the end of the period paid for when
-- the store gives no grace (App Store billing retry). NULL: not in the store's retry, or the store named no end.
ALTER TABLE subscriptions ADD COLUMN store_grace_until timestamptz;
