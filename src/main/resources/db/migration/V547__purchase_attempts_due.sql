-- flyway:executeInTransaction=false
-- The open purchase attempts (PENDING, REVERSING) by when the sweep is to try them next (V545): next_try_at, or
-- created_at for one it never tried. CONCURRENTLY, alone in its script: every purchase and renewal writes
-- purchase_attempts. V547_1 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS purchase_attempts_due ON purchase_attempts ((coalesce(next_try_at, created_at)))
    WHERE status IN ('PENDING', 'REVERSING');
