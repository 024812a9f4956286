-- The invariant-1 sweep (ScheduledEnds#sweepChargesAfterCancellation) reads state, not a watermark: the imported
-- charges with something left to refund whose period starts at or after a SCHEDULED or EFFECTIVE cancellation's
-- entry for their subscription, oldest first. This index holds only the imported charges with something left to
-- refund (a refund of what is left takes a charge out of it), so the sweep reads as many entries as there are such
-- charges, each checked against cancellation_items_subscription_idx, whatever the number of subscriptions, purchases
-- and renewals (1M subscriptions, 3M purchase and renewal charges, 1,000 such imports: one scan of this index and
-- 1,000 probes, some 3,400 buffer hits; none at all without imports). CONCURRENTLY (so Flyway runs this script
-- outside a transaction): charges is large and every renewal appends to it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS charges_imported_refundable_idx ON charges (seq)
    WHERE origin = 'IMPORT' AND status <> 'FAILED' AND refunded_amount < amount;
