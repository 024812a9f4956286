-- When a delivery's first attempt was made (module webhooks, Dispatcher): its retry schedule's 3 days count from
-- then, not from when the delivery was made, so an event that waited behind an earlier one of its subject still gets
-- its retries. Set by the claim of its first attempt; NULL for a delivery not attempted yet, and for one attempted
-- before this migration, whose schedule goes on counting from its created_at as it did (no backfill). Not indexed:
-- a claim that sets it stays a HOT update. Nullable without a default: no table rewrite.
SET LOCAL lock_timeout = '10s';
ALTER TABLE webhook_delivery ADD COLUMN first_attempt_at timestamptz;
