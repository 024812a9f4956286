-- V513 builds consents_pending CONCURRENTLY: a failed build leaves it INVALID. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'consents_pending' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index consents_pending is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS consents_pending; then flyway repair and start again';
    END IF;
END $$;
