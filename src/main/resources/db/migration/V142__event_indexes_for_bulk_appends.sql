-- The renewal run appends two events per renewal; every secondary index of domain_event costs each of them an
-- index insert. Lists go along the primary key (position), so the (type, position) index is not needed, and the
-- hourly retention purge only needs the rough order of created_at, which a BRIN index gives for almost nothing
-- (rows are appended in time order).
DROP INDEX domain_event_type;
DROP INDEX domain_event_created;
CREATE INDEX domain_event_created_brin ON domain_event USING brin (created_at);
