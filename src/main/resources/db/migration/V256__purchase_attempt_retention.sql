-- Settled purchase attempts (COMPLETED: the charge row is the record; DECLINED and VOID: nothing was taken) are
-- deleted subdesk.billing.attempt-retention after they settled (billing.PurchaseAttemptRetention). A BRIN index: the
-- purge's range look-up costs the renewal path almost nothing, and rows settle in about the order they are written.
CREATE INDEX purchase_attempts_settled_brin ON purchase_attempts USING brin (settled_at);
