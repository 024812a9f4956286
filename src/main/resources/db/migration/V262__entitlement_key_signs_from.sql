-- A rotated-in key is published before it signs: a verifier (or a cache in front of it) holding the JWK Set fetched
-- just before a rotation would refuse tokens signed by a key it has not seen. signs_from is when a key starts
-- signing; the key it replaces signs until then (its retired_at).
ALTER TABLE entitlement_keys ADD COLUMN signs_from timestamptz;
UPDATE entitlement_keys SET signs_from = created_at;
ALTER TABLE entitlement_keys ALTER COLUMN signs_from SET NOT NULL;
