-- R-CA-6 (V450): discounted_renewal_at = current_period_start is to say that the renewal which began the current
-- period charged a discount the customer had accepted for it, so that the period is a promotion whose end is announced
-- (RenewalQueue.claimPromotionEndingNotices). Until this release the mark was set when the discount was accepted and
-- kept by the renewal whatever it charged: a plan's new price below the discount, applying at that renewal, is charged
-- instead (SubscriptionPriceChanges.atRenewal), and a year on the customer was told that a "discounted price" ends at
-- the price already paid. Since this release the renewal keeps the mark only when it charged the discount
-- (RenewalQueue's RENEW). The periods marked so far whose renewal did not charge the discount lose the mark: a price
-- change applied at that renewal, or no charge of the period at an accepted discount's price. Driven by the accepted
-- discounts (few, as V450_1); a mark of a discount accepted for a renewal still to come (= current_period_end) is left:
-- that renewal decides it.
UPDATE subscriptions s SET discounted_renewal_at = NULL
WHERE s.id IN (SELECT o.subscription_id FROM offers o WHERE o.kind = 'DISCOUNT' AND o.status = 'ACCEPTED')
  AND s.discounted_renewal_at = s.current_period_start
  AND (EXISTS (SELECT 1 FROM subscription_price_changes p
               WHERE p.subscription_id = s.id AND p.status = 'APPLIED' AND p.resolved_at >= s.current_period_start)
       OR NOT EXISTS (SELECT 1 FROM charges c
                      JOIN offers o ON o.subscription_id = c.subscription_id AND o.kind = 'DISCOUNT'
                        AND o.status = 'ACCEPTED' AND c.amount = o.discounted_price
                      WHERE c.subscription_id = s.id AND c.period_start = s.current_period_start
                        AND c.status <> 'FAILED'));
