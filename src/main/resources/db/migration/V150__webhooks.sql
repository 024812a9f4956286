-- Webhooks (shared/API.md 1.1, module webhooks): endpoints, the events waiting for their fan-out, deliveries.

CREATE TABLE webhook_endpoint (
    seq                  bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id                   text        PRIMARY KEY,
    url                  text        NOT NULL,
    events               text[]      NOT NULL,
    status               text        NOT NULL CHECK (status IN ('ENABLED', 'DISABLED')),
    description          text,
    secret               text        NOT NULL,
    previous_secret      text,
    previous_secret_until timestamptz,
    failing_since        timestamptz,
    created_at           timestamptz NOT NULL
);

-- One row per domain event not yet fanned out to the endpoints, written by a trigger in the transaction that
-- appends the event: it becomes visible exactly when the event commits, whatever its position, so the fan-out
-- (which claims these rows with FOR UPDATE SKIP LOCKED and deletes them) never skips an event that committed after
-- one with a larger position. domain_event itself is not changed.
CREATE TABLE webhook_fanout (
    position bigint PRIMARY KEY
);

CREATE FUNCTION webhook_fanout_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_fanout (position) VALUES (NEW.position);
    RETURN NULL;
END
$$;

CREATE TRIGGER domain_event_webhook_fanout AFTER INSERT ON domain_event
    FOR EACH ROW EXECUTE FUNCTION webhook_fanout_enqueue();

CREATE TABLE webhook_delivery (
    seq              bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id               text        PRIMARY KEY,
    endpoint_id      text        NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    event_position   bigint      NOT NULL,
    event_id         text        NOT NULL,
    event_type       text        NOT NULL,
    subject_id       text        NOT NULL,
    sequence         bigint      NOT NULL,
    status           text        NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
    attempts         integer     NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text,
    next_attempt_at  timestamptz,
    -- a sender's claim: the attempt it is making, until when (a crashed node's claim lapses and the attempt is
    -- made again by another), and a token only that sender knows, which its outcome must name
    claimed_until    timestamptz,
    claim_token      text,
    -- a manual retry: sent at once, outside the subject's order
    manual           boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);

-- what is due, in the claim's order: the pending deliveries only
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at, event_position) WHERE status = 'PENDING';
-- the order of one subject per endpoint
CREATE INDEX webhook_delivery_subject ON webhook_delivery (endpoint_id, subject_id, sequence) WHERE status = 'PENDING';
-- the deliveries log
CREATE INDEX webhook_delivery_log ON webhook_delivery (endpoint_id, created_at DESC, seq DESC);
