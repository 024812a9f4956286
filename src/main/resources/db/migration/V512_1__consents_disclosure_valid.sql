-- V512 builds consents_disclosure CONCURRENTLY: a failed build leaves it INVALID, and every deletion of an unaccepted
-- disclosure would read the whole consents table. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'consents_disclosure' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index consents_disclosure is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS consents_disclosure; then flyway repair and start again';
    END IF;
END $$;
