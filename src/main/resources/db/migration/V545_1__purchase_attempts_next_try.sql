-- The columns of V545 on purchase_attempts, in a transaction of its own: waiting for this table's lock, the upgrade
-- holds no other table's (every purchase and renewal writes it). No table rewrite, a lock of a moment.
SET LOCAL lock_timeout = '10s';
ALTER TABLE purchase_attempts
    ADD COLUMN next_try_at  timestamptz,
    ADD COLUMN failed_tries integer NOT NULL DEFAULT 0,
    ADD COLUMN last_try     text;
