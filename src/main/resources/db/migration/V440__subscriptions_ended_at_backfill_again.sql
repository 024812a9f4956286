-- V403's backfill once more, for the subscriptions that nodes of the release before V403 ended without ended_at while
-- the release that brought V403 was being deployed (they served beside it until it was done). Since that release
-- every end writes ended_at (Subscriptions.end), so after this one none is missing and V441 can require it. Same rule
-- as V403 (see its comment): CANCELLED, when it took effect; EXPIRED, its subscription.expired event while kept, else
-- its last declined retry (billed here) or its last period's end (billed by a store), never later than now.
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
