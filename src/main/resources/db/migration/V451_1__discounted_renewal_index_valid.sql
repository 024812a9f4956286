-- V451 builds subscriptions_discounted_period_idx CONCURRENTLY: a build that fails leaves it INVALID, and V451's IF
-- NOT EXISTS would take it as built on a retry; the claim of notices of a promotion's end, run with every run of the
-- jobs, would then read every subscription renewing within the notice's days. This stops the upgrade unless it is valid.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'subscriptions_discounted_period_idx' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index subscriptions_discounted_period_idx is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS subscriptions_discounted_period_idx; then flyway repair and start again';
    END IF;
END $$;
