-- A purchase the store says it does not know (Google Play answers 404 or 410 for its purchase token) is asked about
-- no more once it said so UnknownPurchases.ANSWERS times in a row over at least UnknownPurchases.SPAN (StoreLookups,
-- UnknownPurchases): unknown_answers, unknown_since: how many answers in a row said so, and the first one's time (0 and
-- NULL once the store reports the purchase again); lookup_stopped_at, lookup_stopped_reason: when and why the lookups
-- stopped (lookup_due_at NULL), until a report of the purchase from the store starts them again.
ALTER TABLE store_purchases
    ADD COLUMN unknown_answers       integer NOT NULL DEFAULT 0,
    ADD COLUMN unknown_since         timestamptz,
    ADD COLUMN lookup_stopped_at     timestamptz,
    ADD COLUMN lookup_stopped_reason text;
