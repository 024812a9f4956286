-- As V431 for the store's own notifications (every type but LOOKUP), which StoreNotificationRetention deletes once
-- older than subdesk.stores.notification-retention. CONCURRENTLY, alone in its script.
CREATE INDEX CONCURRENTLY IF NOT EXISTS store_notifications_notice_age_idx
    ON store_notifications (received_at) WHERE type <> 'LOOKUP';
