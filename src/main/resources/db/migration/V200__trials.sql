-- Free trials (issue 12). A plan may give trial days; a subscription bought on it is TRIALING, charged nothing,
-- for the trial period (period index -1, anchored at the trial's end, so the paid periods count from the first
-- charge). The renewal engine converts it at the trial's end with the plan's price.
ALTER TABLE plans ADD COLUMN trial_days int NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 366);

ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELLED', 'EXPIRED'));

-- The live statuses the renewal engine and the scheduled ends look at now include TRIALING.
DROP INDEX subscriptions_attempt_due_idx;
CREATE INDEX subscriptions_attempt_due_idx ON subscriptions (next_attempt_at)
    WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew;
DROP INDEX subscriptions_cancel_due_idx;
CREATE INDEX subscriptions_cancel_due_idx ON subscriptions (cancel_at)
    WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND cancel_at IS NOT NULL;
