-- R-CARD-3 (Mastercard): a notice 3 to 7 days before billing a plan billed less often than every 6 months (P1Y),
-- sent only while subdesk.compliance.pre-billing-notice is on. One per subscription and renewal: the period end it
-- was sent for, as reminded_for does for the RENEWAL_REMINDER.
ALTER TABLE subscriptions ADD COLUMN billing_noticed_for timestamptz;
