-- The confirmation of a public cancellation or withdrawal that named no contract (R-DE-5) belongs to no account: it
-- goes to the address typed for it and is in no account's list. Dropping NOT NULL changes only the catalog.
ALTER TABLE notices ALTER COLUMN account_id DROP NOT NULL;
