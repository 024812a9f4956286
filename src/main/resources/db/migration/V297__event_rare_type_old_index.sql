-- The rare types' index in position order, which no list reads any more (V296 replaces it).
DROP INDEX CONCURRENTLY IF EXISTS domain_event_rare_type;
