-- Each queued notice and each re-delivery is tried on its own: a failure holds back no other message.
-- next_attempt_at: due when at or before the clock; set ahead while a node is sending it (its lease) and after a
-- transient failure (exponential backoff). '-infinity' = due at once, so inserts need not name it.
-- attempts doubles as the claim's token: an outcome is recorded only by the attempt that still holds the row.
ALTER TABLE notice_outbox
    ADD COLUMN attempts         int         NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at  timestamptz NOT NULL DEFAULT '-infinity',
    ADD COLUMN first_attempt_at timestamptz,
    ADD COLUMN last_error       text;
CREATE INDEX notice_outbox_due_idx ON notice_outbox (next_attempt_at, seq);
DROP INDEX notice_outbox_seq_idx;

-- Why a notice could not be delivered (refused for good, or still failing after the retries): set with the notice's
-- removal from the outbox, so sent_at, the outbox and this column together give its delivery status.
ALTER TABLE notices ADD COLUMN delivery_error text;

ALTER TABLE notice_redeliveries
    ADD COLUMN attempts         int         NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at  timestamptz NOT NULL DEFAULT '-infinity',
    ADD COLUMN first_attempt_at timestamptz,
    ADD COLUMN last_error       text,
    ADD COLUMN failed_at        timestamptz;
DROP INDEX notice_redeliveries_unsent_idx;
CREATE INDEX notice_redeliveries_due_idx ON notice_redeliveries (next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
