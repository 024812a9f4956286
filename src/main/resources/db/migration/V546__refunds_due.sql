-- flyway:executeInTransaction=false
-- The PENDING refunds by when the sweep is to try them next (V545): next_try_at, or created_at for one it never
-- tried. CONCURRENTLY, alone in its script: every refund writes refunds. V546_1 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS refunds_due ON refunds ((coalesce(next_try_at, created_at)))
    WHERE status = 'PENDING';
