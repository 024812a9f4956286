-- flyway:executeInTransaction=false
-- At most one case not resolved per reference (V770), whatever two transactions do at once. Built CONCURRENTLY (so
-- Flyway runs this script outside a transaction, and it must stay the only statement here): cases open meanwhile.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS support_cases_open_reference
    ON support_cases (reference) WHERE reference IS NOT NULL AND status <> 'RESOLVED';
