-- V546 builds refunds_due CONCURRENTLY: a failed build leaves it INVALID, and every run of the sweep would read every
-- PENDING refund. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'refunds_due' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index refunds_due is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS refunds_due; then flyway repair and start again';
    END IF;
END $$;
