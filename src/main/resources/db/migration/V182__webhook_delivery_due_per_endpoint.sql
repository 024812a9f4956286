-- The dispatcher's claim looks for due deliveries endpoint by endpoint (so one endpoint's backlog cannot hide
-- another's work): the pending deliveries of an endpoint in the order they are due.
CREATE INDEX webhook_delivery_due_per_endpoint ON webhook_delivery (endpoint_id, next_attempt_at, event_position)
    WHERE status = 'PENDING';
DROP INDEX webhook_delivery_due;
