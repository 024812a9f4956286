-- The rare types' index in the list's new order (the renewals' types still pay nothing); V297 drops the old one.
CREATE INDEX CONCURRENTLY IF NOT EXISTS domain_event_rare_type_visible ON domain_event (type, xact_id, position)
    WHERE type NOT IN ('subscription.renewed', 'charge.succeeded');
