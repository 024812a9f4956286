-- V514 builds disclosures_unclaimed CONCURRENTLY: a failed build leaves it INVALID, and the hourly deletion of
-- unaccepted disclosures would read the whole table. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'disclosures_unclaimed' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index disclosures_unclaimed is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS disclosures_unclaimed; then flyway repair and start again';
    END IF;
END $$;
