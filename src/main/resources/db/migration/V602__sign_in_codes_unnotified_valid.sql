-- V601 builds portal_sign_in_codes_unnotified CONCURRENTLY: a failed build leaves it INVALID, and every run of the
-- safety net would read a day's codes. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'portal_sign_in_codes_unnotified' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index portal_sign_in_codes_unnotified is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS portal_sign_in_codes_unnotified; then flyway repair and start again';
    END IF;
END $$;
