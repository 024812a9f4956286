-- Replaced by notices_typed_recipient_key_idx (V416).
DROP INDEX CONCURRENTLY IF EXISTS notices_typed_recipient_idx;
