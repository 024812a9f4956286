-- V771 builds support_cases_open_reference CONCURRENTLY: a build that fails leaves it INVALID, and V771's IF NOT EXISTS
-- would take it as built on a retry. This stops the upgrade unless it is valid, so that it enforces what it must.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'support_cases_open_reference' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index support_cases_open_reference is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS support_cases_open_reference; then flyway repair and start again';
    END IF;
END $$;
