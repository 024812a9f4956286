-- Demo mode has used this database. This repeatable migration changes nothing: its row in Flyway's history is the
-- sign. A production start of a release before the production mark (V448, dev.subdesk.ProductionMark) writes no mark,
-- so a demo node on the same database would not stop, and a demo start would not be refused. Such a release does not
-- find this migration in its schema location and Flyway refuses to start it ("Detected applied migration not resolved
-- locally: demo mode used this database"). This release's production mode accepts it (OperatingMode: repeatable:missing)
-- and marks the database. Never change this file: a changed checksum runs it again, which is harmless but noisy.
SELECT 1;
