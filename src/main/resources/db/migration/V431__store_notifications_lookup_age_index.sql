-- The lookups' answers recorded among the store's notifications, oldest first: StoreNotificationRetention deletes
-- those older than subdesk.stores.lookup-retention along this index. Built CONCURRENTLY (so Flyway runs this script
-- outside a transaction, and it must stay the only statement here): notices and lookups insert into the table
-- meanwhile. V433 checks that the build did not fail.
CREATE INDEX CONCURRENTLY IF NOT EXISTS store_notifications_lookup_age_idx
    ON store_notifications (received_at) WHERE type = 'LOOKUP';
