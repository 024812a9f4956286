-- GET /events?type= walked the whole log backwards along the primary key for a type that is rare in it (V142 dropped
-- the (type, position) index so that renewals pay no entry for their two events). Index every other type: a list of
-- one of them reads only its own rows, and the renewal run's events still pay nothing (EventLog.page repeats this
-- condition so that the index is used).
CREATE INDEX domain_event_rare_type ON domain_event (type, position)
    WHERE type NOT IN ('subscription.renewed', 'charge.succeeded');
