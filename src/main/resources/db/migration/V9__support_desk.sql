-- Support cases: priority, owner, service-level due time, escalation, and a timeline.
ALTER TABLE support_cases
    ADD COLUMN priority          text NOT NULL DEFAULT 'NORMAL' CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
    ADD COLUMN owner             text,
    ADD COLUMN sla_due_at        timestamptz,
    ADD COLUMN escalation_reason text,
    ADD COLUMN updated_at        timestamptz;
UPDATE support_cases SET sla_due_at = created_at + interval '24 hours', updated_at = created_at;
ALTER TABLE support_cases ALTER COLUMN sla_due_at SET NOT NULL, ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX support_cases_queue_idx ON support_cases (sla_due_at) WHERE status = 'ESCALATED';

CREATE TABLE case_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number  text NOT NULL REFERENCES support_cases (case_number),
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('OPENED', 'NOTE', 'ACTION', 'NOTICE', 'STATUS')),
    text         text NOT NULL
);
CREATE INDEX case_events_case_idx ON case_events (case_number, id);

-- The audit trail is a hash chain: each entry carries the hash of the one before it.
ALTER TABLE audit_events
    ADD COLUMN case_number text,
    ADD COLUMN reason      text,
    ADD COLUMN prev_hash   text,
    ADD COLUMN hash        text;
