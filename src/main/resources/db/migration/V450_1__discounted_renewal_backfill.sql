-- R-CA-6 (V450): the discounts accepted before this release. Its own migration, so that V450's lock on the table is
-- held only for adding the column; these updates lock only the few rows they mark.
-- Discounts accepted before this release, driven by the accepted offers (few): one still to be charged (accepted
-- in the current period) ...
UPDATE subscriptions s SET discounted_renewal_at = s.current_period_end
FROM offers o
WHERE o.subscription_id = s.id AND o.kind = 'DISCOUNT' AND o.status = 'ACCEPTED'
  AND o.period_start = s.current_period_start;

-- ... and one charged at the renewal that began the current period: that period's charge is the discounted price,
-- and the offer was made in the period just before it.
UPDATE subscriptions s SET discounted_renewal_at = s.current_period_start
FROM offers o
JOIN charges c ON c.subscription_id = o.subscription_id AND c.status <> 'FAILED' AND c.amount = o.discounted_price
WHERE o.kind = 'DISCOUNT' AND o.status = 'ACCEPTED' AND s.id = o.subscription_id
  AND s.discounted_renewal_at IS NULL AND c.period_start = s.current_period_start
  AND EXISTS (SELECT 1 FROM charges p
              WHERE p.subscription_id = o.subscription_id AND p.period_start = o.period_start
                AND p.period_end = s.current_period_start AND p.status <> 'FAILED');
