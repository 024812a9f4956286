-- The Ed25519 keys that sign device entitlement tokens (shared/API.md, Entitlements). The private key is never
-- stored in the clear: sealed_private_key is AES-256-GCM (12-byte nonce, then the ciphertext with its 16-byte tag)
-- of the 32-byte seed under the key-encryption key of the environment (SUBDESK_ENTITLEMENT_KEK), with the key id as
-- associated data; kek_id tells which key-encryption key sealed it. One key signs at a time (retired_at IS NULL);
-- a retired key stays published until the tokens it signed have expired (retired_at + the longest token life).
CREATE TABLE entitlement_keys (
    kid                text PRIMARY KEY,
    public_key         bytea NOT NULL CHECK (length(public_key) = 32),
    sealed_private_key bytea NOT NULL CHECK (length(sealed_private_key) = 12 + 32 + 16),
    kek_id             text NOT NULL,
    created_at         timestamptz NOT NULL,
    retired_at         timestamptz
);
CREATE UNIQUE INDEX entitlement_keys_one_signing_key ON entitlement_keys ((true)) WHERE retired_at IS NULL;
