-- The candidates there are now, queued once: the subscriptions of the imported charges with something left to refund
-- (read along charges_imported_refundable_idx, V335; no row of charges is written). In a transaction of its own, after
-- V347's: creating the triggers took their tables' SHARE ROW EXCLUSIVE lock, so it waited for the transactions writing
-- them and committed before this reads; every change committed since is queued by a trigger, every one before is found
-- here. A subscription found here and queued by a trigger as well is checked twice, which changes nothing. This read
-- takes no lock that holds a write off (V347's backfill did, in the triggers' transaction: every charge, purchase,
-- refund and cancellation waited for it).
INSERT INTO charges_to_check (subscription_id)
SELECT DISTINCT subscription_id FROM charges
WHERE origin = 'IMPORT' AND status <> 'FAILED' AND refunded_amount < amount;
