-- V547 builds purchase_attempts_due CONCURRENTLY: a failed build leaves it INVALID, and every run of the sweep would
-- read every open purchase attempt. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'purchase_attempts_due' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index purchase_attempts_due is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS purchase_attempts_due; then flyway repair and start again';
    END IF;
END $$;
