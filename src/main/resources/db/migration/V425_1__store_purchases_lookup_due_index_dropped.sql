-- Replaced by store_purchases_lookup_store_due_idx (V424, found valid by V425), which leads with the store.
DROP INDEX CONCURRENTLY IF EXISTS store_purchases_lookup_due_idx;
