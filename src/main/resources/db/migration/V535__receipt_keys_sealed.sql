-- The receipt signing keys' private halves sealed at rest (module cancellation), as the entitlement signing keys'
-- are (V100): sealed_private_key is AES-256-GCM (12-byte nonce, then the ciphertext with its 16-byte tag) of the
-- 32-byte Ed25519 seed under the key-encryption key of the environment (SUBDESK_ENTITLEMENT_KEK), with the key id as
-- associated data; kek_id tells which key-encryption key sealed it. The key-encryption key is not in the database, so
-- this migration cannot seal the keys already here: the plain column stays, nullable, and the server seals every
-- plain key when it starts (cancellation.SealedReceiptKeys) and empties it; until then a plain key still signs.
-- The public keys do not change: every receipt ever issued still verifies.
SET LOCAL lock_timeout = '10s';
ALTER TABLE receipt_keys
    ALTER COLUMN private_key DROP NOT NULL,
    ADD COLUMN sealed_private_key bytea CHECK (length(sealed_private_key) = 12 + 32 + 16),
    ADD COLUMN kek_id             text,
    ADD CONSTRAINT receipt_keys_has_a_private_key CHECK (sealed_private_key IS NOT NULL OR private_key IS NOT NULL),
    ADD CONSTRAINT receipt_keys_sealed_by CHECK (sealed_private_key IS NULL OR kek_id IS NOT NULL);
