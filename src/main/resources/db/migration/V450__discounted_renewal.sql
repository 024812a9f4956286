-- R-CA-6: a promotional price for a period longer than 31 days ends with a notice 3 to 21 days before the full price
-- is charged. Subdesk's one promotional price is a retention DISCOUNT accepted for the next renewal
-- (cancellation.RetentionOffers): discounted_renewal_at is the renewal (a period end) it is charged at, so that the
-- period starting there is known as discounted, and the renewal ending it, back to the full price, is announced (the
-- rule table's UPCOMING_CHARGE for a promotion's end, once per renewal: billing_noticed_for).
ALTER TABLE subscriptions ADD COLUMN discounted_renewal_at timestamptz;

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
