-- The list of every event, and of the renewals' own types (which have no index of their own, V260), goes along
-- this one: one entry more per event, appended near the right edge (transaction ids only grow). CONCURRENTLY (so
-- Flyway runs this script outside a transaction): domain_event is large and every change appends to it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS domain_event_visible ON domain_event (xact_id, position);
