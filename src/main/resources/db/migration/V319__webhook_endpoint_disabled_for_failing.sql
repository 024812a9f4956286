-- Whether an endpoint is DISABLED because every delivery to it failed for 3 days (the dispatcher disabled it), as
-- opposed to DISABLED by its owner. A failed attempt that was in flight when the endpoint was disabled gives up on
-- the endpoint's PENDING deliveries only in the first case; an owner-disabled endpoint's PENDING deliveries wait as
-- they are until it is enabled again, which clears this flag with the failing streak. Endpoints DISABLED before
-- this migration are taken as disabled by their owner: the flag matters only to attempts in flight at the time.
-- A constant default: no table rewrite; webhook_endpoint is small (one row per endpoint).
ALTER TABLE webhook_endpoint ADD COLUMN disabled_for_failing boolean NOT NULL DEFAULT false;
