-- Every rotated-out webhook secret signs for its own 24 hours (module webhooks, WebhookEndpoints.rotateSecret): one
-- row per rotated-out secret, sealed like the current one (AES-256-GCM under the KEK named beside it, the endpoint id
-- as associated data). A rotation adds the secret it replaces and deletes the rows whose 24 hours are over and those
-- beyond the newest 10. Until now one column held the one previous secret, so a second rotation within 24 hours cut
-- the first old secret off at once.
CREATE TABLE webhook_endpoint_old_secret (
    seq           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id   text        NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    sealed_secret bytea       NOT NULL,
    secret_kek_id text        NOT NULL,
    signs_until   timestamptz NOT NULL
);

CREATE INDEX webhook_endpoint_old_secret_endpoint ON webhook_endpoint_old_secret (endpoint_id, signs_until);

INSERT INTO webhook_endpoint_old_secret (endpoint_id, sealed_secret, secret_kek_id, signs_until)
SELECT id, sealed_previous_secret, secret_kek_id, previous_secret_until
FROM webhook_endpoint
WHERE sealed_previous_secret IS NOT NULL AND secret_kek_id IS NOT NULL AND previous_secret_until IS NOT NULL;

-- webhook_endpoint.sealed_previous_secret is no longer read. It stays, as do previous_secret and
-- previous_secret_until (read for rows from before V180 whose previous secret is still in the clear: the server seals
-- it into webhook_endpoint_old_secret when it starts), so that a node of the previous version still running while
-- another migrates keeps signing with what it knows; a later version drops it.
