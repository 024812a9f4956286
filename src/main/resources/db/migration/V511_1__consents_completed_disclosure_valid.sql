-- V511 builds consents_completed_disclosure CONCURRENTLY: a build that fails leaves it INVALID, and V511's IF NOT
-- EXISTS would take it as built on a retry; V514_2 then drops the only other guard of one sale per disclosure. This
-- stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'consents_completed_disclosure' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index consents_completed_disclosure is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS consents_completed_disclosure; then flyway repair and start again';
    END IF;
END $$;
