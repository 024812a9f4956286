-- The supervisors' reports read cancellations, refunds and offers by date range.
CREATE INDEX cancellations_requested_idx ON cancellations (requested_at);
CREATE INDEX refunds_created_idx ON refunds (created_at);
CREATE INDEX offers_created_idx ON offers (created_at);
