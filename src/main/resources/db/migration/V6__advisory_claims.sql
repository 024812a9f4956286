-- Renewal claims are held by advisory locks of the claiming connection, released at once if a node dies;
-- the lease column is no longer needed.
ALTER TABLE subscriptions DROP COLUMN lease_until;
