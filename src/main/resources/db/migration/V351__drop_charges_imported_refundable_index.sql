-- charges_imported_refundable_idx (V335) served the invariant-1 sweep's read of every imported charge with something
-- left to refund, which the change-driven queue (V347) replaced; V350's backfill was its last reader, and every imported
-- charge still wrote to it. CONCURRENTLY (so Flyway runs this script outside a transaction, alone).
DROP INDEX CONCURRENTLY IF EXISTS charges_imported_refundable_idx;
