-- The renewal engine's state on each subscription.
--   next_attempt_at   when the next renewal attempt is due: the period end, then the dunning retries
--   extra_attempt_at  one extra attempt, due at once when a PAST_DUE subscription gets a new card
--   dunning_attempts  how many of the three retries have run for the failing period
--   reminded_for      the period end the last RENEWAL_REMINDER was sent for (one per renewal)
--   lease_until       claimed by a node for a gateway call until then (FOR UPDATE SKIP LOCKED + lease)
ALTER TABLE subscriptions
    ADD COLUMN next_attempt_at  timestamptz,
    ADD COLUMN extra_attempt_at timestamptz,
    ADD COLUMN dunning_attempts int NOT NULL DEFAULT 0,
    ADD COLUMN reminded_for     timestamptz,
    ADD COLUMN lease_until      timestamptz;

UPDATE subscriptions SET next_attempt_at = current_period_end WHERE status IN ('ACTIVE', 'PAST_DUE');

CREATE INDEX subscriptions_attempt_due_idx ON subscriptions (next_attempt_at)
    WHERE status IN ('ACTIVE', 'PAST_DUE') AND auto_renew;
CREATE INDEX subscriptions_extra_attempt_idx ON subscriptions (extra_attempt_at)
    WHERE extra_attempt_at IS NOT NULL;
CREATE INDEX subscriptions_reminder_due_idx ON subscriptions (current_period_end)
    WHERE status = 'ACTIVE' AND auto_renew AND channel = 'DIRECT' AND reminded_for IS DISTINCT FROM current_period_end;
DROP INDEX subscriptions_renewal_due_idx;

-- The sweep behind invariant 1 remembers how far it has looked.
CREATE TABLE sweep_watermark (
    name      text PRIMARY KEY,
    last_seq  bigint NOT NULL
);
INSERT INTO sweep_watermark (name, last_seq) VALUES ('charges-after-cancellation', 0);
