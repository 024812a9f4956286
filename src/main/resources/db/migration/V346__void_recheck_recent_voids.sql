-- The attempts voided within the last day before V344 (a day: subdesk.billing.void-recheck's default) are looked up
-- again too, from the next run on, as those voided since are (Billing.recheckLater). Along the BRIN index on
-- settled_at (V256): the recent pages only. Own script: V344's ALTER is not held meanwhile.
UPDATE purchase_attempts SET recheck_at = now()
WHERE status = 'VOID' AND settled_at > now() - interval '1 day' AND recheck_at IS NULL;
