-- R-CA-6: a promotional price for a period longer than 31 days ends with a notice 3 to 21 days before the full price
-- is charged. Subdesk's one promotional price is a retention DISCOUNT accepted for the next renewal
-- (cancellation.RetentionOffers): discounted_renewal_at is the renewal (a period end) it is charged at, so that the
-- period starting there is known as discounted, and the renewal ending it, back to the full price, is announced (the
-- rule table's UPCOMING_CHARGE for a promotion's end, once per renewal: billing_noticed_for).
-- The ALTER waits for the table's ACCESS EXCLUSIVE lock, and every renewal, cancellation and purchase would queue
-- behind it while a long query holds the table: give up after 10 s instead (the start fails; start again).
SET LOCAL lock_timeout = '10s';
ALTER TABLE subscriptions ADD COLUMN discounted_renewal_at timestamptz;
-- V450_1 marks the discounts accepted before this release, in a transaction of its own (this one takes the table's
-- ACCESS EXCLUSIVE lock only for the catalog change).
