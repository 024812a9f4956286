-- The notices of no account whose address is not erased yet, by age: their retention (Notices.eraseUnaddressed)
-- reads only these. Built CONCURRENTLY (so Flyway runs this script outside a transaction) because notices is the
-- largest table and a plain build would hold back every notice insert, renewals' included, while it reads it all.
CREATE INDEX CONCURRENTLY IF NOT EXISTS notices_of_no_account_idx ON notices (created_at)
    WHERE account_id IS NULL AND recipient <> 'erased@invalid';
