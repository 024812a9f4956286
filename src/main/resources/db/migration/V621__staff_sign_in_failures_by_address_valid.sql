-- V620 builds staff_sign_in_failures_by_address CONCURRENTLY: a failed build leaves it INVALID, and every console
-- sign-in would read the whole table. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'staff_sign_in_failures_by_address' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index staff_sign_in_failures_by_address is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS staff_sign_in_failures_by_address; then flyway repair and start again';
    END IF;
END $$;
