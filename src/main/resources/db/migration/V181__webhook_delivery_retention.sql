-- Deliveries log retention (module webhooks): when a delivery was finished (SUCCEEDED, or FAILED for good), so that
-- WebhookDeliveryRetention deletes the ones finished longer ago than subdesk.webhooks.delivery-retention. A manual
-- retry makes a delivery PENDING again and clears it. Rows finished before this migration count from their creation.
ALTER TABLE webhook_delivery ADD COLUMN finished_at timestamptz;
UPDATE webhook_delivery SET finished_at = created_at WHERE status <> 'PENDING';
CREATE INDEX webhook_delivery_finished ON webhook_delivery (finished_at) WHERE finished_at IS NOT NULL;
