-- The sweep of pending money records (billing.Billing#reconcilePending) read them oldest first, a batch a run: records
-- the gateway kept declining, or whose reconciliation kept failing, stayed pending and were read first again every
-- run, so once there were a batch of them the records after them were never reached. A record the sweep leaves open
-- now waits before its next try: next_try_at, 1, 2, 4, 8 minutes and so on after each try that left it open
-- (failed_tries), at most a day; the sweep reads the records due, by when they are due (next_try_at, or created_at for
-- a record it never tried). last_try says why the last try left it open, for the gauges: DECLINED (the gateway
-- declined the refund or reversal: subdesk.reconciliation.declined), FAILED (its reconciliation threw:
-- subdesk.reconciliation.failed) or UNSETTLED (no answer, nothing to pay it back to). New columns nullable or with a
-- constant default: no table rewrite, a lock of a moment.
-- This script changes refunds; V545_1 purchase_attempts, each in its own transaction (one table's lock held at a time).
SET LOCAL lock_timeout = '10s';
ALTER TABLE refunds
    ADD COLUMN next_try_at  timestamptz,
    ADD COLUMN failed_tries integer NOT NULL DEFAULT 0,
    ADD COLUMN last_try     text;
