-- When a voided purchase or renewal attempt is next looked up at the gateway (Billing.recheckLater): a payment on its
-- way when the sweep found nothing under its key can land later, and is then given back. Each look-up that still
-- finds nothing waits as long again as the attempt has been void (1, 2, 4, 8 minutes...), and none is made after
-- subdesk.billing.void-recheck: about a dozen in all, instead of one every run (every minute, on every node) for a
-- day. NULL: not to be looked up (every other status, and attempts voided before this version). Nullable without a
-- default: no table rewrite, a lock of a moment on a large table.
ALTER TABLE purchase_attempts ADD COLUMN recheck_at timestamptz;
