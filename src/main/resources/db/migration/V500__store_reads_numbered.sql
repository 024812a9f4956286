-- Google Play's subscriptionsv2.get signs no time: a push (RTDN) and a lookup (StoreLookups) each read the purchase's
-- state, and the application clock reads whole seconds, so two reads of one purchase a moment apart cannot be ordered
-- by time. Each read takes a number from store_reads just before it is sent (StoreSync.numberRead); a read applies only
-- if its number is above last_read, the number of the last read applied to the purchase (NULL: none yet, the report's
-- time orders it as before). A read answered after a later one was applied is then STALE, whichever came first.
SET LOCAL lock_timeout = '10s';
CREATE SEQUENCE store_reads;
ALTER TABLE store_purchases ADD COLUMN last_read bigint;
