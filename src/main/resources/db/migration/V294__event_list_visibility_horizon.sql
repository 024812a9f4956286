-- GET /events read from the top missed events whose transaction committed after that of an event inserted later
-- (position is taken at insert, not at commit): a client that stops at the newest event it already saw never saw
-- them. Each event now carries the id of the transaction that wrote it, set by the column's default (no statement
-- more on the insert path: the single append and the bulk COPY both leave it to the default). The list shows only
-- the events of transactions older than every transaction still in flight (the snapshot's xmin) and orders them by
-- that id, then position: an event that becomes visible later always comes in above what a client already saw.
-- The events recorded before this version carry 0 (a constant default: no table rewrite, a lock of a moment):
-- visible, below the rest. The indexes are built CONCURRENTLY by V295-V297, each alone in its script, so that
-- no insert waits for a build of an index over the whole table.
ALTER TABLE domain_event ADD COLUMN xact_id xid8 NOT NULL DEFAULT '0';
ALTER TABLE domain_event ALTER COLUMN xact_id SET DEFAULT pg_current_xact_id();
