-- Checks V441's constraint against the existing rows (V403 and V440 filled them in) under a SHARE UPDATE EXCLUSIVE
-- lock, which lets renewals, cancellations and purchases go on while it reads the table.
ALTER TABLE subscriptions VALIDATE CONSTRAINT subscriptions_ended_at_check;
