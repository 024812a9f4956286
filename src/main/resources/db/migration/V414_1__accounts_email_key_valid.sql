-- V414 builds accounts_email_key_uq CONCURRENTLY: a build that fails (an address taken twice meanwhile by a node of
-- the previous version, a cancel, a timeout) leaves the index INVALID, enforcing nothing, and V414's IF NOT EXISTS
-- then takes it as built on a retry. Before V415 drops the old index, this stops the upgrade unless the new one is
-- valid, so accounts are never left without a unique index on their address.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'accounts_email_key_uq' AND i.indisvalid) THEN
        RAISE EXCEPTION 'the index accounts_email_key_uq is missing or invalid (a failed concurrent build)'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS accounts_email_key_uq; resolve what V413 names, if anything; '
                || 'then flyway repair and start again';
    END IF;
END $$;
