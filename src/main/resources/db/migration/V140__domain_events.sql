-- The domain events of shared/API.md (Webhooks, 1.1): one row per state change, written in the transaction of
-- the change. position orders rows by insertion (not by commit: readers that need every row must not assume a
-- smaller position is always committed first); sequence counts one subject's events from 1 without gaps.
CREATE TABLE event_subject (
    subject_id    text   PRIMARY KEY,
    last_sequence bigint NOT NULL
);

CREATE TABLE domain_event (
    position   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    type       text        NOT NULL,
    subject_id text        NOT NULL,
    sequence   bigint      NOT NULL,
    account_id text,
    data       jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (subject_id, sequence)
);

CREATE INDEX domain_event_account ON domain_event (account_id);
CREATE INDEX domain_event_created ON domain_event (created_at);
CREATE INDEX domain_event_type ON domain_event (type, position);
