-- V424 builds store_purchases_lookup_store_due_idx CONCURRENTLY: a build that fails leaves it INVALID, and V424's IF
-- NOT EXISTS would take it as built on a retry. Before V425_1 drops the index it replaces, this stops the upgrade
-- unless the new one is valid, so the lookups never scan the whole table.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'store_purchases_lookup_store_due_idx' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index store_purchases_lookup_store_due_idx is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS store_purchases_lookup_store_due_idx; then flyway repair and start again';
    END IF;
END $$;
