-- charges_imported_idx (V5) served the invariant-1 sweep's watermark, which V335 replaced: no statement goes along it,
-- and every imported charge still wrote to it. CONCURRENTLY (so Flyway runs this script outside a transaction, alone):
-- charges is large and every renewal appends to it.
DROP INDEX CONCURRENTLY IF EXISTS charges_imported_idx;
