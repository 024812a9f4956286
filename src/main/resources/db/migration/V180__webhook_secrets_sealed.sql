-- Webhook signing secrets sealed at rest (module webhooks): AES-256-GCM under SUBDESK_ENTITLEMENT_KEK, the endpoint
-- id as associated data, the key's fingerprint beside them. The key is not in the database, so this migration cannot
-- seal what is there: the plain columns stay, nullable, and the server seals every plain secret when it starts
-- (webhooks.SealedSecrets) and then empties them; until then a plain secret is still read.
ALTER TABLE webhook_endpoint
    ALTER COLUMN secret DROP NOT NULL,
    ADD COLUMN sealed_secret          bytea,
    ADD COLUMN sealed_previous_secret bytea,
    ADD COLUMN secret_kek_id          text,
    ADD CONSTRAINT webhook_endpoint_has_a_secret CHECK (sealed_secret IS NOT NULL OR secret IS NOT NULL),
    ADD CONSTRAINT webhook_endpoint_sealed_by CHECK (sealed_secret IS NULL OR secret_kek_id IS NOT NULL);
