-- A renewal attempt's gateway key that can no longer be sent (its money went back, REVERSED; or it is settled as having
-- taken nothing on a card or amount the subscription no longer has) is followed by a key of its own: <key>_r1, _r2, ...
-- follow_ups counts them on the attempt's first key, so the key in use is derived from what is recorded and a follow-up
-- whose answer is lost is repeated under the same key at the next run (shared/API.md). A constant default: adding the
-- column rewrites nothing.
ALTER TABLE purchase_attempts ADD COLUMN follow_ups integer NOT NULL DEFAULT 0;
