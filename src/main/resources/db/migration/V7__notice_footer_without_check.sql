-- Footers are written once and never deleted: the per-row foreign-key check on every notice costs more than it
-- protects.
ALTER TABLE notices DROP CONSTRAINT notices_footer_id_fkey;
