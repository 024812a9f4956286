-- When the account held each of its previous addresses: from held_from (the account's opening or the change that gave
-- it the address) to held_until (the change that gave it up), both included (instants are whole seconds; the second of
-- a change counts as the leaving account's). A given-up address is free for anyone else, so the closure erases only
-- what was typed with it while the closing account held it (AccountErasing), not what its next holder typed. Rows
-- from before this have only the change's time: held from the account's opening, as the broadest it can have been.
-- The same address held twice (changed away, back, and away again) is a row per time.
ALTER TABLE account_previous_emails ADD COLUMN held_from timestamptz, ADD COLUMN held_until timestamptz;
UPDATE account_previous_emails p SET held_from = least(a.created_at, p.changed_at), held_until = p.changed_at
FROM accounts a WHERE a.id = p.account_id;
ALTER TABLE account_previous_emails
    ALTER COLUMN held_from SET NOT NULL,
    ALTER COLUMN held_until SET NOT NULL,
    DROP CONSTRAINT account_previous_emails_pkey,
    DROP COLUMN changed_at,
    ADD PRIMARY KEY (account_id, email_sha256, held_from),
    ADD CONSTRAINT account_previous_emails_held_check CHECK (held_from <= held_until);
