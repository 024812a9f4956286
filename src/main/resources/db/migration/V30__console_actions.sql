-- Agent console, acting on a caller's behalf (issue 5, part A).

-- The billing postcode a card was registered with: optional, the fourth knowledge factor of caller
-- verification. Stored as given; compared ignoring case and spaces.
ALTER TABLE payment_methods ADD COLUMN billing_postcode text;

-- Step-up codes: six digits sent to the email on file and read back by the caller to the agent. Only a salted
-- hash is kept. A confirmed code lets that agent take the sensitive actions on that account for a short time.
CREATE TABLE step_up_codes (
    id            text PRIMARY KEY,
    account_id    text        NOT NULL REFERENCES accounts (id),
    agent         text        NOT NULL,
    case_number   text,
    code_hash     text        NOT NULL,                 -- hex SHA-256 of id || ':' || code
    attempts      int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    retired_at    timestamptz,                          -- a newer code replaced it, or too many tries
    confirmed_at  timestamptz                           -- the caller read it back: used, never again
);
CREATE INDEX step_up_codes_account_idx ON step_up_codes (account_id, created_at DESC);

-- Refunds outside the written policy (goodwill): an agent asks, a supervisor decides; only an approval refunds.
CREATE TABLE refund_approvals (
    id             text PRIMARY KEY,
    seq            bigint GENERATED ALWAYS AS IDENTITY,
    account_id     text        NOT NULL REFERENCES accounts (id),
    charge_id      text        NOT NULL REFERENCES charges (id),
    amount         bigint      NOT NULL CHECK (amount > 0),
    currency       text        NOT NULL,
    reason         text        NOT NULL,
    case_number    text,
    requested_by   text        NOT NULL,
    requested_at   timestamptz NOT NULL,
    status         text        NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
    decided_by     text,
    decided_at     timestamptz,
    decision_note  text,
    refund_id      text REFERENCES refunds (id),
    CHECK ((status = 'PENDING') = (decided_at IS NULL)),
    CHECK ((status = 'APPROVED') = (refund_id IS NOT NULL))
);
CREATE INDEX refund_approvals_pending_idx ON refund_approvals (requested_at, seq) WHERE status = 'PENDING';
CREATE INDEX refund_approvals_account_idx ON refund_approvals (account_id);

-- A stored notice delivered again (e.g. a cancellation confirmation resent at a caller's request): the same
-- content, to the address on file at the time of the request; the notice itself stays one per event.
CREATE TABLE notice_redeliveries (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id     text        NOT NULL REFERENCES notices (id),
    recipient     text        NOT NULL,
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    sent_at       timestamptz
);
CREATE INDEX notice_redeliveries_notice_idx ON notice_redeliveries (notice_id);
CREATE INDEX notice_redeliveries_unsent_idx ON notice_redeliveries (id) WHERE sent_at IS NULL;
