-- A key that leaked is revoked (POST /entitlement-keys/rotation {"revoke": true}): it stops signing and leaves the
-- JWK Set at once, instead of staying published for the 7 days a retired key keeps verifying the tokens it signed.
ALTER TABLE entitlement_keys ADD COLUMN revoked_at timestamptz;
