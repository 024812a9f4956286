-- As V414_1 for V416's notices_typed_recipient_key_idx: before V417 drops the old index, the new one must be valid
-- (a failed concurrent build leaves it INVALID, and V416's IF NOT EXISTS would take it as built on a retry).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'notices_typed_recipient_key_idx' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index notices_typed_recipient_key_idx is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS notices_typed_recipient_key_idx; then flyway repair and start again';
    END IF;
END $$;
