-- App Store purchases whose notice did not come are looked up too (App Store Server API, Get All Subscription
-- Statuses: AppStoreLookups), when its key is configured (subdesk.stores.apple.api.private-key). Every store's purchases
-- are scheduled alike whether its API is configured or not (StoreLookups.dueAt), so that a deployment configuring the
-- key later asks at once about those due by then; a store not asked is left out of the due purchases a run takes
-- (store IN the stores asked). This due index leads with the store, so that the rows of a store not asked, which stay
-- due, are never read by a run; it replaces V418's (V425_1 drops that one once V425 found this one valid).
-- Built CONCURRENTLY (so Flyway runs this script outside a transaction, and it must stay the only statement here):
-- store notices go on meanwhile.
CREATE INDEX CONCURRENTLY IF NOT EXISTS store_purchases_lookup_store_due_idx
    ON store_purchases (store, lookup_due_at) WHERE lookup_due_at IS NOT NULL;
