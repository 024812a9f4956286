-- V810 builds subscriptions_trial_ending_idx CONCURRENTLY: a build that fails leaves it INVALID, and V810's IF NOT
-- EXISTS would take it as built on a retry. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'subscriptions_trial_ending_idx' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index subscriptions_trial_ending_idx is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS subscriptions_trial_ending_idx; then flyway repair and start again';
    END IF;
END $$;
