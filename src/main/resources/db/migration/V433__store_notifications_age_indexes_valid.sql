-- V431's and V432's indexes must be valid: a failed concurrent build leaves an INVALID index, which their IF NOT
-- EXISTS would take as built on a retry, and the retention would then scan the whole table every hour.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(ARRAY['store_notifications_lookup_age_idx', 'store_notifications_notice_age_idx']) AS n(name)
               WHERE NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                                 WHERE c.relname = n.name AND i.indisvalid)) THEN
        RAISE EXCEPTION 'an index of store_notifications (V431, V432) is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS store_notifications_lookup_age_idx, then likewise store_notifications_notice_age_idx; then flyway repair and start again';
    END IF;
END $$;
