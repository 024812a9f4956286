-- When each contract that has already ended ended (R-US-2 keeps a consent record's evidence until a year after its
-- contract ends: checkout.ConsentEvidenceRetention). subscriptions.ended_at (V1) was never written before V403: from
-- now on Subscriptions.end writes it with the instant the end took effect. For the subscriptions that ended before,
-- the best instant there is, in this order:
-- - CANCELLED: cancelled_at, which every end by a cancellation, a scheduled end, a closure or a store's end has
--   always set to the instant it took effect (cancel_at, then the period end, should it be missing);
-- - EXPIRED: the time of its subscription.expired event while the event log still holds it (30 days); else, billed
--   here, its last declined retry, which is what expires it: the end of the period it was not paid for plus the last
--   retry's 5 days (RenewalQueue.RETRY_DAYS), or its base's when the base expired too (add-ons expire with it); billed
--   by a store, the end of the last period the store reported (an expiry or a hold comes at or after it, a
--   revocation before it: the later instant keeps the evidence longer, never shorter), never later than now.
-- subscriptions has no updated_at column and its status changes are not kept elsewhere. (No constraint requires
-- ended_at yet: nodes of the previous version end subscriptions without it while a new one migrates; DESIGN-NOTES.md.)
UPDATE subscriptions s
SET ended_at = CASE
    WHEN s.status = 'CANCELLED' THEN COALESCE(s.cancelled_at, s.cancel_at, s.current_period_end)
    ELSE COALESCE(
        (SELECT min(e.created_at) FROM domain_event e
         WHERE e.subject_id = s.id AND e.type = 'subscription.expired'),
        LEAST(now(), CASE
            WHEN s.channel = 'DIRECT' THEN GREATEST(s.current_period_end,
                (SELECT p.current_period_end FROM subscriptions p
                 WHERE p.id = s.parent_id AND p.status = 'EXPIRED')) + interval '5 days'
            ELSE s.current_period_end
        END))
    END
WHERE s.status IN ('CANCELLED', 'EXPIRED') AND s.ended_at IS NULL;
